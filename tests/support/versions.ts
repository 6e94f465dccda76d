/**
 * Which Authentik releases each contract suite runs against, from one place. Every release in
 * `src/shared/authentik-releases.ts` runs the happy path of every suite (R1, recipes R2–R9,
 * integrations R10–R14, the directory panels, the client and contract tests, the fake's
 * self-tests); the slow paths run on a representative subset:
 *
 * - `allVersions` — every supported release, oldest first: the happy paths, the safety checks and
 *   the fake's self-tests.
 * - `edgeVersions` — the oldest (the setup guide's 2025.6.3) and the newest release: fault
 *   injection (every write of every recipe broken before and after it lands, ~70 fresh fakes per
 *   version), R1's broken-step recovery, and property-based fuzzing. They are the two ends of every
 *   milestone in `apiMilestones`, so each side of each shape difference meets a fault; the
 *   releases in between differ from one of them only in shapes the happy paths already cover.
 *
 * `describeVersions` wraps `describe.each` and, after each version's block, checks the fake's
 * response tally (tests/fakes/authentik/audit.ts): at least one response was validated against
 * that version's schema and none violated it.
 */
import { afterAll, describe, expect } from 'vitest'
import {
  DEFAULT_AUTHENTIK_VERSION,
  GUIDE_AUTHENTIK_VERSION,
  supportedAuthentikVersions,
} from '../../src/shared/authentik-releases'
import { auditOf } from '../fakes/authentik/audit'
import type { FakeVersion } from '../fakes/authentik/types'

export const allVersions: readonly FakeVersion[] = supportedAuthentikVersions

export const oldestVersion: FakeVersion = supportedAuthentikVersions[0]
export const newestVersion: FakeVersion = supportedAuthentikVersions.at(-1) ?? oldestVersion

export const edgeVersions: readonly FakeVersion[] = [...new Set([oldestVersion, newestVersion])]

// The edges are the releases users start from (the guide's) and new stacks get (the default).
if (oldestVersion !== GUIDE_AUTHENTIK_VERSION || newestVersion !== DEFAULT_AUTHENTIK_VERSION) {
  throw new Error('tests/support/versions.ts: revisit edgeVersions for the new release table')
}

/** Asserts that every response the fakes of `version` produced in this file was on-schema. */
export function expectFakeResponsesOnSchema(version: FakeVersion): void {
  const audit = auditOf(version)
  expect(audit.responses, `fake ${version} validated no response`).toBeGreaterThan(0)
  expect(audit.violations, `fake ${version} answered off-schema`).toEqual([])
}

/**
 * `describe.each(versions)(name, fn)` plus the per-version schema audit in `afterAll`. The audit
 * is cumulative per file, so the check after a version's block covers every response that
 * version's fakes produced in the file so far.
 */
export function describeVersions(
  name: string,
  versions: readonly FakeVersion[],
  fn: (version: FakeVersion) => void,
): void {
  describe.each([...versions])(name, (version) => {
    afterAll(() => expectFakeResponsesOnSchema(version))
    fn(version)
  })
}
