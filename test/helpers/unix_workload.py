"""Unix-socket workloads for the integration tests (run with /usr/bin/python3).

usage: unix_workload.py TYPE VARIANT DIR
  TYPE     stream | dgram | seqpacket
  VARIANT  path | abstract | socketpair | passfd | creds | peek | big
Prints SENDER=<pid> and RECEIVER=<pid> on stderr; the receiver prints what it got on stdout
(for `big`, the SHA-256 of the 1 MiB it received). The sender is always a different process
from the receiver, so the test can check both ends.
"""
import hashlib
import os
import socket
import struct
import sys

kind, variant, d = sys.argv[1], sys.argv[2], sys.argv[3]
stype = {"stream": socket.SOCK_STREAM, "dgram": socket.SOCK_DGRAM, "seqpacket": socket.SOCK_SEQPACKET}[kind]
payload = ("%s-%s" % (kind, variant)).encode()
me = os.getpid()


def say(name, pid):
    sys.stderr.write("%s=%d\n" % (name, pid))
    sys.stderr.flush()


def recv_all(s, n):
    got = b""
    while len(got) < n:
        chunk = s.recv(min(65536, n - len(got)))
        if not chunk:
            break
        got += chunk
    return got


if variant in ("socketpair", "peek", "big"):
    a, b = socket.socketpair(socket.AF_UNIX, stype)
    data = os.urandom(1 << 20) if variant == "big" else payload
    r, w = os.pipe()  # the child waits until the parent is ready to receive
    pid = os.fork()
    if pid == 0:
        b.close()
        os.read(r, 1)
        if stype == socket.SOCK_STREAM:
            a.sendall(data)
        else:
            a.send(data)
        os._exit(0)
    a.close()
    say("SENDER", pid)
    say("RECEIVER", me)
    os.write(w, b"g")
    if variant == "peek":
        b.recv(100, socket.MSG_PEEK)
        got = b.recv(100)
    elif variant == "big":
        got = recv_all(b, len(data))
        print(hashlib.sha256(got).hexdigest(), len(got), hashlib.sha256(data).hexdigest())
        os.waitpid(pid, 0)
        sys.exit(0)
    else:
        got = b.recv(100)
    print(got.decode())
    os.waitpid(pid, 0)
    sys.exit(0)

if variant == "creds":
    # The child sends with SCM_CREDENTIALS to a receiver that set SO_PASSCRED.
    a, b = socket.socketpair(socket.AF_UNIX, stype)
    b.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    pid = os.fork()
    if pid == 0:
        a.sendmsg([payload], [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, struct.pack("iII", os.getpid(), os.getuid(), os.getgid()))])
        os._exit(0)
    say("SENDER", pid)
    say("RECEIVER", me)
    msg, anc, _, _ = b.recvmsg(100, 256)
    print(msg.decode())
    os.waitpid(pid, 0)
    sys.exit(0)

if variant == "passfd":
    # A socketpair (x, y) is made here; x is passed to a second process over SCM_RIGHTS,
    # which sends on it; we receive on y. The sender is that second process.
    x, y = socket.socketpair(socket.AF_UNIX, stype)
    c1, c2 = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        x.close()
        y.close()
        c1.close()
        msg, fds, _, _ = socket.recv_fds(c2, 10, 1)
        s = socket.socket(fileno=fds[0])
        s.send(payload)
        os._exit(0)
    c2.close()
    socket.send_fds(c1, [b"x"], [x.fileno()])
    x.close()
    say("SENDER", pid)
    say("RECEIVER", me)
    print(y.recv(100).decode())
    os.waitpid(pid, 0)
    sys.exit(0)

# path / abstract: the receiver binds (and listens); a child process connects and sends.
addr = os.path.join(d, "%s.sock" % kind) if variant == "path" else "\0ipcdump-test-%s-%d" % (kind, me)
srv = socket.socket(socket.AF_UNIX, stype)
srv.bind(addr)
if stype != socket.SOCK_DGRAM:
    srv.listen(1)
pid = os.fork()
if pid == 0:
    c = socket.socket(socket.AF_UNIX, stype)
    if stype == socket.SOCK_DGRAM:
        c.sendto(payload, addr)  # unconnected sender
    else:
        c.connect(addr)
        c.send(payload)
    os._exit(0)
say("SENDER", pid)
say("RECEIVER", me)
if stype == socket.SOCK_DGRAM:
    got = srv.recv(100)
else:
    conn, _ = srv.accept()
    got = conn.recv(100)
print(got.decode())
os.waitpid(pid, 0)
