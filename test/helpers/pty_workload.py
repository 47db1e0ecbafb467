"""A shell in a pseudoterminal (python's pty module) running a command: the parent acts as the
terminal emulator. Prints PARENT=<pid> CHILD=<pid> on stderr and what the terminal showed."""
import os, pty, sys, time
pid, master = pty.fork()
if pid == 0:
    os.execvp("sh", ["sh", "-c", "echo ready; read x; echo got:$x"])
sys.stderr.write("PARENT=%d CHILD=%d\n" % (os.getpid(), pid))
buf = b""
while b"ready" not in buf:
    buf += os.read(master, 100)
os.write(master, b"hello\n")
out = b""
while b"got:hello" not in out:
    out += os.read(master, 100)
print(out)
os.waitpid(pid, 0)
