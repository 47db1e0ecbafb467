/**
 * Where each tool's compiled BPF object is, and which build of it this kernel can load.
 *
 * Builds of the same source (bpf/include/legacy.h, bpf/fdfile.h):
 *   `X.bpf.o`         bpf_loop and BTF-typed task access (Linux >= 5.17); for ipcdump also
 *                     bpf_rdonly_cast (Linux >= 6.2), which makes its fd lookups plain loads;
 *   `X.nocast.bpf.o`  ipcdump for 5.17 .. 6.1: fd lookups by bpf_probe_read_kernel();
 *   `X.legacy.bpf.o`  ipcdump and ebpftracer for 5.10 .. 5.16: no bpf_loop, no BTF task.
 * An older verifier refuses a program that merely contains the newer code, so the choice is
 * made here, before loading, by asking the kernel's BTF.
 */
import * as path from 'node:path';
import { kernelHasHelper, kernelHasKfunc } from './capabilities';

export type ObjectBuild = 'default' | 'nocast' | 'legacy';
const BUILDS: readonly ObjectBuild[] = ['default', 'nocast', 'legacy'];

/** Tools that have each extra build (bpf/Makefile's LEGACY and NOCAST lists). */
const HAS_BUILD: Record<Exclude<ObjectBuild, 'default'>, ReadonlySet<string>> = {
  legacy: new Set(['ipcdump', 'ebpftracer']),
  nocast: new Set(['ipcdump']),
};

function forcedBuild(): ObjectBuild | undefined {
  const forced = process.env.IPCDUMP_BPF_BUILD as ObjectBuild | undefined;
  return forced && BUILDS.includes(forced) ? forced : undefined;
}

/**
 * The build for this kernel. IPCDUMP_BPF_BUILD=default|nocast|legacy overrides the choice
 * (the test suite uses it to run the older builds on a new kernel too).
 */
export function objectBuild(): ObjectBuild {
  const forced = forcedBuild();
  if (forced) return forced;
  if (!kernelHasHelper('loop')) return 'legacy';
  return kernelHasKfunc('bpf_rdonly_cast') ? 'default' : 'nocast';
}

/** Why `tool`'s object was chosen, for --doctor. */
export function objectBuildReason(tool: string): string {
  const forced = forcedBuild();
  if (forced) return `forced by IPCDUMP_BPF_BUILD=${forced}`;
  if (!HAS_BUILD.legacy.has(tool) && !HAS_BUILD.nocast.has(tool)) return 'one build for every kernel';
  const build = objectBuild();
  if (build === 'legacy') return 'the kernel has no bpf_loop (Linux < 5.17): bounded loops instead (bytes of at most 64 iovecs per call)';
  if (!HAS_BUILD.nocast.has(tool)) return 'the kernel has bpf_loop (Linux >= 5.17)';
  return build === 'nocast'
    ? 'the kernel has bpf_loop but no bpf_rdonly_cast (Linux 5.17 .. 6.1): fd lookups by probe reads'
    : 'the kernel has bpf_loop and bpf_rdonly_cast (Linux >= 6.2)';
}

/** <package root>/build/bpf: this file is dist/src/runtime/objects.js. */
export function bpfObjectDir(): string {
  return path.resolve(__dirname, '..', '..', '..', 'build', 'bpf');
}

/** Path of `tool`'s object in the build this kernel needs (its default build when it has no other). */
export function bpfObjectPath(tool: string, build: ObjectBuild = objectBuild()): string {
  const file = build !== 'default' && HAS_BUILD[build].has(tool) ? `${tool}.${build}.bpf.o` : `${tool}.bpf.o`;
  return path.join(bpfObjectDir(), file);
}
