"""Loopback workloads for the integration tests (run with /usr/bin/python3).

usage: loopback_workload.py tcp|udp 4|6 PORT
A receiver (this process) and a sender (a forked child) exchange one message over loopback.
Prints SENDER=<pid> RECEIVER=<pid> SPORT=<sender's port> on stderr, the message on stdout.
"""
import os
import socket
import sys

proto, ver, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam, host = (socket.AF_INET, "127.0.0.1") if ver == "4" else (socket.AF_INET6, "::1")
stype = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
msg = ("%s%s-hello" % (proto, ver)).encode()

srv = socket.socket(fam, stype)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((host, port))
if proto == "tcp":
    srv.listen(1)
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    c = socket.socket(fam, stype)
    c.bind((host, 0))
    sys.stderr.write("SPORT=%d\n" % c.getsockname()[1])
    sys.stderr.flush()
    if proto == "tcp":
        c.connect((host, port))
        c.send(msg)
        os.read(r, 1)  # keep the connection until the receiver has read
    else:
        c.sendto(msg, (host, port))
    os._exit(0)
sys.stderr.write("SENDER=%d\nRECEIVER=%d\n" % (pid, os.getpid()))
if proto == "tcp":
    conn, _ = srv.accept()
    got = conn.recv(100)
else:
    got = srv.recv(100)  # no source address asked for: the port must come from the send side
print(got.decode())
os.write(w, b"x")
os.waitpid(pid, 0)
