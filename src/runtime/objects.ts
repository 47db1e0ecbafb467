/**
 * Where each tool's compiled BPF object is, and which build of it this kernel can load.
 *
 * ipcdump and ebpftracer are built twice from the same source (bpf/include/legacy.h):
 * `X.bpf.o` uses bpf_loop and BTF-typed task access (Linux >= 5.17), `X.legacy.bpf.o`
 * avoids them for 5.10 .. 5.16. The 5.10 verifier refuses a program that merely contains the
 * newer code, so the choice is made here, before loading, by asking the kernel's BTF.
 */
import * as path from 'node:path';
import { kernelHasHelper } from './capabilities';

export type ObjectBuild = 'default' | 'legacy';

/** Tools that have a legacy build (bpf/Makefile's LEGACY list). */
const HAS_LEGACY: ReadonlySet<string> = new Set(['ipcdump', 'ebpftracer']);

/**
 * The build for this kernel. IPCDUMP_BPF_BUILD=legacy|default overrides the choice (the test
 * suite uses it to run the legacy build on a new kernel too).
 */
export function objectBuild(): ObjectBuild {
  const forced = process.env.IPCDUMP_BPF_BUILD;
  if (forced === 'legacy' || forced === 'default') return forced;
  return kernelHasHelper('loop') ? 'default' : 'legacy';
}

/** Why objectBuild() chose what it did, for --doctor. */
export function objectBuildReason(): string {
  const forced = process.env.IPCDUMP_BPF_BUILD;
  if (forced === 'legacy' || forced === 'default') return `forced by IPCDUMP_BPF_BUILD=${forced}`;
  return kernelHasHelper('loop')
    ? 'the kernel has bpf_loop (Linux >= 5.17)'
    : 'the kernel has no bpf_loop (Linux < 5.17): bounded loops instead (bytes of at most 64 iovecs per call)';
}

/** <package root>/build/bpf: this file is dist/src/runtime/objects.js. */
export function bpfObjectDir(): string {
  return path.resolve(__dirname, '..', '..', '..', 'build', 'bpf');
}

/** Path of `tool`'s object in the build this kernel needs. */
export function bpfObjectPath(tool: string, build: ObjectBuild = objectBuild()): string {
  const legacy = build === 'legacy' && HAS_LEGACY.has(tool);
  return path.join(bpfObjectDir(), legacy ? `${tool}.legacy.bpf.o` : `${tool}.bpf.o`);
}
