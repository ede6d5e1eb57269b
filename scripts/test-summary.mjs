// Reads vitest's JSON report and prints the plain closing line CI recognises
// ("N passed, N failed, N skipped"). Under CI=true a skipped or missing test is a failure:
// everything the suite should test must have run.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (e) {
  console.log('0 passed, 1 failed');
  console.error(`test-summary: no vitest report at ${file}: ${e.message}`);
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
const failed = (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
if (process.env.CI === 'true' && skipped > 0) {
  for (const suite of report.testResults ?? []) {
    for (const t of suite.assertionResults ?? []) {
      if (t.status === 'pending' || t.status === 'skipped' || t.status === 'todo') console.error(`skipped in CI: ${t.fullName}`);
    }
  }
}
// Tests per backend: a per-backend suite's describe title ends in "on wasm" / "on webgpu" (docs/testing.md).
const per = new Map();
for (const suite of report.testResults ?? []) {
  const name = (suite.name ?? '').replace(/^.*\/test\//, 'test/');
  for (const t of suite.assertionResults ?? []) {
    const m = /\bon (wasm|webgpu)\b/.exec((t.ancestorTitles ?? []).join(' > '));
    const key = m ? m[1] : 'once';
    const e = per.get(key) ?? { passed: 0, files: new Set() };
    if (t.status === 'passed') { e.passed++; e.files.add(name); }
    per.set(key, e);
  }
}
console.log(`per backend: ${['wasm', 'webgpu', 'once'].filter((k) => per.has(k)).map((k) => `${k} ${per.get(k).passed} passed in ${per.get(k).files.size} files`).join('; ')}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
const ok = failed === 0 && passed > 0 && report.success !== false && !(process.env.CI === 'true' && skipped > 0);
process.exit(ok ? 0 : 1);
