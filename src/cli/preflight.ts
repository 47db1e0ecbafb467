/**
 * What every tracing command checks before loading BPF, so that a missing privilege or a kernel
 * without BTF ends in one clear line (exit 1) rather than a libbpf error.
 */
import { FatalError } from './errors';
import { checkBtf, checkPrivileges } from '../runtime/capabilities';

export function requireTracingSupport(): void {
  const priv = checkPrivileges();
  if (!priv.ok) throw new FatalError(`insufficient privileges: ${priv.detail}`);
  const btf = checkBtf();
  if (!btf.ok) throw new FatalError(btf.detail);
}
