/** Pure tests of libbpf log parsing and of how runtime errors are worded. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import {
  BpfAttachError,
  BpfLoadError,
  BpfOpenError,
  BpfUnknownNameError,
  errnoName,
  nativeErrorInfo,
  VERIFIER_LOG_TAIL_LINES,
  type NativeErrorInfo,
} from '../../src/runtime/errors';
import { failedPrograms, stripLibbpfPrefix, tail, verifierLogs, warnings } from '../../src/runtime/libbpf-log';
import type { LibbpfLogEntry } from '../../src/runtime/native';
import { addonIn, addonPath } from '../../src/runtime/native';

const warn = (message: string): LibbpfLogEntry => ({ level: 'warn', message });
const debug = (message: string): LibbpfLogEntry => ({ level: 'debug', message });

/** What libbpf 1.1 prints (level by level) when the verifier rejects program `bad`. */
function rejectedLoadLog(verifierLines: string[]): LibbpfLogEntry[] {
  return [
    debug("libbpf: loaded kernel BTF from '/sys/kernel/btf/vmlinux'\n"),
    debug("libbpf: prog 'good': relo #0: matching candidate #0 <byte_off> [1] struct pt_regs.di (0:14 @ offset 112)\n"),
    warn("libbpf: prog 'bad': BPF program load failed: Permission denied\n"),
    warn(`libbpf: prog 'bad': -- BEGIN PROG LOAD LOG --\n${verifierLines.join('\n')}\n-- END PROG LOAD LOG --\n`),
    warn("libbpf: prog 'bad': failed to load: -13\n"),
    warn("libbpf: failed to load object 'selftest'\n"),
  ];
}

function info(errno: number, strerror: string, log: LibbpfLogEntry[]): NativeErrorInfo {
  return { op: 'bpf_object__load', errno, strerror, libbpfLog: log, message: `bpf_object__load: ${strerror}` };
}

describe('libbpf log parsing', () => {
  const verifier = Array.from({ length: 100 }, (_, i) => `${i}: (85) insn ${i}`);
  verifier.push("R0 invalid mem access 'map_value_or_null'", 'processed 7 insns (limit 1000000)');
  const log = rejectedLoadLog(verifier);

  it('strips the prefix and trailing newline', () => {
    assert.equal(stripLibbpfPrefix("libbpf: prog 'x': failed to load: -13\n"), "prog 'x': failed to load: -13");
  });

  it('finds the failing program once', () => {
    assert.deepEqual(failedPrograms(log), ['bad']);
  });

  it('extracts the verifier log per program', () => {
    const logs = verifierLogs(log);
    assert.deepEqual([...logs.keys()], ['bad']);
    assert.deepEqual(logs.get('bad'), verifier);
  });

  it('lists warnings without the verifier log or the generic summary', () => {
    assert.deepEqual(warnings(log), ["prog 'bad': BPF program load failed: Permission denied", "prog 'bad': failed to load: -13"]);
  });

  it('tail', () => {
    assert.deepEqual(tail([1, 2, 3], 2), [2, 3]);
    assert.deepEqual(tail([1, 2, 3], 5), [1, 2, 3]);
    assert.deepEqual(tail([1, 2, 3], 0), []);
  });
});

