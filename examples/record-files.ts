// Prints every file a command (and its children) opens: `node dist/examples/record-files.js ls /`
import { spawn } from 'node:child_process';
import { SyscallRecorder } from 'ipcdump';

async function main([cmd, ...args]: string[]) {
  // Our own children, from their first syscall on (the recorder never records itself).
  const rec = await SyscallRecorder.open({ syscalls: ['openat'], filters: { pids: [process.pid], followChildren: true } });
  spawn(cmd, args, { stdio: 'inherit' }).on('exit', () => setTimeout(() => rec.stop(), 100));
  for await (const ev of rec) console.log(ev.header.process_id, ev.params.filename, ev.errno ?? `fd ${ev.ret}`);
}
main(process.argv.slice(2));
