/**
 * Port -> service name from /etc/services, as the original printed `src_serv`/`dst_serv`:
 * the name when /etc/services has the (port, protocol) pair, else `<port>/<proto>`.
 * Read once, on first use.
 */
import * as fs from 'node:fs';

let table: Map<string, string> | undefined;

export function parseServices(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [name, portProto] = line.split(/\s+/);
    if (!name || !portProto || !/^\d+\/\w+$/.test(portProto)) continue;
    if (!m.has(portProto)) m.set(portProto, name); // the first entry is the canonical name
  }
  return m;
}

export function serviceName(port: number, proto: 'tcp' | 'udp', file = '/etc/services'): string {
  if (!table) {
    try {
      table = parseServices(fs.readFileSync(file, 'utf8'));
    } catch {
      table = new Map();
    }
  }
  return table.get(`${port}/${proto}`) ?? `${port}/${proto}`;
}
