"""IPC of three kinds between processes with distinct names, for the recording tests.

usage: record_workload.py N [GAP_MS]
Makes exactly N events of each kind, each moving 16 bytes (signals: none):
  pipe         rec-pwrite  > rec-pread      "pipe-msg-0000000" .. (one 16-byte read per write)
  unix-stream  rec-usend   > rec-urecv      "unix-msg-0000000" ..
  signal       rec-sigsend > rec-sigtarget  real-time signal 35 (queued, never merged)
Each child names itself through /proc/self/comm before its first IPC. GAP_MS (default 0)
pauses between the messages, so a run can be stopped half-way. The parent prints
PW= PR= US= UR= SS= ST= <pid> on stderr once all children exist, then waits for them.
"""
import os
import signal
import socket
import sys
import time

N = int(sys.argv[1])
GAP = (float(sys.argv[2]) if len(sys.argv) > 2 else 0.0) / 1000.0
MSG = 16


def rename(name):
    with open("/proc/self/comm", "w") as f:
        f.write(name)


def child(name, fn):
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            rename(name)
            fn()
        except BaseException as e:  # report, never fall back into the parent's code
            sys.stderr.write("%s: %r\n" % (name, e))
            code = 1
        finally:
            os._exit(code)
    return pid


def pause():
    if GAP:
        time.sleep(GAP)


# pipe: each write is atomic (16 <= PIPE_BUF) and each read asks for 16, so 1 write = 1 read
r, w = os.pipe()


def pwrite():
    os.close(r)
    for i in range(N):
        os.write(w, b"pipe-msg-%07d" % i)
        pause()


def pread():
    os.close(w)
    for _ in range(N):
        got = os.read(r, MSG)
        assert len(got) == MSG, got


# unix stream: MSG_WAITALL makes every recv exactly one 16-byte message
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)


def usend():
    b.close()
    for i in range(N):
        a.sendall(b"unix-msg-%07d" % i)
        pause()


def urecv():
    a.close()
    for _ in range(N):
        got = b.recv(MSG, socket.MSG_WAITALL)
        assert len(got) == MSG, got


# signals: the target blocks 35 and takes each queued instance with sigwaitinfo (a Python
# handler would run once for several instances that arrived together). It is blocked from
# the target's first instruction on, so no instance can kill it (a blocked signal is queued,
# not ignored, so the tracer reports it).
def target():
    for _ in range(N):
        signal.sigwaitinfo([35])


pids = {}
pids["PR"] = child("rec-pread", pread)
pids["PW"] = child("rec-pwrite", pwrite)
os.close(r)
os.close(w)
pids["UR"] = child("rec-urecv", urecv)
pids["US"] = child("rec-usend", usend)
a.close()
b.close()
# blocked before the fork, so it is blocked in the child from its first instruction
signal.pthread_sigmask(signal.SIG_BLOCK, [35])
pids["ST"] = child("rec-sigtarget", target)
signal.pthread_sigmask(signal.SIG_UNBLOCK, [35])
# a signal's dst comm is the target's name when the signal is sent: wait for the rename
while open("/proc/%d/comm" % pids["ST"]).read().strip() != "rec-sigtarget":
    time.sleep(0.002)


def sigsend():
    for _ in range(N):
        os.kill(pids["ST"], 35)
        pause()


pids["SS"] = child("rec-sigsend", sigsend)
for k, v in pids.items():
    sys.stderr.write("%s=%d\n" % (k, v))
sys.stderr.flush()
bad = 0
for v in pids.values():
    _, status = os.waitpid(v, 0)
    bad |= status
sys.exit(1 if bad else 0)
