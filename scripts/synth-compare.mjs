#!/usr/bin/env node
// Compares the methods of one set of `blendwarp synth run` outputs (A: e.g. a tuned setting) against
// those of another (B: e.g. the defaults) on the same test subjects (docs/synth-results.md):
//   node scripts/synth-compare.mjs A1[,A2,...] B1[,B2,...] [B-methods, default: the same name,sas,sas-tt,rand-aug,supervised]
// (given B-methods: exactly those, each method of A against each; a method is never compared with itself on the same folders).
// Seeds are matched by position in the lists (A1 with B1, ...). Each subject's Dice (its mean over the
// labels) is averaged over the seeds of each side, then paired over subjects: mean difference, 95%
// bootstrap CI and two-sided Wilcoxon signed-rank, the statistics of results.json's `comparisons`.
// Needs `npm run build` (uses dist/src/stats).
import { readFileSync } from 'node:fs';
import { pairedComparison, formatP } from '../dist/src/stats/paired.js';

const [aArg, bArg, bMethodsArg] = process.argv.slice(2);
if (!aArg || !bArg) { console.error('usage: node scripts/synth-compare.mjs A1[,A2,...] B1[,B2,...] [B-methods]'); process.exit(2); }
const load = (d) => {
  try { return JSON.parse(readFileSync(`${d}/results.json`, 'utf8')); } catch (e) { console.error(`${d}/results.json: ${e.message}`); process.exit(1); }
};
const A = aArg.split(',').map(load), B = bArg.split(',').map(load);
if (A.length !== B.length) { console.error(`${A.length} A folders but ${B.length} B folders: seeds are matched by position`); process.exit(2); }
const subjects = (r) => r.methods[0].per_subject.map((s) => s.subject).join();
for (const r of [...A, ...B]) if (subjects(r) !== subjects(A[0])) { console.error('the folders do not have the same test subjects'); process.exit(1); }
/** Per subject, the method's Dice averaged over the runs (null when a run lacks the method). */
const avg = (runs, name) => {
  const per = runs.map((r) => r.methods.find((m) => m.name === name)?.per_subject.map((s) => s.dice_mean));
  if (per.some((p) => !p)) return null;
  return per[0].map((_, i) => per.reduce((s, p) => s + p[i], 0) / per.length);
};
const bList = bMethodsArg ? bMethodsArg.split(',') : null;
const sameFolders = aArg === bArg;
console.log(`| a (${A.length} seed${A.length > 1 ? 's' : ''}: ${aArg}) | b (${bArg}) | mean diff | 95% CI | p |`);
console.log('|---|---|---:|---|---:|');
for (const m of A[0].methods.map((x) => x.name).filter((n) => n !== 'affine' && n !== 'sas')) {
  const a = avg(A, m);
  if (!a) continue;
  for (const bn of bList ?? [...new Set([m, 'sas', 'sas-tt', 'rand-aug', 'supervised'])]) {
    if (sameFolders && bn === m) continue;
    const b = avg(B, bn);
    if (!b) continue;
    const c = pairedComparison(m, a, bn, b);
    console.log(`| ${m} | ${bn} | ${c.mean_diff >= 0 ? '+' : ''}${c.mean_diff.toFixed(3)} | [${c.ci95[0].toFixed(3)}, ${c.ci95[1].toFixed(3)}] | ${formatP(c.p_value)} |`);
  }
}
