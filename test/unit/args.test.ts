import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_BYTES_LIMIT, USAGE, parseArgs, parseGoUint, printsStream } from '../../src/cli/args';
import { UsageError } from '../../src/cli/errors';

function err(argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (e) {
    assert.ok(e instanceof UsageError, `expected UsageError, got ${String(e)}`);
    assert.equal(e.exitCode, 2);
    assert.ok(!e.message.includes('\n'), 'message must be one line');
    return e.message;
  }
  assert.fail(`expected ${JSON.stringify(argv)} to fail`);
}

test('defaults', () => {
  assert.deepEqual(parseArgs([]), {
    help: false,
    version: false,
    doctor: false,
    types: [],
    filter: { pids: { any: [], src: [], dst: [] }, comms: { any: [], src: [], dst: [] } },
    dumpBytes: false,
    bytesLimit: 0,
    count: 0,
    format: 'text',
    noLost: false,
    outputPath: null,
    recordPath: null,
    replayPath: null,
    summary: false,
    summaryEverySec: 0,
    map: false,
    mapPort: 0,
    print: false,
    warnings: [],
  });
});

test('-w, -r, --summary [N], --map [PORT], --print', () => {
  const a = parseArgs(['-w', 'out.ipcd', '--summary', '5', '--map', '--print']);
  assert.equal(a.recordPath, 'out.ipcd');
  assert.equal(a.summary, true);
  assert.equal(a.summaryEverySec, 5);
  assert.equal(a.map, true);
  assert.equal(a.mapPort, 0);
  assert.equal(a.print, true);
  // an optional value is taken only when the next argument is all digits
  const b = parseArgs(['--summary', '-x', '--map', '8080', '-r', 'in.ipcd']);
  assert.deepEqual([b.summary, b.summaryEverySec, b.dumpBytes, b.mapPort, b.replayPath], [true, 0, true, 8080, 'in.ipcd']);
  assert.deepEqual([parseArgs(['--map=0x50']).mapPort, parseArgs(['-summary=2']).summaryEverySec], [80, 2]);
  // which flags replace the printed stream
  assert.equal(printsStream(parseArgs([])), true);
  assert.equal(printsStream(parseArgs(['-w', 'f'])), false);
  assert.equal(printsStream(parseArgs(['--summary'])), false);
  assert.equal(printsStream(parseArgs(['--map'])), false);
  assert.equal(printsStream(parseArgs(['--map', '--print'])), true);
  assert.throws(() => parseArgs(['--map=70000']), { message: 'invalid value "70000" for flag -map: value out of range (max 65535)' });
  assert.throws(() => parseArgs(['--summary=x']), { message: 'invalid value "x" for flag -summary: parse error' });
  assert.throws(() => parseArgs(['--map', 'x']), { message: 'unexpected argument "x"' });
  assert.throws(() => parseArgs(['-w']), { message: 'flag needs an argument: -w' });
  assert.throws(() => parseArgs(['-w', '']), { message: 'invalid value "" for flag -w: empty file name' });
  assert.throws(() => parseArgs(['-r', 'a', '-w', 'a']), { message: '-r and -w name the same file; write the filtered copy elsewhere' });
});

test('single and double dash, separate and = values', () => {
  for (const argv of [
    ['-x', '-B', '64'],
    ['--x', '--B', '64'],
    ['-x', '-B=64'],
    ['--x', '--B=64'],
    ['-x=true', '-B', '0x40'],
  ]) {
    const a = parseArgs(argv);
    assert.equal(a.dumpBytes, true, argv.join(' '));
    assert.equal(a.bytesLimit, 64, argv.join(' '));
  }
});

test('all flags', () => {
  const a = parseArgs([
    '-t', 'k', '--t=pipe', '-p', '1', '-p=2', '-s', '3', '-d', '4', '-P', 'bash', '-S', 'a b', '-D', '',
    '-x', '-B', '10', '-c', '5', '-f', 'json', '-L', '-o', '/tmp/out', '--doctor', '--version',
  ]);
  assert.deepEqual(a.types, ['k', 'pipe']);
  assert.deepEqual(a.filter, {
    pids: { any: [1, 2], src: [3], dst: [4] },
    comms: { any: ['bash'], src: ['a b'], dst: [''] },
  });
  assert.equal(a.dumpBytes, true);
  assert.equal(a.bytesLimit, 10);
  assert.equal(a.count, 5);
  assert.equal(a.format, 'json');
  assert.equal(a.noLost, true);
  assert.equal(a.outputPath, '/tmp/out');
  assert.equal(a.doctor, true);
  assert.equal(a.version, true);
  assert.equal(a.help, false);
});

