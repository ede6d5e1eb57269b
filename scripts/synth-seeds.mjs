#!/usr/bin/env node
// Pools `blendwarp synth run` results over seeds (docs/synth-results.md):
//   node scripts/synth-seeds.mjs OUT1 OUT2 ... (each an --out folder with results.json)
// Prints, in Markdown: each method's Dice per seed and the mean over seeds (std over seeds), the
// label transfer and the validation-selected steps per seed, and paired comparisons over test
// subjects of the seed-averaged per-subject Dice (each subject's mean Dice averaged over the seeds;
// Wilcoxon signed-rank + bootstrap CI, the same statistics as results.json's `comparisons`), plus
// each seed's own p for the issue's two targets. Needs `npm run build` (uses dist/src/stats).
import { readFileSync } from 'node:fs';
import { pairedComparison, formatP } from '../dist/src/stats/paired.js';

const dirs = process.argv.slice(2);
if (dirs.length === 0) { console.error('usage: node scripts/synth-seeds.mjs OUT1 [OUT2 ...]'); process.exit(2); }
const runs = dirs.map((d) => {
  try { return { dir: d, r: JSON.parse(readFileSync(`${d}/results.json`, 'utf8')) }; }
  catch (e) { console.error(`${d}/results.json: ${e.message}`); process.exit(1); }
});
// Methods: every name any run has (a method missing from a seed shows "-" and is pooled over the others).
const names = [...new Set(runs.flatMap(({ r }) => r.methods.map((m) => m.name)))];
const subjects = runs[0].r.methods[0].per_subject.map((s) => s.subject);
for (const { dir, r } of runs) {
  if (r.methods[0].per_subject.map((s) => s.subject).join() !== subjects.join()) throw new Error(`${dir}: test subjects differ from ${dirs[0]}'s`);
}
const dice = (r, n) => r.methods.find((m) => m.name === n)?.dice_mean;
const has = (n) => runs.filter(({ r }) => dice(r, n) !== undefined);
const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
const std = (a) => Math.sqrt(mean(a.map((v) => (v - mean(a)) ** 2)));
const f3 = (x) => x.toFixed(3);
const seedOf = (r) => r.config?.seed ?? '?';

console.log(`| Method | ${runs.map(({ r }) => `seed ${seedOf(r)}`).join(' | ')} | mean over seeds (std) |`);
console.log(`|---|${runs.map(() => '---:').join('|')}|---:|`);
for (const n of names) {
  const v = runs.map(({ r }) => dice(r, n));
  const ok = v.filter((x) => x !== undefined);
  console.log(`| ${n} | ${v.map((x) => (x === undefined ? '-' : f3(x))).join(' | ')} | ${f3(mean(ok))} (${f3(std(ok))})${ok.length < runs.length ? ` (${ok.length} seed${ok.length > 1 ? 's' : ''})` : ''} |`);
}
const lt = runs.map(({ r }) => r.label_transfer?.dice_mean);
if (lt.every((x) => x !== undefined)) console.log(`| label transfer (atlas -> the unlabeled scans) | ${lt.map(f3).join(' | ')} | ${f3(mean(lt))} (${f3(std(lt))}) |`);

console.log('\nValidation (10 subjects): step kept / where training stopped, validation Dice of the kept step\n');
console.log(`| Method | ${runs.map(({ r }) => `seed ${seedOf(r)}`).join(' | ')} |`);
console.log(`|---|${runs.map(() => '---').join('|')}|`);
const vnames = [...new Set(runs.flatMap(({ r }) => Object.keys(r.validation?.methods ?? {})))];
for (const n of vnames) {
  console.log(`| ${n} | ${runs.map(({ r }) => { const v = r.validation.methods[n]; if (!v) return '-'; return v.best_step !== undefined ? `${v.best_step} / ${v.stopped_at}: ${f3(v.dice_mean)}` : f3(v.dice_mean); }).join(' | ')} |`);
}

// Seed-averaged per-subject Dice (over the seeds that have both methods), paired over subjects.
const perSubject = (n, rs) => subjects.map((_, k) => mean(rs.map(({ r }) => r.methods.find((m) => m.name === n).per_subject[k].dice_mean)));
const pairs = [];
for (const b of ['sas', 'sas-tt', 'rand-aug', 'supervised']) {
  if (!names.includes(b)) continue;
  for (const a of names) if (a !== b) pairs.push([a, b]);
}
console.log(`\nPaired over the ${subjects.length} test subjects, each subject's Dice averaged over the ${runs.length} seeds (a - b; two-sided Wilcoxon signed-rank; 95% bootstrap CI), and each seed's own p:\n`);
console.log(`| a | b | mean diff | 95% CI | p (seed-averaged) | ${runs.map(({ r }) => `p seed ${seedOf(r)} (diff)`).join(' | ')} |`);
console.log(`|---|---|---:|---|---:|${runs.map(() => '---:').join('|')}|`);
for (const [a, b] of pairs) {
  const rs = runs.filter(({ r }) => dice(r, a) !== undefined && dice(r, b) !== undefined);
  const c = pairedComparison(a, perSubject(a, rs), b, perSubject(b, rs));
  const each = runs.map(({ r }) => {
    const x = r.comparisons.find((q) => q.a === a && q.b === b);
    return x ? `${formatP(x.p_value)} (${x.mean_diff >= 0 ? '+' : ''}${f3(x.mean_diff)})` : '-';
  });
  console.log(`| ${a} | ${b} | ${c.mean_diff >= 0 ? '+' : ''}${f3(c.mean_diff)} | [${f3(c.ci95[0])}, ${f3(c.ci95[1])}] | ${formatP(c.p_value)}${rs.length < runs.length ? ` (${rs.length} seed${rs.length > 1 ? 's' : ''})` : ''} | ${each.join(' | ')} |`);
}
