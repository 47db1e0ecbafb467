import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeFormatter } from '../../src/output/index';
import { makeTextFormatter, escapeControl } from '../../src/output/text';
import { makeJsonFormatter } from '../../src/output/json';
import { CSV_HEADER, csvField, makeCsvFormatter } from '../../src/output/csv';
import { resetTimeCache } from '../../src/output/time';
import type { IpcEvent, OutputRecord } from '../../src/ipcdump/event';

process.env.TZ = 'UTC';
resetTimeCache();

// 2021-03-19T16:51:23.000123456Z
const T = 1616172683000123456n;

function ev(over: Partial<IpcEvent> = {}): OutputRecord {
  return {
    kind: 'event',
    event: {
      type: 'signal',
      src: { pid: 812, comm: 'bash' },
      dst: { pid: 901, comm: 'sleep' },
      timeNs: T,
      metadata: [['num', 2], ['name', 'interrupt']],
      ...over,
    },
  };
}

const LOST: OutputRecord = { kind: 'lost', lost: { lostType: 'pipe', count: 17, timeNs: T } };
const PIPE_BYTES = ev({
  type: 'pipe',
  src: { pid: 10, comm: 'writer' },
  dst: { pid: 11, comm: 'reader' },
  metadata: [['pipe_name', '<anonymous>'], ['pipe_inode', 22643], ['count', 10]],
  bytes: Buffer.from('hello-pipe'),
});

// ----------------------------------------------------------------------------------------- text

test('text: signal event', () => {
  const f = makeTextFormatter({ showBytes: false });
  assert.equal(f(ev()), '16:51:23.000123456 signal 812(bash) > 901(sleep): num 2, name interrupt\n');
});

test('text: unknown pids, no metadata', () => {
  const f = makeTextFormatter({ showBytes: false });
  assert.equal(
    f(ev({ src: { pid: -1, comm: '<unknown>' }, metadata: [] })),
    '16:51:23.000123456 signal <unknown>(<unknown>) > 901(sleep)\n',
  );
});

test('text: bytes with -x, first dump line tabbed only', () => {
  const f = makeTextFormatter({ showBytes: true });
  assert.equal(
    f(PIPE_BYTES),
    '16:51:23.000123456 pipe 10(writer) > 11(reader): pipe_name <anonymous>, pipe_inode 22643, count 10\n' +
      '\t00000000  68 65 6c 6c 6f 2d 70 69  70 65                    |hello-pipe|\n',
  );
  const big = ev({ metadata: [['count', 17]], bytes: Buffer.from('ABCDEFGHIJKLMNOPQ') });
  assert.equal(
    f(big),
    '16:51:23.000123456 signal 812(bash) > 901(sleep): count 17\n' +
      '\t00000000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|\n' +
      '00000010  51                                                |Q|\n',
  );
  // no metadata: header still ends its own line
  assert.equal(
    f(ev({ metadata: [], bytes: Buffer.from('A') })),
    '16:51:23.000123456 signal 812(bash) > 901(sleep)\n\t00000000  41                                                |A|\n',
  );
  // empty bytes: nothing
  assert.equal(f(ev({ bytes: Buffer.alloc(0) })), '16:51:23.000123456 signal 812(bash) > 901(sleep): num 2, name interrupt\n');
});

test('text: bytes are not printed without -x', () => {
  const f = makeTextFormatter({ showBytes: false });
  assert.equal(
    f(PIPE_BYTES),
    '16:51:23.000123456 pipe 10(writer) > 11(reader): pipe_name <anonymous>, pipe_inode 22643, count 10\n',
  );
});

test('text: lost record is one line', () => {
  assert.equal(makeTextFormatter({ showBytes: false })(LOST), '16:51:23.000123456 pipe: lost 17 events\n');
});

test('text: control characters in comms and values are escaped', () => {
  const f = makeTextFormatter({ showBytes: false });
  assert.equal(
    f(ev({ src: { pid: 1, comm: 'evil\nline' }, dst: { pid: 2, comm: '\x1b[31mred\x7f' }, metadata: [['pipe_name', 'a\tb\u009b'], ['n', 1]] })),
    '16:51:23.000123456 signal 1(evil\\x0aline) > 2(\\x1b[31mred\\x7f): pipe_name a\\x09b\\x9b, n 1\n',
  );
  assert.equal(escapeControl('plain ü ✓'), 'plain ü ✓');
  const s = 'no-controls';
  assert.equal(escapeControl(s), s);
});

// ----------------------------------------------------------------------------------------- json

