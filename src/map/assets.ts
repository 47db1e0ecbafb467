/**
 * The page's files: web/map/ at the package root and the graph library from node_modules.
 * All are read once at start and served from memory: no file system access per request, no
 * path from a URL ever reaches the file system, and a missing file fails at start with one line.
 *
 * Paths are resolved from __dirname, which is dist/src/map in a build and in an installed
 * package alike (both keep web/ beside dist/), so no working directory is assumed. The graph
 * library comes from the installed npm package, never from a CDN: the machine may be offline.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Asset {
  body: Buffer;
  type: string;
}

/** URL path -> file, besides index.html (which is templated with the token). */
const JS = 'text/javascript; charset=utf-8';
const PAGE_FILES: ReadonlyArray<readonly [string, string, string]> = [
  ...['state', 'graph', 'filters', 'layout', 'apply', 'details', 'app'].map((n) => [`/${n}.js`, `${n}.js`, JS] as const),
  ['/style.css', 'style.css', 'text/css; charset=utf-8'],
];

/**
 * URL path -> module file resolved through node_modules. fcose (with its two layout bases) lays
 * out 500 processes in groups in a fraction of the time cytoscape's built-in cose takes.
 * IPCDUMP_MAP_DEBUG=1 serves cytoscape unminified: readable names in a page profile.
 */
const VENDOR_FILES: ReadonlyArray<readonly [string, string]> = [
  ['/vendor/cytoscape.min.js', process.env.IPCDUMP_MAP_DEBUG ? 'cytoscape/dist/cytoscape.umd.js' : 'cytoscape/dist/cytoscape.min.js'],
  ['/vendor/layout-base.js', 'layout-base/layout-base.js'],
  ['/vendor/cose-base.js', 'cose-base/cose-base.js'],
  ['/vendor/cytoscape-fcose.js', 'cytoscape-fcose/cytoscape-fcose.js'],
];

/** web/map/ of this package: two levels above src/map (sources) or three above dist/src/map. */
export function webDir(): string {
  const candidates = [path.resolve(__dirname, '..', '..', '..', 'web', 'map'), path.resolve(__dirname, '..', '..', 'web', 'map')];
  for (const c of candidates) if (fs.existsSync(path.join(c, 'index.html'))) return c;
  throw new Error(`the map page's files are missing (looked for web/map/index.html in ${candidates.map((c) => path.dirname(path.dirname(c))).join(' and ')})`);
}

export interface PageAssets {
  /** index.html with `{{TOKEN}}` still in it. */
  indexTemplate: string;
  files: Map<string, Asset>;
}

export function loadAssets(): PageAssets {
  const dir = webDir();
  const files = new Map<string, Asset>();
  const read = (p: string): Buffer => {
    try {
      return fs.readFileSync(p);
    } catch (err) {
      throw new Error(`cannot read the map page's file ${p}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  for (const [url, file, type] of PAGE_FILES) files.set(url, { body: read(path.join(dir, file)), type });
  for (const [url, mod] of VENDOR_FILES) {
    let p: string;
    try {
      p = require.resolve(mod);
    } catch {
      throw new Error(`the map needs the npm package ${mod.split('/')[0]}, which is not installed (run npm install)`);
    }
    files.set(url, { body: read(p), type: JS });
  }
  return { indexTemplate: read(path.join(dir, 'index.html')).toString('utf8'), files };
}
