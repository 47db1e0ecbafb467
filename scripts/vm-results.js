#!/usr/bin/env node
// Summarises build/vm-results/<kernel>/<suite>.tap (written by test/vm/guest-run.sh) as a
// markdown table: one row per suite, one column per kernel, "passed/total", plus the minutes
// each kernel took; failed tests are listed below. Exit status 1 when anything failed or did
// not report (a guest that died, a suite that crashed).
const fs = require('node:fs');
const path = require('node:path');

const dir = process.argv[2] || 'build/vm-results';
const kernels = fs.readdirSync(dir).filter((d) => fs.statSync(path.join(dir, d)).isDirectory()).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
const suites = [...new Set(kernels.flatMap((k) => fs.readdirSync(path.join(dir, k)).filter((f) => f.endsWith('.tap')).map((f) => f.slice(0, -4))))].sort();
const failures = [];
let bad = kernels.length === 0;
const seconds = new Map();
const cell = (k, s) => {
  const file = path.join(dir, k, `${s}.tap`);
  if (!fs.existsSync(file)) {
    bad = true;
    return 'not run';
  }
  const text = fs.readFileSync(file, 'utf8');
  const t = /^# exit=(\d+) seconds=(\d+)/m.exec(text);
  if (t) seconds.set(k, (seconds.get(k) ?? 0) + Number(t[2]));
  // `# TODO` tests are known limits: reported, never failures (node --test does the same).
  const all = text.split('\n').filter((l) => /^(not )?ok \d+ /.test(l));
  const top = all.filter((l) => !/ # TODO\b/.test(l));
  const todo = all.length - top.length;
  const failed = top.filter((l) => l.startsWith('not ok'));
  for (const f of failed) failures.push(`${k} ${s}: ${f.replace(/^not ok \d+ - /, '')}${firstErrorLine(text, f)}`);
  if (t && /^# timed out after/m.test(text)) {
    bad = true;
    return `timed out (${top.length - failed.length}/${top.length} before)`;
  }
  if (all.length === 0 || !t) {
    bad = true;
    return 'no result';
  }
  if (failed.length > 0 || t[1] !== '0') bad = true;
  return `${top.length - failed.length}/${top.length}${todo ? ` (+${todo} todo)` : ''}`;
};
/** ": <the first line of the error>" from the YAML block after a TAP `not ok` line. */
function firstErrorLine(text, notOk) {
  const after = text.slice(text.indexOf(notOk) + notOk.length);
  const m = /^\s+error: (?:\|-?\n\s+)?'?(.*?)'?$/m.exec(after.split(/^(?:not )?ok \d+ /m)[0]);
  return m && m[1].trim() ? `: ${m[1].trim().slice(0, 200)}` : '';
}
const rows = [`| suite | ${kernels.join(' | ')} |`, `|---|${kernels.map(() => '---').join('|')}|`];
for (const s of suites) rows.push(`| ${s} | ${kernels.map((k) => cell(k, s)).join(' | ')} |`);
rows.push(`| minutes | ${kernels.map((k) => (seconds.has(k) ? (seconds.get(k) / 60).toFixed(1) : '-')).join(' | ')} |`);
process.stdout.write(rows.join('\n') + '\n');
if (failures.length) process.stdout.write('\nFailed:\n' + failures.map((f) => `- ${f}`).join('\n') + '\n');
process.exitCode = bad ? 1 : 0;
