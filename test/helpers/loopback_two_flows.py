"""Two TCP connections between the same two addresses at once, for the loopback tests.

usage: loopback_two_flows.py PORT
Two clients (forked children named lo-client-a and lo-client-b, bound to ports PORT+1 and
PORT+2) connect to one server (this process, lo-server) on 127.0.0.1:PORT. Client a sends,
then client b, and only then does the server read: b's connection first. Both messages
start with the same bytes, so only the flow (the ports) can tell whose bytes a read takes.
Prints A=<pid> B=<pid> SERVER=<pid> on stderr, what the server read (b's, then a's) on stdout.
"""
import os
import socket
import sys

port = int(sys.argv[1])


def rename(name):
    with open("/proc/self/comm", "w") as f:
        f.write(name)


rename("lo-server")
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(2)
turn_r, turn_w = os.pipe()  # a -> b: a has sent, b's turn
sent_r, sent_w = os.pipe()  # b -> server: both have sent
done_r, done_w = os.pipe()  # server -> clients: all read, you may exit
kids = {}
for i, name in enumerate(("a", "b")):
    pid = os.fork()
    if pid == 0:
        rename("lo-client-" + name)
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        c.bind(("127.0.0.1", port + 1 + i))
        c.connect(("127.0.0.1", port))
        if name == "b":
            os.read(turn_r, 1)
        c.send(b"two-flows-same-start-" + name.encode())
        os.write(turn_w if name == "a" else sent_w, b"x")
        os.read(done_r, 1)
        os._exit(0)
    kids[name] = pid
sys.stderr.write("A=%d\nB=%d\nSERVER=%d\n" % (kids["a"], kids["b"], os.getpid()))
sys.stderr.flush()
conns = {}
for _ in range(2):
    conn, addr = srv.accept()
    conns["a" if addr[1] == port + 1 else "b"] = conn
os.read(sent_r, 1)
for name in ("b", "a"):
    print(conns[name].recv(100).decode())
for _ in kids:
    os.write(done_w, b"x")
for pid in kids.values():
    os.waitpid(pid, 0)
