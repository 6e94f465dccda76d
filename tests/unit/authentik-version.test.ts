import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  compareVersions,
  featuresFor,
  isSupported,
  parseVersion,
  requireKnownVersion,
  versionError,
  versionSupport,
} from '../../src/main/authentik/version'
import { authentikReleases, releaseOf } from '../../src/shared/authentik-releases'
import { GatehouseError } from '../../src/shared/errors'

describe('Authentik version detection', () => {
  test.each([
    ['2025.6.3', [2025, 6, 3]],
    ['2026.8.3', [2026, 8, 3]],
    ['2025.6.3-1751754396', [2025, 6, 3]],
    ['2026.5.0-rc1', [2026, 5, 0]],
    [' v2025.10.4 ', [2025, 10, 4]],
  ] as const)('parses %s', (raw, [year, minor, patch]) => {
    expect(parseVersion(raw)).toMatchObject({ year, minor, patch })
  })

  test.each(['', 'latest', '2025.6', '25.6.3', 'gh-2025.6.3', '2025.6.3 extra'])(
    'refuses %j',
    (raw) => {
      expect(parseVersion(raw)).toBeNull()
    },
  )

  test.each([
    ['2025.4.9', 'older'],
    ['2025.6.0', 'supported'],
    ['2025.6.3', 'supported'],
    ['2025.7.0', 'unknown'],
    ['2025.12.1', 'supported'],
    ['2026.4.0', 'unknown'],
    ['2026.5.6', 'supported'],
    ['2026.8.3', 'supported'],
    ['2026.8.99', 'supported'],
    ['2026.9.0', 'newer'],
    ['2026.11.0', 'newer'],
    ['2027.2.0', 'newer'],
  ] as const)('%s is %s', (raw, support) => {
    expect(versionSupport(parseVersion(raw)!)).toBe(support)
    expect(isSupported(parseVersion(raw)!)).toBe(support === 'supported')
  })

  test('every release of the table is supported, at any patch', () => {
    for (const release of authentikReleases) {
      expect(isSupported(parseVersion(release.version)!)).toBe(true)
      expect(isSupported(parseVersion(`${release.major}.0`)!)).toBe(true)
    }
  })

  test('older, unknown and non-versions are refused; newer ones are accepted read-only', () => {
    for (const raw of ['2024.12.3', '2026.4.1', 'nginx']) {
      let error: unknown
      try {
        requireKnownVersion(raw, 'http://x')
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(GatehouseError)
      expect((error as GatehouseError).code).toBe('AUTHENTIK_VERSION_UNSUPPORTED')
      expect((error as GatehouseError).message).toContain(raw)
    }
    expect(requireKnownVersion('2026.8.3', 'http://x').raw).toBe('2026.8.3')
    const newer = requireKnownVersion('2026.11.0', 'http://x')
    const refusal = versionError(newer, 'http://x')
    expect(refusal.code).toBe('AUTHENTIK_VERSION_NEWER')
    expect(refusal.message).toMatch(
      /^Authentik 2026\.11 is newer than this Gatehouse knows .*read-only features work, recipes are disabled until you update Gatehouse\.$/,
    )
    expect(versionError(parseVersion('2024.12.3')!, 'http://x').hint).toMatch(/Upgrade Authentik/)
  })

  test('per-version behaviour follows the section 8 milestones', () => {
    const v = (raw: string) => featuresFor(parseVersion(raw)!)
    expect(v('2025.6.3')).toMatchObject({
      groupParents: 'parent',
      userRoles: false,
      listAutocomplete: false,
      stageFlowSetWritable: true,
      recoveryEmailBody: false,
      invitationEmail: false,
    })
    expect(v('2025.10.4')).toMatchObject({ groupParents: 'parent', listAutocomplete: true })
    expect(v('2025.12.0')).toMatchObject({ groupParents: 'parents', stageFlowSetWritable: false })
    expect(v('2026.5.6')).toMatchObject({ recoveryEmailBody: true, invitationEmail: true })
    expect(v('2026.8.3')).toMatchObject({
      groupParents: 'parents',
      userRoles: true,
      recoveryEmailBody: true,
      settingsPatchOnly: true,
    })
  })

  test('comparison is a total order consistent with the numbers', () => {
    const triple = fc.record({
      year: fc.integer({ min: 2020, max: 2030 }),
      minor: fc.integer({ min: 0, max: 12 }),
      patch: fc.integer({ min: 0, max: 20 }),
    })
    fc.assert(
      fc.property(triple, triple, (a, b) => {
        const raw = `${a.year}.${a.minor}.${a.patch}`
        expect(parseVersion(raw)).toMatchObject(a)
        // Antisymmetric (summed: equal versions give 0 and -0, which toBe tells apart).
        expect(Math.sign(compareVersions(a, b)) + Math.sign(compareVersions(b, a))).toBe(0)
        expect(isSupported(a)).toBe(releaseOf(raw) !== undefined)
      }),
      { numRuns: 2000 },
    )
  })
})
