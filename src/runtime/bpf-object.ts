/**
 * BpfObject: one compiled BPF ELF object (.bpf.o) through its whole life, mirroring libbpf's
 * struct bpf_object (and cilium/ebpf's CollectionSpec -> Collection split, in one class):
 *
 *   open(path)        parse ELF + BTF; nothing exists in the kernel yet
 *   setGlobal*(),     adjust what will be loaded: `const volatile` globals (.rodata),
 *   setMapMaxEntries, map sizes, which programs load at all (autoload), the BTF target
 *   setAutoload(),    of fentry/tp_btf programs chosen at run time
 *   setAttachTarget()
 *   load()            create maps, CO-RE-relocate against /sys/kernel/btf/vmlinux, run the
 *                     verifier and load every autoload program
 *   attach*()         hook programs up; each attachment is a bpf_link kept by the object
 *                     (one per SEC() target, or many per program for run-time targets)
 *   detach()          destroy some links before close()
 *   map*()            map syscalls on the loaded maps
 *   close()           destroy links (detach), then the object (close prog/map fds)
 *
 * The native object is also closed when this object is garbage-collected, so keep a
 * reference for as long as the programs should stay attached (a RingBuffer over the object
 * keeps one while it is open).
 */
import * as os from 'node:os';

import {
  BpfAttachError,
  BpfError,
  BpfLoadError,
  BpfMapError,
  BpfOpenError,
  BpfUnknownNameError,
  BpfUsageError,
  errnoName,
  nativeErrorInfo,
  type NativeErrorInfo,
} from './errors';
import {
  loadNative,
  type NativeBpfObject,
  type NativeGlobalInfo,
  type NativeMapInfo,
  type NativeProgramInfo,
} from './native';

export type BpfProgramInfo = NativeProgramInfo;
export type BpfMapInfo = NativeMapInfo;
export type BpfGlobalInfo = NativeGlobalInfo;

/** Lifecycle of a BpfObject; `failed` = load() was attempted and failed (libbpf cannot retry). */
export type BpfObjectState = 'opened' | 'loaded' | 'failed' | 'closed';

const LITTLE_ENDIAN = os.endianness() === 'LE';
const ESRCH = os.constants.errno.ESRCH;

/**
 * Runs an addon call; an addon error becomes `wrap(info)`, except misuse the addon caught
 * itself, which becomes a BpfUsageError with the addon's message.
 */
function call<T>(fn: () => T, wrap: (info: NativeErrorInfo, cause: unknown) => BpfError): T {
  try {
    return fn();
  } catch (err) {
    const info = nativeErrorInfo(err);
    if (info === undefined) throw err;
    if (info.op === 'usage') throw new BpfUsageError(info.message, { errno: info.errno, cause: err });
    throw wrap(info, err);
  }
}

/** How many symbols an attachKprobeMulti() error message lists before "and N more". */
const MULTI_SYMBOLS_SHOWN = 3;

/**
 * A BpfAttachError for an attachment whose target is chosen at run time: the same class,
 * fields (program, section) and libbpf log as attach()'s, but the message names the target
 * instead of the SEC() string, which does not contain it ("cannot attach BPF program
 * 'tp_slot_0' to raw tracepoint 'net_dev_queue': No such file or directory, ENOENT (libbpf:
 * ...)"). `hook` describes the target ("raw tracepoint 'x'"). The libbpf part is taken from
 * BpfAttachError's own message, so the choice of libbpf line stays in errors.ts.
 */
function attachTargetError(prog: string, section: string, hook: string, info: NativeErrorInfo, cause: unknown): BpfAttachError {
  const err = new BpfAttachError(prog, section, info, cause);
  const prefix = `cannot attach BPF program '${prog}' (SEC("${section}")): `;
  let rest = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : info.strerror;
  const code = errnoName(info.errno);
  if (code !== undefined && rest.startsWith(info.strerror)) rest = `${info.strerror}, ${code}${rest.slice(info.strerror.length)}`;
  const old = err.message;
  err.message = `cannot attach BPF program '${prog}' to ${hook}: ${rest}`;
  // V8 formats `stack` lazily, from the message at first access; fix it if it was formatted.
  if (err.stack?.includes(old) === true) err.stack = err.stack.replace(old, err.message);
  return err;
}