describe('error messages', () => {
  it('BpfLoadError names the program and quotes the last lines of the verifier log', () => {
    const verifier = Array.from({ length: 100 }, (_, i) => `${i}: insn`);
    verifier.push("R0 invalid mem access 'map_value_or_null'");
    const e = new BpfLoadError('build/bpf/x.bpf.o', info(13, 'Permission denied', rejectedLoadLog(verifier)));
    const lines = e.message.split('\n');
    assert.equal(
      lines[0],
      "cannot load BPF object build/bpf/x.bpf.o: program 'bad' rejected by the kernel verifier (Permission denied, EACCES)",
    );
    assert.equal(lines[1], `verifier log of 'bad' (last ${VERIFIER_LOG_TAIL_LINES} of 101 lines):`);
    assert.equal(lines.length, 2 + VERIFIER_LOG_TAIL_LINES);
    assert.equal(lines[lines.length - 1], "  R0 invalid mem access 'map_value_or_null'");
    assert.deepEqual(e.programs, ['bad']);
    assert.equal(e.verifierLog.length, 101);
    assert.equal(e.errno, 13);
    assert.equal(e.code, 'EACCES');
    assert.equal(e.name, 'BpfLoadError');
  });

  it('BpfLoadError without a verifier log says what libbpf said', () => {
    const log = [
      warn("libbpf: map 'events': failed to create: Invalid argument(-22)\n"),
      warn("libbpf: failed to load object 'x'\n"),
    ];
    const e = new BpfLoadError('x.bpf.o', info(22, 'Invalid argument', log));
    assert.equal(e.message, "cannot load BPF object x.bpf.o: map 'events': failed to create: Invalid argument(-22) (Invalid argument, EINVAL)");
    assert.deepEqual(e.programs, []);
  });

  it('BpfLoadError for a failed CO-RE relocation names the program', () => {
    const log = [
      warn("libbpf: prog 'p': relo #0: failed to relocate: -3\n"),
      warn("libbpf: prog 'p': failed to relocate data references: -3\n"),
      warn("libbpf: failed to load object 'x'\n"),
    ];
    const e = new BpfLoadError('x.bpf.o', info(3, 'No such process', log));
    assert.match(e.message, /^cannot load BPF object x\.bpf\.o: program 'p' failed to load \(No such process, ESRCH\): prog 'p': relo #0/);
    assert.equal(e.message.split('\n').length, 1);
  });

  it('BpfAttachError names program, section, errno text and libbpf\'s root cause', () => {
    const log = [
      debug("libbpf: failed to open '/sys/kernel/tracing/events/a/b/id': No such file or directory\n"),
      warn("libbpf: failed to determine tracepoint 'a/b' perf event ID: No such file or directory\n"),
      warn("libbpf: prog 'p': failed to create tracepoint 'a/b' perf event: No such file or directory\n"),
    ];
    const e = new BpfAttachError('p', 'tracepoint/a/b', { ...info(2, 'No such file or directory', log), op: 'bpf_program__attach' });
    assert.equal(
      e.message,
      'cannot attach BPF program \'p\' (SEC("tracepoint/a/b")): No such file or directory' +
        " (libbpf: failed to determine tracepoint 'a/b' perf event ID: No such file or directory)",
    );
    assert.equal(e.code, 'ENOENT');
    const generic = [warn("libbpf: prog 'p': failed to attach: Operation not supported\n")];
    const g = new BpfAttachError('p', 'kprobe/x', { ...info(95, 'Operation not supported', generic), op: 'bpf_program__attach' });
    assert.equal(g.message, 'cannot attach BPF program \'p\' (SEC("kprobe/x")): Operation not supported');
  });

  it('BpfOpenError keeps a libbpf hint that adds information', () => {
    const log = [warn("libbpf: elf: '/etc/passwd' is not a proper ELF object\n")];
    const e = new BpfOpenError('/etc/passwd', { ...info(4001, 'BPF object format invalid', log), op: 'bpf_object__open_file' });
    assert.equal(e.message, "cannot open BPF object /etc/passwd: BPF object format invalid (libbpf: elf: '/etc/passwd' is not a proper ELF object)");
  });

  it('BpfUnknownNameError lists the known names', () => {
    const e = new BpfUnknownNameError('global variable', 'nope', 'x.bpf.o', ['a', 'b']);
    assert.equal(e.message, "BPF object x.bpf.o has no global variable named 'nope' (global variables: a, b)");
  });

  it('nativeErrorInfo only accepts errors carrying the addon facts', () => {
    assert.equal(nativeErrorInfo(new Error('plain')), undefined);
    assert.equal(nativeErrorInfo('string'), undefined);
    const e = Object.assign(new Error('bpf_x: No such file'), {
      op: 'bpf_x',
      errno: 2,
      strerror: 'No such file',
      libbpfLog: [warn('a'), { level: 'bogus', message: 'b' }],
    });
    assert.deepEqual(nativeErrorInfo(e), { op: 'bpf_x', errno: 2, strerror: 'No such file', libbpfLog: [warn('a')], message: 'bpf_x: No such file' });
  });

  it('errnoName', () => {
    assert.equal(errnoName(1), 'EPERM');
    assert.equal(errnoName(13), 'EACCES');
    assert.equal(errnoName(4001), undefined);
  });
});

describe('native addon location', () => {
  it('honours IPCDUMP_NATIVE_PATH first', () => {
    const saved = process.env.IPCDUMP_NATIVE_PATH;
    process.env.IPCDUMP_NATIVE_PATH = '/opt/x/ipcdump_native.node';
    try {
      assert.equal(addonPath(), '/opt/x/ipcdump_native.node');
    } finally {
      if (saved === undefined) delete process.env.IPCDUMP_NATIVE_PATH;
      else process.env.IPCDUMP_NATIVE_PATH = saved;
    }
  });

  it('takes a build from source over a prebuild, and the prebuild of this platform when there is no build', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcdump-native-'));
    try {
      assert.equal(addonIn(dir), undefined);
      const prebuilds = path.join(dir, 'prebuilds', `${process.platform}-${process.arch}`);
      fs.mkdirSync(prebuilds, { recursive: true });
      // Another platform's prebuild is never chosen.
      fs.mkdirSync(path.join(dir, 'prebuilds', 'win32-ia32'));
      fs.writeFileSync(path.join(dir, 'prebuilds', 'win32-ia32', 'ipcdump_native.napi.node'), '');
      fs.writeFileSync(path.join(prebuilds, 'ipcdump_native.napi.glibc.node'), '');
      assert.equal(addonIn(dir), path.join(prebuilds, 'ipcdump_native.napi.glibc.node'));
      fs.mkdirSync(path.join(dir, 'build', 'Release'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'build', 'Release', 'ipcdump_native.node'), '');
      assert.equal(addonIn(dir), path.join(dir, 'build', 'Release', 'ipcdump_native.node'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
