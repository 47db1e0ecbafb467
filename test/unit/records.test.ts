/**
 * The record decoder on hand-built records (offsets from the generated layout): endpoints,
 * comm fallbacks, metadata per type, byte chunks stitched across REC_DATA records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordDecoder } from '../../src/ipcdump/records';
import { ProcTable } from '../../src/ipcdump/proc-table';
import { MonotonicToWall } from '../../src/runtime/clock';
import { DATA_REC, IPC_FLAGS, IPC_REC, IPC_TYPE, PROC_REC, REC_KIND } from '../../src/ipcdump/layout.generated';

function ipcRec(fields: { type: number; id: number; src: number; dst: number; srcComm?: string; dstComm?: string; count?: number; dataLen?: number; flags?: number; inode?: number; sig?: number; syscall?: number; name?: string }): Buffer {
  const b = Buffer.alloc(IPC_REC.SIZE);
  b.writeUInt16LE(REC_KIND.REC_IPC, IPC_REC.h_kind);
  b.writeUInt16LE(fields.type, IPC_REC.h_type);
  b.writeBigUInt64LE(1_000_000n, IPC_REC.h_ts);
  b.writeBigUInt64LE(BigInt(fields.id), IPC_REC.id);
  b.writeInt32LE(fields.src, IPC_REC.src_pid);
  b.writeInt32LE(fields.dst, IPC_REC.dst_pid);
  b.write(fields.srcComm ?? '', IPC_REC.src_comm, 'latin1');
  b.write(fields.dstComm ?? '', IPC_REC.dst_comm, 'latin1');
  b.writeBigUInt64LE(BigInt(fields.count ?? 0), IPC_REC.count);
  b.writeUInt32LE(fields.dataLen ?? 0, IPC_REC.data_len);
  b.writeUInt32LE(fields.flags ?? 0, IPC_REC.flags);
  b.writeBigUInt64LE(BigInt(fields.inode ?? 0), IPC_REC.inode);
  b.writeInt32LE(fields.sig ?? 0, IPC_REC.sig);
  b.writeUInt32LE(fields.syscall ?? 0, IPC_REC.syscall);
  const name = Buffer.from(fields.name ?? '');
  b.writeUInt16LE(name.length, IPC_REC.name_len);
  name.copy(b, IPC_REC.name);
  return b.subarray(0, IPC_REC.name + name.length);
}

function dataRec(id: number, offset: number, bytes: string): Buffer {
  const payload = Buffer.from(bytes);
  const b = Buffer.alloc(DATA_REC.data + payload.length);
  b.writeUInt16LE(REC_KIND.REC_DATA, DATA_REC.h_kind);
  b.writeUInt16LE(IPC_TYPE.IPC_PIPE, DATA_REC.h_type);
  b.writeBigUInt64LE(BigInt(id), DATA_REC.id);
  b.writeUInt32LE(offset, DATA_REC.offset);
  b.writeUInt32LE(payload.length, DATA_REC.len);
  payload.copy(b, DATA_REC.data);
  return b;
}

function procRec(kind: number, pid: number, comm: string): Buffer {
  const b = Buffer.alloc(PROC_REC.SIZE);
  b.writeUInt16LE(kind, PROC_REC.h_kind);
  b.writeInt32LE(pid, PROC_REC.pid);
  b.write(comm, PROC_REC.comm, 'latin1');
  return b;
}

const decoder = (bytes = true) => new RecordDecoder(new ProcTable(), new MonotonicToWall(), bytes);
const dec = (d: RecordDecoder, b: Buffer) => d.decode(b, 0, b.length);

test('signal record: endpoints, comms and metadata', () => {
  const ev = dec(decoder(), ipcRec({ type: IPC_TYPE.IPC_SIGNAL, id: 1, src: 10, dst: 20, srcComm: 'bash', dstComm: 'sleep', sig: 2 }))!;
  assert.equal(ev.type, 'signal');
  assert.deepEqual(ev.src, { pid: 10, comm: 'bash' });
  assert.deepEqual(ev.dst, { pid: 20, comm: 'sleep' });
  assert.deepEqual(ev.metadata, [['num', 2], ['name', 'interrupt']]);
  assert.equal(typeof ev.timeNs, 'bigint');
});

test('pipe record: anonymous name, inode, count; unknown source', () => {
  const ev = dec(decoder(), ipcRec({ type: IPC_TYPE.IPC_PIPE, id: 2, src: -1, dst: 20, dstComm: 'cat', count: 3, inode: 4242, flags: IPC_FLAGS.IPC_F_SRC_UNKNOWN_DATA }))!;
  assert.deepEqual(ev.src, { pid: -1, comm: '<unknown>' });
  assert.deepEqual(ev.metadata, [['pipe_name', '<anonymous>'], ['pipe_inode', 4242], ['count', 3], ['src_note', 'written before tracing started']]);
});

test('pipe record: FIFO name, non-read syscall and several writers are stated', () => {
  const ev = dec(decoder(), ipcRec({ type: IPC_TYPE.IPC_PIPE, id: 3, src: 5, dst: 6, srcComm: 'a', dstComm: 'b', count: 9, inode: 1, name: 'my-fifo', syscall: 19, flags: IPC_FLAGS.IPC_F_MULTI_WRITER | IPC_FLAGS.IPC_F_FIFO }))!;
  assert.deepEqual(ev.metadata, [['pipe_name', 'my-fifo'], ['pipe_inode', 1], ['count', 9], ['syscall', 'readv'], ['writers', 'several']]);
});

test('bytes arrive in REC_DATA chunks before their event and are stitched in order', () => {
  const d = decoder();
  assert.equal(dec(d, dataRec(77, 0, 'hello ')), undefined);
  assert.equal(dec(d, dataRec(77, 6, 'world')), undefined);
  const ev = dec(d, ipcRec({ type: IPC_TYPE.IPC_PIPE, id: 77, src: 1, dst: 2, srcComm: 'x', dstComm: 'y', count: 11, dataLen: 11 }))!;
  assert.equal(ev.bytes?.toString(), 'hello world');
});

test('bytes are not collected when not wanted', () => {
  const d = decoder(false);
  dec(d, dataRec(5, 0, 'abc'));
  const ev = dec(d, ipcRec({ type: IPC_TYPE.IPC_PIPE, id: 5, src: 1, dst: 2, srcComm: 'x', dstComm: 'y', count: 3, dataLen: 3 }))!;
  assert.equal(ev.bytes, undefined);
});

test('orphaned chunks (their event was lost) are dropped after a few batches', () => {
  const d = decoder();
  dec(d, dataRec(9, 0, 'orphan'));
  for (let i = 0; i < 4; i++) d.endBatch();
  const ev = dec(d, ipcRec({ type: IPC_TYPE.IPC_PIPE, id: 9, src: 1, dst: 2, srcComm: 'x', dstComm: 'y', count: 6, dataLen: 6 }))!;
  assert.equal(ev.bytes, undefined);
});

test('process records feed comm lookups for endpoints without a comm', () => {
  const d = decoder();
  dec(d, procRec(REC_KIND.REC_PROC_FORK, 300, 'bash'));
  dec(d, procRec(REC_KIND.REC_PROC_COMM, 300, 'worker'));
  const ev = dec(d, ipcRec({ type: IPC_TYPE.IPC_SIGNAL, id: 1, src: 300, dst: 301, dstComm: 'x', sig: 15 }))!;
  assert.equal(ev.src.comm, 'worker');
  dec(d, procRec(REC_KIND.REC_PROC_EXIT, 300, 'worker'));
  const ev2 = dec(d, ipcRec({ type: IPC_TYPE.IPC_SIGNAL, id: 2, src: 300, dst: 301, dstComm: 'x', sig: 15 }))!;
  assert.equal(ev2.src.comm, 'worker', 'an exited process keeps its name for late events');
});

test('truncated records are ignored, not misread', () => {
  const d = decoder();
  assert.equal(d.decode(Buffer.alloc(8), 0, 8), undefined);
});
