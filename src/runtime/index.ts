/**
 * The kernel runtime: open/load/attach CO-RE BPF objects and consume their ring buffers,
 * over a thin N-API addon around libbpf (native/).
 */
export {
  BpfObject,
  type BpfGlobalInfo,
  type BpfMapInfo,
  type BpfObjectState,
  type BpfProgramInfo,
} from './bpf-object';
export {
  RingBuffer,
  countRecords,
  forEachRecord,
  DEFAULT_INTERVAL_MS,
  DEFAULT_MAX_BATCH_BYTES,
  RECORD_HEADER_BYTES,
  type BatchHandler,
  type RingBufferOptions,
} from './ring-buffer';
export {
  BpfAttachError,
  BpfError,
  BpfLoadError,
  BpfMapError,
  BpfOpenError,
  BpfUnknownNameError,
  BpfUsageError,
  RingBufferError,
  VERIFIER_LOG_TAIL_LINES,
  errnoName,
  type BpfNameKind,
} from './errors';
export { libbpfVersion, loadNative, type LibbpfLogEntry, type LibbpfLogLevel } from './native';
