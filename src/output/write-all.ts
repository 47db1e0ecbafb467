/**
 * Write a whole buffer to a file descriptor, synchronously: the loop both the output sink
 * (-o, stdout) and the recording writer (-w) need. Short writes continue where they stopped,
 * EINTR retries, EAGAIN (a non-blocking pipe or terminal that is full) waits 1 ms and retries
 * instead of spinning; any other error is thrown for the caller to word.
 */
import * as fs from 'node:fs';

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

export function writeAllSync(fd: number, buf: Buffer, end: number): void {
  let off = 0;
  while (off < end) {
    try {
      off += fs.writeSync(fd, buf, off, end - off);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') Atomics.wait(sleepCell, 0, 0, 1);
      else if (code !== 'EINTR') throw err;
    }
  }
}