/** "kprobe.multi on 'a', 'b', 'c' and 7 more" (every name would be unreadable for 1000s). */
function describeMulti(symbols: readonly string[], retprobe: boolean): string {
  const shown = symbols.slice(0, MULTI_SYMBOLS_SHOWN).map((s) => `'${s}'`).join(', ');
  const more = symbols.length > MULTI_SYMBOLS_SHOWN ? ` and ${symbols.length - MULTI_SYMBOLS_SHOWN} more` : '';
  return `${retprobe ? 'kretprobe.multi' : 'kprobe.multi'} on ${shown}${more}`;
}

/** Throws BpfUsageError "<what> must be a non-empty string" unless `v` is one. */
function requireName(v: unknown, what: string): void {
  if (typeof v !== 'string' || v === '') throw new BpfUsageError(`${what} must be a non-empty string, got ${JSON.stringify(v) ?? String(v)}`);
}

function requireBool(v: unknown, what: string): void {
  if (typeof v !== 'boolean') throw new BpfUsageError(`${what} must be a boolean, got ${JSON.stringify(v) ?? String(v)}`);
}

export class BpfObject {
  /** The path given to open(). */
  readonly path: string;
  /** libbpf's object name (the file name without .bpf.o / .o). */
  readonly name: string;
  private native: NativeBpfObject | null;
  private stateValue: BpfObjectState = 'opened';

  private constructor(path: string, native: NativeBpfObject) {
    this.path = path;
    this.native = native;
    this.name = native.name();
  }

  /** bpf_object__open_file. Throws BpfOpenError naming the path. */
  static open(path: string): BpfObject {
    const addon = loadNative();
    const native = call(
      () => new addon.BpfObject(path),
      (info, cause) => new BpfOpenError(path, info, cause),
    );
    return new BpfObject(path, native);
  }

  get state(): BpfObjectState {
    return this.stateValue;
  }

  // ---- introspection ---------------------------------------------------------------------

  /** bpf_program__name of every program in the object (autoload or not). */
  programNames(): string[] {
    return this.programs().map((p) => p.name);
  }

  /** bpf_program__section_name: the SEC("...") string, e.g. "tp_btf/sys_enter". */
  programSection(prog: string): string {
    return this.program(prog).section;
  }

  programs(): BpfProgramInfo[] {
    return this.live().programs();
  }

  /** Maps declared in SEC(".maps") plus libbpf's internal maps for .rodata/.data/.bss. */
  maps(): BpfMapInfo[] {
    return this.live().maps();
  }

  mapInfo(map: string): BpfMapInfo {
    const maps = this.maps();
    // Internal maps are also known by their section name (".rodata"), as in libbpf.
    const found = maps.find((m) => m.name === map) ?? (map.startsWith('.') ? maps.find((m) => m.internal && m.name.endsWith(map)) : undefined);
    if (found === undefined) {
      throw new BpfUnknownNameError('map', map, this.path, maps.map((m) => m.name));
    }
    return found;
  }

  /** Global variables found through the BTF DATASECs of .rodata, .data and .bss. */
  globals(): BpfGlobalInfo[] {
    return this.live().globals();
  }

  // ---- before load() ---------------------------------------------------------------------

  /**
   * Sets a global variable's initial value: a `const volatile` in .rodata (the usual way to
   * pass configuration, which the verifier then treats as a constant and uses to prune dead
   * code), or a writable one in .data/.bss. `value` must be exactly the variable's size.
   */
  setGlobal(name: string, value: Buffer): void {
    this.requireState('opened', `set global variable '${name}'`);
    const globals = this.globals();
    const g = globals.find((v) => v.name === name);
    if (g === undefined) {
      throw new BpfUnknownNameError('global variable', name, this.path, globals.map((v) => v.name));
    }
    if (value.length !== g.size) {
      throw new BpfUsageError(
        `cannot set global variable '${name}' of BPF object ${this.path}: it is ${g.size} bytes (in ${g.section}), the value is ${value.length} bytes`,
      );
    }
    call(
      () => this.live().setGlobal(name, value),
      (info, cause) => new BpfUsageError(`cannot set global variable '${name}': ${info.strerror}`, { errno: info.errno, cause }),
    );
  }