test('bool flags take no value from the next argument', () => {
  assert.equal(err(['-x', 'true']), 'unexpected argument "true"');
  assert.equal(parseArgs(['-x=false']).dumpBytes, false);
  assert.equal(parseArgs(['-L=0']).noLost, false);
  for (const v of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(parseArgs([`-L=${v}`]).noLost, true);
  for (const v of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseArgs([`-x=${v}`]).dumpBytes, false);
});

test('value flags take the next argument even if it looks like a flag', () => {
  assert.equal(parseArgs(['-o', '-x']).outputPath, '-x');
  assert.equal(parseArgs(['-P', '-c']).filter.comms.any[0], '-c');
  assert.equal(parseArgs(['-o', '']).outputPath, null);
  assert.equal(parseArgs(['-o=']).outputPath, null);
});

test('last value wins for non-repeatable flags', () => {
  const a = parseArgs(['-f', 'json', '-f', 'csv', '-c', '1', '-c', '2']);
  assert.equal(a.format, 'csv');
  assert.equal(a.count, 2);
});

test('Go base auto-detection for numbers', () => {
  assert.deepEqual(parseArgs(['-p', '0x10', '-p', '0X1f', '-p', '010', '-p', '0o10', '-p', '0b101', '-p', '0', '-p', '1_000', '-p', '0x_ff']).filter.pids.any, [
    16, 31, 8, 8, 5, 0, 1000, 255,
  ]);
  assert.deepEqual(parseArgs(['-p', '4294967295']).filter.pids.any, [4294967295]);
  assert.equal(parseArgs(['-c', '0x20']).count, 32);
  assert.equal(parseGoUint('00', 10n), 0n);
});

test('help', () => {
  for (const h of ['-h', '--h', '-help', '--help', '-help=1']) assert.equal(parseArgs([h]).help, true, h);
  // stops there like Go's ErrHelp: later garbage is not examined
  assert.equal(parseArgs(['-x', '-h', '-nonsense', 'positional']).help, true);
  // but earlier errors still win
  assert.equal(err(['-zz', '-h']), 'flag provided but not defined: -zz');
});

test('terminator and positional arguments', () => {
  assert.deepEqual(parseArgs(['-x', '--']).dumpBytes, true);
  assert.equal(err(['--', '-x']), 'unexpected argument "-x"');
  assert.equal(err(['foo']), 'unexpected argument "foo"');
  assert.equal(err(['-x', 'foo', '-L']), 'unexpected argument "foo"');
  assert.equal(err(['-']), 'unexpected argument "-"');
  assert.equal(err(['-t', 'k', '']), 'unexpected argument ""');
});

test('every error message', () => {
  const cases: Array<[string[], string]> = [
    [['-z'], 'flag provided but not defined: -z'],
    [['--nope=1'], 'flag provided but not defined: -nope'],
    [['-X'], 'flag provided but not defined: -X'],
    [['---x'], 'bad flag syntax: ---x'],
    [['-=x'], 'bad flag syntax: -=x'],
    [['--=x'], 'bad flag syntax: --=x'],
    [['-x=yes'], 'invalid boolean value "yes" for -x: parse error'],
    [['-L='], 'invalid boolean value "" for -L: parse error'],
    [['--doctor=2'], 'invalid boolean value "2" for -doctor: parse error'],
    [['-B'], 'flag needs an argument: -B'],
    [['-x', '-t'], 'flag needs an argument: -t'],
    [['-o'], 'flag needs an argument: -o'],
    [['-p', 'abc'], 'invalid value "abc" for flag -p: parse error'],
    [['-s', '-1'], 'invalid value "-1" for flag -s: parse error'],
    [['-d', '+1'], 'invalid value "+1" for flag -d: parse error'],
    [['-p', ''], 'invalid value "" for flag -p: parse error'],
    [['-p', '1.5'], 'invalid value "1.5" for flag -p: parse error'],
    [['-p', '08'], 'invalid value "08" for flag -p: parse error'],
    [['-p', '0x'], 'invalid value "0x" for flag -p: parse error'],
    [['-p', '0b2'], 'invalid value "0b2" for flag -p: parse error'],
    [['-p', '1__0'], 'invalid value "1__0" for flag -p: parse error'],
    [['-p', '_1'], 'invalid value "_1" for flag -p: parse error'],
    [['-p', '1_'], 'invalid value "1_" for flag -p: parse error'],
    [['-p', '4294967296'], 'invalid value "4294967296" for flag -p: value out of range'],
    [['-s', '0x100000000'], 'invalid value "0x100000000" for flag -s: value out of range'],
    [['-x', '-B', 'x'], 'invalid value "x" for flag -B: parse error'],
    [['-x', '-B', '-1'], 'invalid value "-1" for flag -B: parse error'],
    [['-x', '-B', String(MAX_BYTES_LIMIT + 1)], `invalid value "${MAX_BYTES_LIMIT + 1}" for flag -B: value out of range (max ${MAX_BYTES_LIMIT})`],
    [['-c', 'ten'], 'invalid value "ten" for flag -c: parse error'],
    [['-c', '9007199254740992'], 'invalid value "9007199254740992" for flag -c: value out of range'],
    [['-B', '64'], 'cannot set output bytes limit if -x is not specified'],
    [['-B=64', '-x=false'], 'cannot set output bytes limit if -x is not specified'],
    [['-f', 'xml'], 'unrecognized output format "xml"'],
    [['-f', 'JSON'], 'unrecognized output format "JSON"'],
    [['-f='], 'unrecognized output format ""'],
    [['-t', 'kill'], 'unrecognized type "kill" (valid: a|all, k|signal, u|unix, us|unix-stream, ud|unix-dgram, usp|unix-seqpacket, t|pty, lo|loopback, lt|loopback-tcp, lu|loopback-udp, p|pipe)'],
    [['positional'], 'unexpected argument "positional"'],
  ];
  for (const [argv, msg] of cases) assert.equal(err(argv), msg, JSON.stringify(argv));
});

test('-B limits', () => {
  assert.equal(parseArgs(['-x', '-B', String(MAX_BYTES_LIMIT)]).bytesLimit, MAX_BYTES_LIMIT);
  assert.equal(parseArgs(['-x', '-B', '65536']).bytesLimit, 65536);
  // -B 0 means "no limit", so it is accepted without -x (as the original did)
  assert.equal(parseArgs(['-B', '0']).bytesLimit, 0);
});

test('-t values are kept raw and validated', () => {
  assert.deepEqual(parseArgs(['-t', 'a', '-t', 'u', '-t', 'usp']).types, ['a', 'u', 'usp']);
});

test('comm filters longer than 15 bytes are truncated with a warning', () => {
  const a = parseArgs(['-P', 'abcdefghijklmnopq', '-S', 'exactly15bytes!', '-D', 'ääääääää']);
  assert.deepEqual(a.filter.comms.any, ['abcdefghijklmno']);
  assert.deepEqual(a.filter.comms.src, ['exactly15bytes!']);
  // 8 x 2-byte chars = 16 bytes: cut after 15 bytes -> 7 chars + a replacement char (as the tracer decodes)
  assert.deepEqual(a.filter.comms.dst, ['ääääääää'.slice(0, 7) + '\ufffd']);
  assert.equal(a.warnings.length, 2);
  assert.match(a.warnings[0], /-P .*15 bytes.*"abcdefghijklmno"/);
});

test('USAGE documents flags, types and filter semantics', () => {
  for (const s of ['-t TYPE', '-p PID', '-s PID', '-d PID', '-P COMM', '-S COMM', '-D COMM', '-x', '-B N', '-c N',
    '-f FORMAT', '-L', '-o FILE', '--help', '--version', '--doctor', 'a|all', 'usp|unix-seqpacket', 'p|pipe',
    'lo|loopback', '(OR)', '(AND)', 'text', 'json', 'csv', '0600']) {
    assert.ok(USAGE.includes(s), `USAGE lacks ${s}`);
  }
  assert.ok(USAGE.endsWith('\n'));
});
