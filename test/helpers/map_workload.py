"""IPC between two processes whose names the --map tests choose (run with /usr/bin/python3).

usage: map_workload.py KIND N [CGROUP_DIR]
  KIND        pipe | unix | tcp | signal
  N           messages (or signals) sent, one every 100 ms
  CGROUP_DIR  a cgroup v2 directory both processes move into first (to test grouping)

The receiver (this process) names itself mapt-KIND-r and forks the sender, which names itself
mapt-KIND-s (prctl PR_SET_NAME, before any IPC), so the map shows exactly these names and the
sender's parent is the receiver. Prints SENDER=<pid> and RECEIVER=<pid> on stderr. Every
receive takes exactly one message (reads of the message's size), so the receiver's event count
is N even when two messages queue up. Nothing else passes between the two: no extra events.
"""
import ctypes
import os
import signal
import socket
import sys
import time

kind, n = sys.argv[1], int(sys.argv[2])
cgroup = sys.argv[3] if len(sys.argv) > 3 else None
MSG = ("ipcmap-hello-%s" % kind).encode()
libc = ctypes.CDLL(None, use_errno=True)


def name(s):
    libc.prctl(15, ctypes.c_char_p(s.encode()), 0, 0, 0)  # PR_SET_NAME


if cgroup:
    with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
        f.write(str(os.getpid()))

name("mapt-%s-r" % kind)
got = 0

if kind == "signal":
    def on_usr1(*_):
        global got
        got += 1
    signal.signal(signal.SIGUSR1, on_usr1)

if kind == "pipe":
    r, w = os.pipe()
elif kind == "unix":
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
elif kind == "tcp":
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]

parent = os.getpid()
pid = os.fork()
if pid == 0:
    name("mapt-%s-s" % kind)
    time.sleep(0.3)  # the receiver is waiting by then
    if kind == "tcp":
        c = socket.create_connection(("127.0.0.1", port))
        time.sleep(0.2)
    for _ in range(n):
        if kind == "pipe":
            os.write(w, MSG)
        elif kind == "unix":
            a.send(MSG)
        elif kind == "tcp":
            c.send(MSG)
        else:
            os.kill(parent, signal.SIGUSR1)
        time.sleep(0.1)
    time.sleep(0.3)  # stay alive until the receiver has taken everything
    os._exit(0)

sys.stderr.write("SENDER=%d\nRECEIVER=%d\n" % (pid, os.getpid()))
sys.stderr.flush()
if kind == "pipe":
    for _ in range(n):
        got += len(os.read(r, len(MSG))) > 0
elif kind == "unix":
    for _ in range(n):
        got += len(b.recv(len(MSG))) > 0
elif kind == "tcp":
    conn, _ = srv.accept()
    for _ in range(n):
        got += len(conn.recv(len(MSG))) > 0
else:
    deadline = time.time() + 10
    while got < n and time.time() < deadline:
        time.sleep(0.05)
os.waitpid(pid, 0)
print(got)
sys.exit(0 if got == n else 1)
