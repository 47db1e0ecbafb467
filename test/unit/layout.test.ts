/**
 * The TypeScript record layouts are generated from the BPF object's BTF. This test regenerates
 * them from the freshly built object and compares with the committed file, so a change to
 * bpf/ipcdump.h without regenerating fails here instead of decoding garbage.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { generate } = require(path.join(ROOT, 'scripts', 'gen-layouts.js')) as {
  generate: (obj: string, structs: string[], enums: string[]) => string;
};

test('layout.generated.ts matches the BTF of build/bpf/ipcdump.bpf.o', () => {
  const obj = path.join(ROOT, 'build', 'bpf', 'ipcdump.bpf.o');
  const fresh = generate(obj, ['rec_hdr', 'ipc_rec', 'data_rec', 'proc_rec'], ['rec_kind', 'ipc_type', 'ipc_flags', 'scm_kind']);
  const committed = fs.readFileSync(path.join(ROOT, 'src', 'ipcdump', 'layout.generated.ts'), 'utf8');
  assert.equal(committed, fresh);
});

test('the generator refuses a struct that is not in the BTF', () => {
  const obj = path.join(ROOT, 'build', 'bpf', 'ipcdump.bpf.o');
  assert.throws(() => generate(obj, ['no_such_struct'], []), /struct no_such_struct not found/);
});

test('ebpftracer layout.generated.ts matches the BTF of build/bpf/ebpftracer.bpf.o', () => {
  const obj = path.join(ROOT, 'build', 'bpf', 'ebpftracer.bpf.o');
  const fresh = generate(
    obj,
    ['sc_hdr', 'sc_cap', 'sc_schema', 'sc_arg_spec'],
    ['sc_rec_kind', 'sc_rec_flags', 'sc_cap_kind', 'sc_len_src', 'sc_when', 'sc_cap_status', 'sc_schema_flags'],
  );
  const committed = fs.readFileSync(path.join(ROOT, 'src', 'ebpftracer', 'layout.generated.ts'), 'utf8');
  assert.equal(committed, fresh);
});

test('ipftrace layout.generated.ts matches the BTF of build/bpf/ipftrace.bpf.o', () => {
  const obj = path.join(ROOT, 'build', 'bpf', 'ipftrace.bpf.o');
  const fresh = generate(
    obj,
    ['ipft_event', 'ipft_flow', 'ipft_slot', 'ipft_field'],
    ['ipft_slot_flags', 'ipft_ev_flags', 'ipft_field_base', 'ipft_hook_id'],
  );
  const committed = fs.readFileSync(path.join(ROOT, 'src', 'ipftrace', 'layout.generated.ts'), 'utf8');
  assert.equal(committed, fresh);
});

test('the legacy builds (kernels before 5.17) share the record layouts of the default builds', () => {
  const specs: Array<[string, string[], string[]]> = [
    ['ipcdump', ['rec_hdr', 'ipc_rec', 'data_rec', 'proc_rec'], ['rec_kind', 'ipc_type', 'ipc_flags', 'scm_kind']],
    ['ebpftracer', ['sc_hdr', 'sc_cap', 'sc_schema', 'sc_arg_spec'], ['sc_rec_kind', 'sc_rec_flags', 'sc_cap_kind', 'sc_len_src', 'sc_when', 'sc_cap_status', 'sc_schema_flags']],
  ];
  for (const [tool, structs, enums] of specs) {
    const legacy = generate(path.join(ROOT, 'build', 'bpf', `${tool}.legacy.bpf.o`), structs, enums);
    const committed = fs.readFileSync(path.join(ROOT, 'src', tool, 'layout.generated.ts'), 'utf8');
    assert.equal(legacy.replace(`${tool}.legacy.bpf.o`, `${tool}.bpf.o`), committed, tool);
  }
});
