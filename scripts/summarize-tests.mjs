// Sums every suite of one `npm test` run into the single last line CI reads:
// "N passed, N failed" (", N skipped" when any). Exit code 1 when anything failed, when a suite
// left no report (it crashed), or in CI when anything was skipped.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.argv[2] ?? '.test-output'
const rows = []

for (const line of readFileSync(join(dir, 'checks.tsv'), 'utf8').split('\n').filter(Boolean)) {
  const [name, passed, failed, skipped] = line.split('\t')
  rows.push({ suite: `check:${name}`, passed: +passed, failed: +failed, skipped: +skipped })
}

const vitest = join(dir, 'vitest.json')
if (existsSync(vitest)) {
  const r = JSON.parse(readFileSync(vitest, 'utf8'))
  // A file that fails outside its tests (it does not load, or its beforeAll throws and its tests
  // are reported skipped) counts as one failure.
  const brokenFiles = (r.testResults ?? []).filter(
    (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
  ).length
  rows.push({
    suite: 'vitest',
    passed: r.numPassedTests,
    failed: r.numFailedTests + brokenFiles,
    skipped: r.numPendingTests + r.numTodoTests,
  })
} else rows.push({ suite: 'vitest (no report: the run crashed)', passed: 0, failed: 1, skipped: 0 })

const pw = join(dir, 'playwright.json')
if (existsSync(pw)) {
  const s = JSON.parse(readFileSync(pw, 'utf8')).stats
  const errors = JSON.parse(readFileSync(pw, 'utf8')).errors ?? []
  rows.push({
    suite: 'playwright',
    passed: s.expected,
    failed: s.unexpected + s.flaky + errors.length,
    skipped: s.skipped,
  })
} else
  rows.push({ suite: 'playwright (no report: the run crashed)', passed: 0, failed: 1, skipped: 0 })

const total = rows.reduce(
  (t, r) => ({
    passed: t.passed + r.passed,
    failed: t.failed + r.failed,
    skipped: t.skipped + r.skipped,
  }),
  { passed: 0, failed: 0, skipped: 0 },
)
console.log('\nSuites:')
for (const r of rows)
  console.log(
    `  ${r.suite.padEnd(40)} ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`,
  )
if (process.env.CI && total.skipped > 0) {
  console.log('CI: skipped tests count as failures (a prerequisite must never be missing in CI).')
  total.failed += total.skipped
}
console.log(
  `${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`,
)
process.exit(total.failed > 0 ? 1 : 0)
