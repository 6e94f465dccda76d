import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  compareVersions,
  featuresFor,
  isSupported,
  parseVersion,
  requireSupportedVersion,
} from '../../src/main/authentik/version'
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
    ['2025.4.9', false],
    ['2025.6.0', true],
    ['2025.6.3', true],
    ['2025.12.1', true],
    ['2026.8.3', true],
    ['2026.8.99', true],
    ['2026.9.0', false],
    ['2026.10.0', false],
    ['2027.2.0', false],
  ] as const)('%s supported: %s', (raw, supported) => {
    expect(isSupported(parseVersion(raw)!)).toBe(supported)
  })

  test('unsupported versions are a typed error naming what was seen and the range', () => {
    for (const raw of ['2024.12.3', '2026.11.0', 'nginx']) {
      let error: unknown
      try {
        requireSupportedVersion(raw, 'http://x')
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(GatehouseError)
      expect((error as GatehouseError).code).toBe('AUTHENTIK_VERSION_UNSUPPORTED')
      expect((error as GatehouseError).message).toContain(raw)
    }
    expect(requireSupportedVersion('2026.8.3', 'http://x').raw).toBe('2026.8.3')
  })

  test('per-version behaviour follows the section 8 milestones', () => {
    const v = (raw: string) => featuresFor(parseVersion(raw)!)
    expect(v('2025.6.3')).toMatchObject({
      clientPackage: 'ak-2025.6',
      groupParents: 'parent',
      userRoles: false,
      listAutocomplete: false,
      stageFlowSetWritable: true,
      recoveryEmailBody: false,
    })
    expect(v('2025.10.4')).toMatchObject({
      clientPackage: 'ak-2025.6',
      groupParents: 'parent',
      listAutocomplete: true,
    })
    expect(v('2025.12.0')).toMatchObject({
      clientPackage: 'ak-2026.8',
      groupParents: 'parents',
      stageFlowSetWritable: false,
    })
    expect(v('2026.8.3')).toMatchObject({
      clientPackage: 'ak-2026.8',
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
        expect(Math.sign(compareVersions(a, b))).toBe(-Math.sign(compareVersions(b, a)))
        expect(isSupported(a)).toBe(
          compareVersions(a, { year: 2025, minor: 6, patch: 0 }) >= 0 &&
            (a.year < 2026 || (a.year === 2026 && a.minor <= 8)),
        )
      }),
    )
  })
})
