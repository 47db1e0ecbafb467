/**
 * `--version`: the package version and the git commit the build came from. The commit is
 * recorded at build time (scripts/setup.sh writes build/build-info.json) because an installed
 * copy has no .git to ask.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function versionString(tool = 'ipcdump'): string {
  const pkg = readJson(path.join(ROOT, 'package.json'));
  const info = readJson(path.join(ROOT, 'build', 'build-info.json'));
  const version = typeof pkg?.version === 'string' ? pkg.version : 'unknown';
  const commit = typeof info?.commit === 'string' ? info.commit : 'unknown commit';
  return `${tool} ${version} (${commit})`;
}
