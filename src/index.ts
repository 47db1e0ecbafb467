/**
 * Library entry point: the ipcdump tracer API and the kernel runtime beneath it.
 * See README.md ("Library API").
 */
export { IpcTrace, MAX_CAPTURE_BYTES } from './ipcdump/tracer';
export type { TraceOptions, TraceStats } from './ipcdump/tracer';
export type { IpcEvent, IpcType, Endpoint, Metadata, LostRecord, OutputRecord } from './ipcdump/event';
export type { FilterOptions } from './ipcdump/filter';
export { ALL_TYPES, IMPLEMENTED_TYPES, resolveTypes } from './ipcdump/types';
export { makeFormatter } from './output';
export * as runtime from './runtime';
export { probeCapabilities } from './runtime/capabilities';

// ebpftracer: the syscall-recording library (README "Recording syscalls from TypeScript").
export { SyscallRecorder, RecorderError } from './ebpftracer/recorder';
export type { RecorderOptions, RecorderFilters, RecorderStats, MemoryUsage } from './ebpftracer/recorder';
export type { SyscallEvent, SyscallHeader, SyscallSchema, ParamSpec, ParamValue, SockAddr } from './ebpftracer/event';
export { makeFormatter as makeSyscallFormatter, FORMATS as SYSCALL_FORMATS } from './ebpftracer/output';
export { CLASS_NAMES as SYSCALL_CLASSES } from './ebpftracer/syscall-classes';

// ipftrace: follow packets through the kernel network stack (README "ipftrace").
export { PacketTracer, TracerError } from './ipftrace/tracer';
export type { PacketTracerOptions, TracerStats } from './ipftrace/tracer';
export type { PacketEvent, PacketTrace, FlowTuple, TraceEnd } from './ipftrace/event';
export type { FlowFilter } from './ipftrace/filter';
export type { IpftModule } from './ipftrace/modules';
export { formatTraceText } from './ipftrace/output/text';
export { formatTraceJson, formatEventJson } from './ipftrace/output/json';
