/**
 * A process-wide tally of every response the fakes of this test file produced, per version, and
 * the schema violations among them. `fake.schemaViolations` is per server and dies with it; the
 * suites start dozens of fakes, so the harness (tests/support/versions.ts) checks this tally in
 * `afterAll`: for each version a suite ran, responses were validated (more than zero) and none
 * violated that version's schema. Responses a test corrupted on purpose
 * (`state.responseTampering`) are counted apart, not as violations.
 */
import type { FakeVersion } from './types'

export interface VersionAudit {
  /** Responses validated against the version's schema (API answers, errors included). */
  responses: number
  /** Deliberately corrupted responses (responseTampering): expected to violate, not counted. */
  tampered: number
  /** `operationId → status: problem`, as in `fake.schemaViolations`. */
  violations: string[]
  /** The operations that answered, to show what a suite covered. */
  operations: Set<string>
}

const audits = new Map<FakeVersion, VersionAudit>()

export function auditOf(version: FakeVersion): VersionAudit {
  let audit = audits.get(version)
  if (!audit) {
    audit = { responses: 0, tampered: 0, violations: [], operations: new Set() }
    audits.set(version, audit)
  }
  return audit
}

export function recordResponse(
  version: FakeVersion,
  operationId: string,
  problems: readonly string[],
  tampered: boolean,
): void {
  const audit = auditOf(version)
  audit.operations.add(operationId)
  if (tampered) {
    audit.tampered++
    return
  }
  audit.responses++
  audit.violations.push(...problems)
}
