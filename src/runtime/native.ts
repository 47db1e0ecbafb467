/**
 * Loader and type declarations for the N-API addon (native/, built as ipcdump_native.node).
 *
 * The addon is the only code that calls libbpf. It is deliberately thin: it reports raw
 * facts (which libbpf call failed, errno, the libbpf log lines of that call) and leaves
 * policy -- state checks, name validation, error wording -- to the TypeScript classes in
 * this folder. Everything here mirrors a libbpf concept 1:1; see native/src/*.h.
 *
 * The addon is loaded lazily on first use so that modules which only parse data (the batch
 * framing walker, the CLI's --help) work on machines where it was never built.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type LibbpfLogLevel = 'warn' | 'info' | 'debug';

/** One message libbpf passed to its print callback (libbpf_set_print) during a call. */
export interface LibbpfLogEntry {
  level: LibbpfLogLevel;
  /** As formatted by libbpf: usually "libbpf: ...\n"; a verifier log is one multi-line message. */
  message: string;
}

/** bpf_program__* accessors. */
export interface NativeProgramInfo {
  name: string;
  section: string;
  autoload: boolean;
  /** Has a kernel fd (only after a successful load, and only with autoload on). */
  loaded: boolean;
  /** Has at least one link. */
  attached: boolean;
  /** How many links (attachments) the program has: several when attached to run-time targets. */
  links: number;
}

/** bpf_map__* accessors. */
export interface NativeMapInfo {
  /** libbpf's name; internal maps are "<obj>.rodata" etc. (also findable as ".rodata"). */
  name: string;
  /** enum bpf_map_type. */
  type: number;
  /** libbpf_bpf_map_type_str(): "hash", "array", "ringbuf", ... */
  typeName: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** A data section (.rodata/.data/.bss/.kconfig) rather than a map declared in SEC(".maps"). */
  internal: boolean;
  perCpu: boolean;
}

/** A variable of a data section, as described by the object's BTF DATASEC. */
export interface NativeGlobalInfo {
  name: string;
  section: string;
  offset: number;
  size: number;
}

export interface NativeBpfObject {
  name(): string;
  programs(): NativeProgramInfo[];
  maps(): NativeMapInfo[];
  globals(): NativeGlobalInfo[];
  setGlobal(name: string, value: Buffer): void;
  setMapMaxEntries(map: string, maxEntries: number): void;
  setAutoload(program: string, on: boolean): void;
  /** bpf_program__set_attach_target(prog, 0, target); before load(). */
  setAttachTarget(program: string, target: string): void;
  load(): void;
  /** bpf_program__attach (SEC() target); false if the program was already attached so. */
  attach(program: string): boolean;
  /** bpf_program__attach_raw_tracepoint; false if already attached to this tracepoint. */
  attachRawTracepoint(program: string, tracepoint: string): boolean;
  /** bpf_program__attach_kprobe_opts; false if already attached to this function (same retprobe). */
  attachKprobe(program: string, func: string, retprobe: boolean): boolean;
  /** bpf_program__attach_kprobe_multi_opts with opts.syms: one link for all symbols. */
  attachKprobeMulti(program: string, symbols: string[], retprobe: boolean): boolean;
  /**
   * Destroys the program's links: all of them, or those whose target is `target` (tracepoint
   * or function name; the section name for attach(); the comma-joined symbols of a
   * kprobe.multi link). Returns how many were destroyed.
   */
  detach(program: string, target?: string): number;
  programFd(program: string): number;
  programMisses(program: string): number;
  mapFd(map: string): number;
  mapLookup(map: string, key: Buffer): Buffer | null;
  mapUpdate(map: string, key: Buffer, value: Buffer, flags: number): void;
  mapDelete(map: string, key: Buffer): boolean;
  mapKeys(map: string): Buffer[];
  close(): void;
}

export type NativeBatchCallback = (batch: Buffer, nrecords: number) => void;

export interface NativeRingBuffer {
  drain(): void;
  close(): void;
  ref(): void;
  unref(): void;
}

export interface NativeAddon {
  BpfObject: new (path: string) => NativeBpfObject;
  RingBuffer: new (
    mapFd: number,
    onBatch: NativeBatchCallback,
    intervalMs: number,
    maxBatchBytes: number,
  ) => NativeRingBuffer;
  libbpfVersion(): string;
}

/**
 * node-gyp-build's resolver: the same code the npm package's install script runs to decide
 * whether a prebuild fits or the addon must be compiled, so the loader and the installer never
 * disagree about which file is used.
 */
const nodeGypBuild = require('node-gyp-build') as { path(dir: string): string };

/**
 * native/ directories that may hold the addon: the package root's, found by walking up from
 * this file (src/runtime when run from sources, dist/src/runtime when compiled).
 */
export function nativeDirCandidates(): string[] {
  const out: string[] = [];
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    out.push(path.join(dir, 'native'));
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return out.filter((d) => fs.existsSync(d));
}

/**
 * The addon file in one native/ directory, node-gyp-build's order: build/Release (a build
 * from source: a checkout after scripts/setup.sh, or the npm install script's fallback) before
 * prebuilds/<platform>-<arch>/ (the packages' prebuilt addon, named as prebuildify names it:
 * ipcdump_native.napi.glibc.node). A local build wins because the install script only builds
 * when the prebuild failed to load. Undefined when neither exists.
 */
export function addonIn(nativeDir: string): string | undefined {
  try {
    return nodeGypBuild.path(nativeDir);
  } catch {
    return undefined;
  }
}

/** The addon file that will be loaded: $IPCDUMP_NATIVE_PATH, else the first native/ that has one. */
export function addonPath(): string | undefined {
  const override = process.env.IPCDUMP_NATIVE_PATH;
  if (override !== undefined && override !== '') return path.resolve(override);
  for (const dir of nativeDirCandidates()) {
    const found = addonIn(dir);
    if (found !== undefined) return found;
  }
  return undefined;
}

let cached: NativeAddon | undefined;

/** Loads (once) and returns the addon; throws an Error telling the user how to build it. */
export function loadNative(): NativeAddon {
  if (cached !== undefined) return cached;
  const found = addonPath();
  if (found === undefined) {
    throw new Error(
      "ipcdump's native addon is not built (no native/build/Release/ipcdump_native.node and no " +
        `prebuild for ${process.platform}-${process.arch} in native/prebuilds); ` +
        'run scripts/setup.sh to install the build dependencies and build it',
    );
  }
  try {
    // A .node file can only be loaded through require(); its shape is declared above.
    cached = require(found) as NativeAddon;
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    // An installed package fails here when the libbpf runtime library is missing: say which
    // package brings it rather than pointing at the source set-up.
    const hint = /libbpf\.so/.test(reason)
      ? 'install the libbpf runtime library (Debian/Ubuntu: apt install libbpf1)'
      : 'run scripts/setup.sh (it needs libbpf1 installed and must match this Node.js version)';
    throw new Error(`cannot load ipcdump's native addon ${found}: ${reason}; ${hint}`);
  }
  return cached;
}

/** Version of the libbpf the addon runs against ("1.1"), for diagnostics. */
export function libbpfVersion(): string {
  return loadNative().libbpfVersion();
}
