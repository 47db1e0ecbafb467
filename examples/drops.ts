// Prints every dropped packet with its journey: `node dist/examples/drops.js [seconds]` (default 10)
import { PacketTracer } from 'ipcdump';

async function main(seconds = 10) {
  const tracer = await PacketTracer.open({ idleMs: 500 });
  console.error(`tracing dropped packets for ${seconds} s`);
  setTimeout(() => tracer.stop(), seconds * 1000);
  for await (const t of tracer) {
    if (t.end !== 'dropped') continue;
    const last = t.events[t.events.length - 1];
    const flow = t.tuple ? `${t.tuple.saddr}:${t.tuple.sport} -> ${t.tuple.daddr}:${t.tuple.dport}` : '?';
    console.log(`${flow} dropped: ${last.dropReason ?? '?'} at ${last.location} after ${t.events.map((e) => e.hook).join(' > ')}`);
  }
}
main(Number(process.argv[2] ?? 10));
