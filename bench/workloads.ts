/**
 * The benchmark workloads and the peers' equivalent scripts. Each workload is a small C
 * program under bench/workloads with a fixed amount of work (N, scaled by --scale) that times
 * its own loop and prints the seconds.
 */
import type { IpcType } from '../src/ipcdump/event';

export interface Workload {
  name: string;
  /** what --only matches (a substring of it) */
  binary: string; // also the comm
  n: number;
  /** events a complete tracer reports */
  expected: (n: number) => number;
  /** bpftrace script with equivalent hooks and output */
  bpftrace: string;
  /** strace syscall set */
  strace: string;
  /** which strace lines count as events (default for 'ipc': successful 1-byte reads) */
  straceLine?: RegExp;
  /** does an output line count as one of this workload's events? */
  ipcdumpLine: RegExp;
  /** the ipcdump types its rows trace (-t), and whose hooks the floor row attaches */
  ipcTypes?: IpcType[];
  /** 'ipc' workloads are for ipcdump, 'syscalls' for ebpftracer, 'packets' for ipftrace. */
  kind: 'ipc' | 'syscalls' | 'packets';
  /** which bpftrace output lines count as events (default: every line of this workload) */
  bpftraceLine?: RegExp;
}

// bpftrace equivalent of ipftrace -p UDP -dp 9: the same tracepoints, the same header parse
// through the skb (IPv4 protocol 17, UDP destination port 9 = 0x0900 in network order), one
// line per hop. It has no packet identity (no grouping, clones or pointer reuse).
const BPFTRACE_UDP =
  'tracepoint:net:net_dev_queue,tracepoint:net:net_dev_start_xmit,tracepoint:net:netif_rx_entry,tracepoint:net:netif_rx,' +
  'tracepoint:net:netif_receive_skb,tracepoint:icmp:icmp_send,tracepoint:skb:kfree_skb,tracepoint:skb:consume_skb ' +
  '{ $skb = (struct sk_buff *)args->skbaddr; $ip = (struct iphdr *)($skb->head + $skb->network_header); ' +
  '$udp = (struct udphdr *)($skb->head + $skb->network_header + 20); ' +
  'if ($ip->protocol == 17 && $udp->dest == 2304) { printf("%d bench_udp %llx %s %d\\n", nsecs, args->skbaddr, probe, $skb->len); } }';

export const FILE_SYSCALLS = 'openat,read,close,newfstatat';
// bpftrace equivalent of ebpftracer's record: each call with its path/fd and return value.
const BPFTRACE_FILES =
  'tracepoint:syscalls:sys_enter_openat { @p[tid] = args->filename; } ' +
  'tracepoint:syscalls:sys_exit_openat { printf("%d %s openat %s = %d\\n", pid, comm, str(@p[tid]), args->ret); delete(@p[tid]); } ' +
  'tracepoint:syscalls:sys_enter_newfstatat { @s[tid] = args->filename; } ' +
  'tracepoint:syscalls:sys_exit_newfstatat { printf("%d %s newfstatat %s = %d\\n", pid, comm, str(@s[tid]), args->ret); delete(@s[tid]); } ' +
  'tracepoint:syscalls:sys_enter_read { @r[tid] = args->fd; } ' +
  'tracepoint:syscalls:sys_exit_read { printf("%d %s read %d = %d\\n", pid, comm, @r[tid], args->ret); delete(@r[tid]); } ' +
  'tracepoint:syscalls:sys_enter_close { printf("%d %s close %d\\n", pid, comm, args->fd); }';

const BPFTRACE_PIPE =
  'tracepoint:syscalls:sys_enter_write { @writer[pid] = tid; } ' +
  'tracepoint:syscalls:sys_exit_read /args->ret > 0/ { printf("%d %s read %d\\n", pid, comm, args->ret); }';

// The socket workloads' script: like BPFTRACE_PIPE it remembers the last writer per process
// and prints each successful read, but only reads from a socket (the fd's inode is S_IFSOCK),
// with the ports for an inet socket. Same syscalls as the workloads use (read/write), less
// information than ipcdump (no exact sender, no queue).
const BPFTRACE_SOCK =
  'tracepoint:syscalls:sys_enter_write { @writer[pid] = tid; } ' +
  'tracepoint:syscalls:sys_enter_read { @fd[tid] = args->fd; } ' +
  'tracepoint:syscalls:sys_exit_read { $f = *(curtask->files->fdt->fd + @fd[tid]); ' +
  'if (args->ret > 0 && ($f->f_inode->i_mode & 0xf000) == 0xc000) { $sk = ((struct socket *)$f->private_data)->sk; ' +
  'if ($sk->__sk_common.skc_family == 1) { printf("%d %s read %d\\n", pid, comm, args->ret); } ' +
  'else { printf("%d %s read %d %d > %d\\n", pid, comm, args->ret, bswap($sk->__sk_common.skc_dport), $sk->__sk_common.skc_num); } } ' +
  'delete(@fd[tid]); }';