  /** Sets a 4-byte global (__u32/__s32 range 0..2^32-1) in host byte order. */
  setGlobalU32(name: string, v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new BpfUsageError(`cannot set global variable '${name}': ${v} is not an unsigned 32-bit integer`);
    }
    const buf = Buffer.alloc(4);
    if (LITTLE_ENDIAN) buf.writeUInt32LE(v);
    else buf.writeUInt32BE(v);
    this.setGlobal(name, buf);
  }

  /** Sets an 8-byte global (__u64) in host byte order. Numbers must be safe integers. */
  setGlobalU64(name: string, v: bigint | number): void {
    let big: bigint;
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v) || v < 0) {
        throw new BpfUsageError(`cannot set global variable '${name}': ${v} is not a non-negative safe integer (pass a bigint)`);
      }
      big = BigInt(v);
    } else {
      big = v;
    }
    if (big < 0n || big > 0xffffffffffffffffn) {
      throw new BpfUsageError(`cannot set global variable '${name}': ${big} is not an unsigned 64-bit integer`);
    }
    const buf = Buffer.alloc(8);
    if (LITTLE_ENDIAN) buf.writeBigUInt64LE(big);
    else buf.writeBigUInt64BE(big);
    this.setGlobal(name, buf);
  }

  /** Sets a C `bool` (1 byte) global. */
  setGlobalBool(name: string, v: boolean): void {
    this.setGlobal(name, Buffer.from([v ? 1 : 0]));
  }

  /**
   * bpf_map__set_max_entries. For a ring buffer this is its size in bytes, which the kernel
   * requires to be a power of two and a multiple of the page size.
   */
  setMapMaxEntries(map: string, n: number): void {
    this.requireState('opened', `resize map '${map}'`);
    const info = this.mapInfo(map);
    if (!Number.isInteger(n) || n <= 0 || n > 0xffffffff) {
      throw new BpfUsageError(`cannot resize map '${map}': ${n} is not a positive 32-bit integer`);
    }
    if (info.typeName === 'ringbuf') {
      const page = 4096;
      if ((n & (n - 1)) !== 0 || n % page !== 0) {
        throw new BpfUsageError(`cannot resize ring buffer '${map}' to ${n} bytes: the size must be a power of two and a multiple of ${page}`);
      }
    }
    call(
      () => this.live().setMapMaxEntries(info.name, n),
      (e, cause) => new BpfUsageError(`cannot resize map '${map}': ${e.strerror}`, { errno: e.errno, cause }),
    );
  }

  /** bpf_program__set_autoload: whether load() loads this program (SEC("?...") = off). */
  setAutoload(prog: string, on: boolean): void {
    this.requireState('opened', `change autoload of program '${prog}'`);
    this.program(prog);
    call(
      () => this.live().setAutoload(prog, on),
      (e, cause) => new BpfUsageError(`cannot change autoload of program '${prog}': ${e.strerror}`, { errno: e.errno, cause }),
    );
  }

  /**
   * bpf_program__set_attach_target(prog, 0, target): the kernel function (fentry/fexit) or
   * BTF tracepoint (tp_btf) a BTF-based program attaches to, when it is chosen at run time
   * rather than written in SEC(). The verifier checks the program against that target's
   * BTF prototype at load(), so it must be set before; attach() then uses it. libbpf looks
   * the name up in the kernel BTF at once: an unknown one throws BpfAttachError (ESRCH).
   */
  setAttachTarget(prog: string, target: string): void {
    this.requireState('opened', `set the attach target of program '${prog}'`);
    requireName(target, `cannot set the attach target of program '${prog}': the target`);
    const p = this.program(prog);
    call(
      () => this.live().setAttachTarget(prog, target),
      (info, cause) => {
        const why = info.errno === ESRCH ? ' (no such function or tracepoint in the kernel BTF)' : '';
        return attachTargetError(prog, p.section, `BTF target '${target}'${why}`, info, cause);
      },
    );
  }

  // ---- load / attach ---------------------------------------------------------------------

  /**
   * bpf_object__load. On failure throws BpfLoadError naming the failing program and quoting
   * the tail of the verifier log. libbpf cannot retry a failed load: open the file again.
   */
  load(): void {
    this.requireState('opened', 'load');
    try {
      call(
        () => this.live().load(),
        (info, cause) => new BpfLoadError(this.path, info, cause),
      );
    } catch (err) {
      this.stateValue = 'failed';
      throw err;
    }
    this.stateValue = 'loaded';
  }

  /**
   * bpf_program__attach: attach type and target come from the SEC() name. The link is kept
   * until close() (or detach()). Attaching an already attached program does nothing.
   */
  attach(prog: string): void {
    const p = this.attachable(prog);
    call(
      () => this.live().attach(prog),
      (info, cause) => new BpfAttachError(prog, p.section, info, cause),
    );
  }

  /**
   * bpf_program__attach_raw_tracepoint: attaches to the raw tracepoint `tracepoint`
   * ("sched_process_exec", no "group/"), whatever SEC() says. Meant for programs declared
   * `SEC("raw_tp")` with no name: one generic body serving many hooks chosen at run time, as
   * ipftrace2 and pwru do (there with kprobe.multi), instead of one compiled program per
   * hook. Each call makes one more link; attaching to the same tracepoint again does
   * nothing and returns false. Throws BpfAttachError naming program and tracepoint.
   */
  attachRawTracepoint(prog: string, tracepoint: string): boolean {
    requireName(tracepoint, `cannot attach program '${prog}' to a raw tracepoint: the tracepoint name`);
    const p = this.attachable(prog);
    return call(
      () => this.live().attachRawTracepoint(prog, tracepoint),
      (info, cause) => attachTargetError(prog, p.section, `raw tracepoint '${tracepoint}'`, info, cause),
    );
  }

  /**
   * bpf_program__attach_kprobe_opts: a kprobe (or, with `retprobe`, a kretprobe) on kernel
   * function `func`, whatever SEC() says; for `SEC("kprobe")` programs with no target, so one
   * body can hook many functions chosen at run time (one link per function; for many
   * functions attachKprobeMulti() is much cheaper). Attaching to the same function (and
   * retprobe) again does nothing and returns false. Throws BpfAttachError naming program and
   * function: ENOENT when the function does not exist or the kernel has no kprobes.
   */
  attachKprobe(prog: string, func: string, retprobe = false): boolean {
    requireName(func, `cannot attach program '${prog}' to a kprobe: the function name`);
    requireBool(retprobe, `cannot attach program '${prog}' to a kprobe: retprobe`);
    const p = this.attachable(prog);
    return call(
      () => this.live().attachKprobe(prog, func, retprobe),
      (info, cause) => attachTargetError(prog, p.section, `${retprobe ? 'kretprobe' : 'kprobe'} '${func}'`, info, cause),
    );
  }

  /**
   * bpf_program__attach_kprobe_multi_opts with an explicit symbol list: ONE link
   * (fprobe-based kprobe.multi) hooks every function in `symbols`, the way ipftrace2 and pwru
   * attach one generic program to thousands of functions in a fraction of the time one
   * kprobe each would take. The program must be a kprobe.multi one (SEC("kprobe.multi...")),
   * and the kernel needs CONFIG_FPROBE (EOPNOTSUPP otherwise). The link is all or nothing:
   * one unknown symbol fails the whole call. Attaching the same list again returns false.
   */
  attachKprobeMulti(prog: string, symbols: readonly string[], retprobe = false): boolean {
    const what = `cannot attach program '${prog}' to a kprobe.multi`;
    if (!Array.isArray(symbols) || symbols.length === 0) {
      throw new BpfUsageError(`${what}: symbols must be a non-empty array of function names`);
    }
    symbols.forEach((s, i) => requireName(s, `${what}: symbols[${i}]`));
    requireBool(retprobe, `${what}: retprobe`);
    const p = this.attachable(prog);
    return call(
      () => this.live().attachKprobeMulti(prog, [...symbols], retprobe),
      (info, cause) => attachTargetError(prog, p.section, describeMulti(symbols, retprobe), info, cause),
    );
  }

  /**
   * Destroys links of `prog` (detaching it from those hooks) before close(): all of them, or
   * only those whose target is `target` -- a tracepoint or function name given to attach*()
   * (both the kprobe and the kretprobe on a function), the symbols of a kprobe.multi link
   * joined with ",", or the section name for attach(). Returns how many links went. The
   * program stays loaded and can be attached again.
   */
  detach(prog: string, target?: string): number {
    this.requireState('loaded', `detach program '${prog}'`);
    if (target !== undefined) requireName(target, `cannot detach program '${prog}': the target`);
    this.program(prog);
    return call(
      () => this.live().detach(prog, target),
      (info, cause) => new BpfUsageError(`cannot detach program '${prog}': ${info.strerror}`, { errno: info.errno, cause }),
    );
  }

  /** Attaches every loaded program (those with autoload on), in object order. */
  attachAll(): void {
    this.requireState('loaded', 'attach programs');
    for (const p of this.programs()) {
      if (p.loaded && !p.attached) this.attach(p.name);
    }
  }

  /**
   * Runs of a loaded program the kernel skipped because the program was already running on
   * that CPU (bpf_prog_info.recursion_misses; 0 before Linux 5.12). Where tracepoint programs
   * are preemptible (Debian's 7.x) these are real lost events.
   */
  programMisses(prog: string): number {
    this.requireState('loaded', `read the miss count of program '${prog}'`);
    return this.live().programMisses(prog);
  }

  /** Sum of programMisses() over every loaded program. */
  totalMisses(): number {
    let n = 0;
    for (const p of this.programNames()) {
      try {
        n += this.programMisses(p);
      } catch {
        /* not loaded (autoload off) */
      }
    }
    return n;
  }

  // ---- maps ------------------------------------------------------------------------------

  /** The map's fd (owned by the object: do not close it). */
  mapFd(name: string): number {
    this.requireState('loaded', `get the fd of map '${name}'`);
    return this.live().mapFd(this.mapInfo(name).name);
  }

  /**
   * BPF_MAP_LOOKUP_ELEM. null if the key is absent. For per-CPU maps the value is the raw
   * kernel layout: one slot per possible CPU, each rounded up to 8 bytes.
   */
  mapLookup(name: string, key: Buffer): Buffer | null {
    const m = this.loadedMap(name, 'look up');
    return call(
      () => this.live().mapLookup(m.name, key),
      (info, cause) => new BpfMapError(name, 'lookup', info, cause),
    );
  }

  /** BPF_MAP_UPDATE_ELEM; flags: 0 (BPF_ANY), 1 (BPF_NOEXIST), 2 (BPF_EXIST). */
  mapUpdate(name: string, key: Buffer, value: Buffer, flags = 0): void {
    const m = this.loadedMap(name, 'update');
    call(
      () => this.live().mapUpdate(m.name, key, value, flags),
      (info, cause) => new BpfMapError(name, 'update', info, cause),
    );
  }

  /** BPF_MAP_DELETE_ELEM; false if the key was absent. */
  mapDelete(name: string, key: Buffer): boolean {
    const m = this.loadedMap(name, 'delete from');
    return call(
      () => this.live().mapDelete(m.name, key),
      (info, cause) => new BpfMapError(name, 'delete', info, cause),
    );
  }

  /** All keys, by walking BPF_MAP_GET_NEXT_KEY (bounded by max_entries). */
  mapKeys(name: string): Buffer[] {
    const m = this.loadedMap(name, 'list keys of');
    return call(
      () => this.live().mapKeys(m.name),
      (info, cause) => new BpfMapError(name, 'get_next_key', info, cause),
    );
  }

  // ---- teardown --------------------------------------------------------------------------

  /** Detaches (destroys every link), then closes the object. Idempotent. */
  close(): void {
    if (this.native === null) return;
    const native = this.native;
    this.native = null;
    this.stateValue = 'closed';
    native.close();
  }

  // ---- helpers ---------------------------------------------------------------------------

  private live(): NativeBpfObject {
    if (this.native === null) throw new BpfUsageError(`BPF object ${this.path}: the object is closed`);
    return this.native;
  }

  private program(prog: string): BpfProgramInfo {
    const programs = this.programs();
    const p = programs.find((x) => x.name === prog);
    if (p === undefined) {
      throw new BpfUnknownNameError('program', prog, this.path, programs.map((x) => x.name));
    }
    return p;
  }

  /** The program, checked to be loaded (so it can be attached). */
  private attachable(prog: string): BpfProgramInfo {
    this.requireState('loaded', `attach program '${prog}'`);
    const p = this.program(prog);
    if (!p.loaded) {
      throw new BpfUsageError(
        `cannot attach program '${prog}': it was not loaded (autoload is off; call setAutoload('${prog}', true) before load())`,
      );
    }
    return p;
  }

  private loadedMap(name: string, what: string): BpfMapInfo {
    this.requireState('loaded', `${what} map '${name}'`);
    const m = this.mapInfo(name);
    if (m.typeName === 'ringbuf') {
      throw new BpfUsageError(`cannot ${what} map '${name}': it is a ring buffer (read it with RingBuffer)`);
    }
    return m;
  }

  private requireState(want: BpfObjectState, action: string): void {
    const s = this.stateValue;
    if (s === want) return;
    let why: string;
    if (s === 'closed') why = 'the object is closed';
    else if (s === 'failed') why = 'its load() failed; open the file again to retry';
    else if (want === 'opened') why = 'the object is already loaded (this must happen before load())';
    else why = 'the object is not loaded yet (call load() first)';
    throw new BpfUsageError(`BPF object ${this.path}: cannot ${action}: ${why}`);
  }
}
