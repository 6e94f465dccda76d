import { readFileSync } from 'node:fs'
import type { Reporter, TestCase, TestResult } from '@playwright/test/reporter'

/**
 * CI keeps only the console output, not `test-results/`. When a test fails, print the page
 * snapshot Playwright wrote beside it (error-context.md: what was on screen, as an ARIA tree), so a
 * failure on a machine we cannot reach can still be read.
 */
export default class ContextReporter implements Reporter {
  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.status === 'passed' || result.status === 'skipped') return
    const seen = new Set<string>()
    for (const attachment of result.attachments) {
      if (attachment.name !== 'error-context' || !attachment.path) continue
      // Playwright lists the same snapshot more than once; print it once.
      if (seen.has(attachment.path)) continue
      seen.add(attachment.path)
      try {
        const text = readFileSync(attachment.path, 'utf8').split('\n').slice(0, 200).join('\n')
        console.log(`\n--- page when "${test.title}" failed ---\n${text}\n--- end ---\n`)
      } catch {
        // The snapshot is a help, not a requirement.
      }
    }
  }
}