test('json: key order, meta order, time', () => {
  const line = makeJsonFormatter({ showBytes: false })(ev());
  assert.equal(
    line,
    '{"src_pid":812,"src_comm":"bash","dst_pid":901,"dst_comm":"sleep","type":"signal",' +
      '"time":"2021-03-19T16:51:23.000123456Z","meta":{"num":2,"name":"interrupt"}}\n',
  );
  assert.deepEqual(Object.keys(JSON.parse(line)), ['src_pid', 'src_comm', 'dst_pid', 'dst_comm', 'type', 'time', 'meta']);
});

test('json: meta omitted when empty, unknown pid is -1', () => {
  const line = makeJsonFormatter({ showBytes: true })(ev({ src: { pid: -1, comm: '<unknown>' }, metadata: [], timeNs: 1616172683000000000n }));
  assert.equal(
    line,
    '{"src_pid":-1,"src_comm":"<unknown>","dst_pid":901,"dst_comm":"sleep","type":"signal","time":"2021-03-19T16:51:23Z"}\n',
  );
});

test('json: bytes as base64 only with showBytes', () => {
  const withBytes = makeJsonFormatter({ showBytes: true })(PIPE_BYTES);
  assert.equal(
    withBytes,
    '{"src_pid":10,"src_comm":"writer","dst_pid":11,"dst_comm":"reader","type":"pipe","time":"2021-03-19T16:51:23.000123456Z",' +
      '"meta":{"pipe_name":"<anonymous>","pipe_inode":22643,"count":10},"bytes":"aGVsbG8tcGlwZQ=="}\n',
  );
  assert.equal(Buffer.from(JSON.parse(withBytes).bytes, 'base64').toString(), 'hello-pipe');
  assert.ok(!makeJsonFormatter({ showBytes: false })(PIPE_BYTES).includes('bytes'));
  assert.ok(!makeJsonFormatter({ showBytes: true })(ev({ bytes: Buffer.alloc(0) })).includes('bytes'));
});

test('json: arbitrary characters in comms, keys and values stay valid JSON', () => {
  const nasty = 'a"b\\c\nd\x00e\x1b\u2028\ud800ü';
  const line = makeJsonFormatter({ showBytes: false })(
    ev({ src: { pid: 1, comm: nasty }, dst: { pid: 2, comm: '}{' }, metadata: [['path', nasty], ['we"ird', 3], ['nan', NaN]] }),
  );
  assert.ok(line.endsWith('}\n'));
  assert.equal(line.indexOf('\n'), line.length - 1, 'exactly one line');
  const o = JSON.parse(line);
  assert.equal(o.src_comm, nasty);
  assert.equal(o.dst_comm, '}{');
  assert.deepEqual(o.meta, { path: nasty, 'we"ird': 3, nan: null });
});

test('json: lost record', () => {
  assert.equal(
    makeJsonFormatter({ showBytes: false })(LOST),
    '{"lost_type":"pipe","count":17,"time":"2021-03-19T16:51:23.000123456Z"}\n',
  );
});

// ------------------------------------------------------------------------------------------ csv

test('csv: header, rows and lost rows', () => {
  assert.equal(CSV_HEADER, 'timestamp,type,src_pid,src_comm,dst_pid,dst_comm\n');
  const f = makeCsvFormatter({ showBytes: true });
  assert.equal(f(ev()), '16:51:23.000123456,signal,812,bash,901,sleep\n');
  assert.equal(f(PIPE_BYTES), '16:51:23.000123456,pipe,10,writer,11,reader\n');
  assert.equal(f(ev({ dst: { pid: -1, comm: '<unknown>' } })), '16:51:23.000123456,signal,812,bash,<unknown>,<unknown>\n');
  assert.equal(f(LOST), '16:51:23.000123456,pipe,-,-,-,-\n');
});

test('csv: RFC 4180 quoting', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('l1\nl2'), '"l1\nl2"');
  assert.equal(csvField('cr\r'), '"cr\r"');
  assert.equal(csvField(''), '');
  const f = makeCsvFormatter({ showBytes: false });
  assert.equal(f(ev({ src: { pid: 1, comm: 'x,"y"' } })), '16:51:23.000123456,signal,1,"x,""y""",901,sleep\n');
});

// ---------------------------------------------------------------------------------------- index

test('makeFormatter', () => {
  const t = makeFormatter('text', { showBytes: false });
  assert.equal(t.header, undefined);
  assert.equal(t.format(LOST), '16:51:23.000123456 pipe: lost 17 events\n');
  const j = makeFormatter('json', { showBytes: false });
  assert.equal(j.header, undefined);
  assert.ok(j.format(ev()).startsWith('{"src_pid":812,'));
  const c = makeFormatter('csv', { showBytes: false });
  assert.equal(c.header, CSV_HEADER);
  assert.equal(c.format(ev()), '16:51:23.000123456,signal,812,bash,901,sleep\n');
});