/** strace lines of a successful read of exactly `bytes` (with -f a call interrupted by a task
 * switch is split into `<unfinished ...>` and `<... read resumed>` lines). */
function straceRead(bytes: number): RegExp {
  return new RegExp(`read\\(.*= ${bytes}$|<\\.\\.\\. read resumed>.*= ${bytes}$`);
}

export const WORKLOADS: Workload[] = [
  {
    name: 'pipe ping-pong (1-byte messages)',
    binary: 'bench_pingpong',
    n: 200_000,
    expected: (n) => 2 * n,
    // ipcdump reports each successful pipe read with both ends. The closest bpftrace script
    // hooks the same syscalls: it remembers the last writer per process and prints every
    // successful read (same hooks, less information: no pipe identity, no exact writer).
    bpftrace: BPFTRACE_PIPE,
    strace: 'read,write',
    straceLine: straceRead(1),
    ipcdumpLine: / pipe \d+\(bench_pingpong\) > \d+\(bench_pingpong\)/,
    ipcTypes: ['signal', 'pipe'],
    kind: 'ipc',
  },
  {
    name: 'signal ping-pong (SIGUSR1/SIGUSR2)',
    binary: 'bench_signals',
    n: 100_000,
    expected: (n) => 2 * n,
    bpftrace:
      'tracepoint:signal:signal_generate /args->result == 0/ { printf("%d %s > %d %s sig %d\\n", pid, comm, args->pid, args->comm, args->sig); }',
    strace: 'kill',
    straceLine: /kill\(.*= 0$|<\.\.\. kill resumed>.*= 0$/,
    ipcdumpLine: / signal \d+\(bench_signals\) > \d+\(bench_signals\)/,
    ipcTypes: ['signal', 'pipe'],
    kind: 'ipc',
  },
  {
    name: 'unrelated syscalls (1-byte writes to /dev/null)',
    binary: 'bench_devnull',
    n: 2_000_000,
    expected: () => 0,
    bpftrace: BPFTRACE_PIPE,
    strace: 'read,write',
    straceLine: /^(?!)/, // none of its syscalls is an event
    ipcdumpLine: /\(bench_devnull\)/,
    ipcTypes: ['signal', 'pipe'],
    kind: 'ipc',
  },
  {
    // 1 GiB at scale 1. The reader's 4 KiB reads each take exactly one 4 KiB write (one skb),
    // so the receives ipcdump reports are exactly N (the workload checks every read's size).
    name: 'unix stream bulk (4 KiB writes over a socketpair)',
    binary: 'bench_unixbulk',
    n: 262_144,
    expected: (n) => n,
    bpftrace: BPFTRACE_SOCK,
    strace: 'read,write',
    straceLine: straceRead(4096),
    ipcdumpLine: / unix-stream \d+\(bench_unixbulk\) > \d+\(bench_unixbulk\): .*count 4096$/,
    ipcTypes: ['unix-stream'],
    kind: 'ipc',
  },
  {
    name: 'loopback TCP request/response (64 bytes)',
    binary: 'bench_tcprr',
    n: 100_000,
    expected: (n) => 2 * n,
    bpftrace: BPFTRACE_SOCK,
    strace: 'read,write',
    straceLine: straceRead(64),
    ipcdumpLine: / loopback-tcp \d+\(bench_tcprr\) > \d+\(bench_tcprr\): .*count 64$/,
    ipcTypes: ['loopback-tcp'],
    kind: 'ipc',
  },
  {
    name: 'syscall recording (open/read/close/stat loop)',
    binary: 'bench_files',
    n: 50_000,
    expected: (n) => 4 * n,
    bpftrace: BPFTRACE_FILES,
    strace: FILE_SYSCALLS,
    straceLine: /= -?\d+/,
    ipcdumpLine: /bench_files/,
    kind: 'syscalls',
  },
  {
    name: 'packet journeys (UDP to a closed port on lo)',
    binary: 'bench_udp',
    n: 50_000,
    expected: (n) => n,
    bpftrace: BPFTRACE_UDP,
    bpftraceLine: /^\d+ bench_udp [0-9a-f]+ tracepoint:skb:kfree_skb /,
    strace: '',
    ipcdumpLine: /^UDP\t127\.0\.0\.1:\d+\t->\t127\.0\.0\.1:9$/,
    kind: 'packets',
  },
];
