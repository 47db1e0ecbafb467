/**
 * Who may see the map. The page shows which processes talk and, with -x, the bytes they
 * exchange, so it is guarded three ways even though it only listens on 127.0.0.1:
 *  - a 128-bit random token, printed at start, on every request (other local users and any
 *    web page the user visits can reach 127.0.0.1, but cannot guess it);
 *  - the Host header must name our own address (a DNS-rebinding page sends its own name);
 *  - a WebSocket's Origin, when present, must be our own page (a cross-site page could
 *    otherwise open a socket with a token it somehow learned; browsers always send Origin).
 */
import * as crypto from 'node:crypto';

export function newToken(): string {
  return crypto.randomBytes(16).toString('hex');
}

/** Constant-time comparison: the token must not leak through response timing. */
export function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (typeof given !== 'string' || given.length !== token.length) return false;
  return crypto.timingSafeEqual(Buffer.from(given), Buffer.from(token));
}

/** Host headers that name this server: 127.0.0.1:PORT or localhost:PORT (no port when 80). */
export function allowedHosts(port: number): Set<string> {
  const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  if (port === 80) {
    hosts.add('127.0.0.1');
    hosts.add('localhost');
  }
  return hosts;
}

export function hostAllowed(host: string | undefined, port: number): boolean {
  return host !== undefined && allowedHosts(port).has(host.toLowerCase());
}

/** A WebSocket Origin: absent (not a browser) or our own page's. */
export function originAllowed(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  const o = origin.toLowerCase();
  for (const h of allowedHosts(port)) if (o === `http://${h}`) return true;
  return false;
}

/** The token of a request URL (`?token=`), or null. */
export function tokenOf(url: string | undefined): string | null {
  if (!url) return null;
  const q = url.indexOf('?');
  if (q < 0) return null;
  return new URLSearchParams(url.slice(q + 1)).get('token');
}

/** The path of a request URL, without the query. */
export function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
