import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { authentikReleases } from '../../src/shared/authentik-releases'
import { GatehouseError } from '../../src/shared/errors'
import { SettingsSchema, type AuthentikVersion } from '../../src/shared/settings'
import { compareMajor, upgradeSteps } from '../../src/main/upgrade/path'
import { planSteps, planUpgrade, ASSUMED_IMAGE_BYTES } from '../../src/main/upgrade/plan'
import { authentikImage } from '../../src/main/stack/catalogue'
import { sampleSettings } from '../support/sample-settings'

const versions = authentikReleases.map((r) => r.version as AuthentikVersion)
const settings = SettingsSchema.parse(
  sampleSettings('/volume1/docker/authentik', { authentikVersion: '2025.6.3' }),
)
const majorIndex = (v: string) => versions.findIndex((r) => compareMajor(r, v) === 0)

describe('upgrade path', () => {
  test('the guide’s 2025.6.3 to the newest: six steps, every major at its latest patch', () => {
    expect(upgradeSteps('2025.6.3', '2026.8.3')).toEqual([
      '2025.8.6',
      '2025.10.4',
      '2025.12.6',
      '2026.2.0',
      '2026.5.6',
      '2026.8.3',
    ])
  })

  test('property: steps strictly increase by one major, none skipped, the target is reached', () => {
    // Any current patch (older, equal or newer than the catalogue's) of any major, any target at or after it.
    const pair = fc
      .tuple(fc.nat(versions.length - 1), fc.nat(versions.length - 1), fc.nat(9))
      .filter(([a, b]) => a <= b)
    fc.assert(
      fc.property(pair, ([a, b, patch]) => {
        const [y, m] = (versions[a] as string).split('.')
        const current = `${y}.${m}.${patch}`
        const target = versions[b] as AuthentikVersion
        const steps = upgradeSteps(current, target)
        const catalogued = versions[a] as string
        const behindPatch = patch < Number(catalogued.split('.')[2])
        // The first step is the current major's latest patch when it runs an older one.
        const firstIndex = behindPatch ? a : a + 1
        expect(steps).toEqual(versions.slice(firstIndex, b + 1))
        for (const [i, s] of steps.entries()) {
          if (i > 0) expect(majorIndex(s)).toBe(majorIndex(steps[i - 1] as string) + 1)
          expect(compareMajor(s, current)).toBeGreaterThanOrEqual(0)
        }
        if (a < b || behindPatch) expect(steps.at(-1)).toBe(target)
      }),
      { numRuns: 300 },
    )
  })

  test('property: a target older than the running release is refused with the reason', () => {
    const pair = fc
      .tuple(fc.nat(versions.length - 1), fc.nat(versions.length - 1))
      .filter(([a, b]) => b < a)
    fc.assert(
      fc.property(pair, ([a, b]) => {
        let caught: unknown
        try {
          upgradeSteps(versions[a] as string, versions[b] as string)
        } catch (e) {
          caught = e
        }
        expect(caught).toBeInstanceOf(GatehouseError)
        expect((caught as GatehouseError).code).toBe('UPGRADE_DOWNGRADE_REFUSED')
        expect((caught as GatehouseError).message).toMatch(/only go forward/)
      }),
    )
  })

  test('an unknown current release is refused, naming the way forward', () => {
    expect(() => upgradeSteps('2024.12.1', '2026.8.3')).toThrow(/not a release Gatehouse knows/)
  })

  test('already on the target: no steps', () => {
    expect(upgradeSteps('2026.8.3', '2026.8.3')).toEqual([])
  })
})

describe('plan: what changes at each step (diffed from the catalogue’s stacks)', () => {
  const steps = planSteps(settings, '2025.6.3', '2026.8.3')
  const at = (v: string) => steps.find((s) => s.version === v)
  const texts = (v: string) => at(v)?.changes.map((c) => c.text) ?? []

  test('2025.8: nothing in the stack changes', () => {
    expect(texts('2025.8.6')).toEqual([])
  })

  test('2025.10: Redis leaves (service, dependency env, volume)', () => {
    const kinds = at('2025.10.4')?.changes.map((c) => `${c.kind}:${c.service}`)
    expect(kinds).toEqual(
      expect.arrayContaining([
        'service-dropped:redis',
        'env-changed:server',
        'env-changed:worker',
        'volume-dropped:redis',
      ]),
    )
    expect(texts('2025.10.4')).toContain('server: environment drops AUTHENTIK_REDIS__HOST')
  })

  test('2025.12: the uploads mount moves from ./media to ./data, and the move is planned', () => {
    expect(texts('2025.12.6')).toContain(
      'server: mount /volume1/docker/authentik/media:/media becomes /volume1/docker/authentik/data:/data',
    )
    expect(at('2025.12.6')?.movesMedia).toBe(true)
    expect(steps.filter((s) => s.movesMedia).map((s) => s.version)).toEqual(['2025.12.6'])
  })

  test('2026.2: shm_size 512 MB on server and worker', () => {
    expect(texts('2026.2.0')).toEqual([
      'server: shm_size default → 512 MB',
      'worker: shm_size default → 512 MB',
    ])
  })

  test('every step links its release notes and names its image', () => {
    for (const step of steps) {
      expect(step.notesUrl).toMatch(
        /^https:\/\/docs\.goauthentik\.io\/docs\/releases\/20\d\d\.\d+$/,
      )
      expect(step.image).toBe(`ghcr.io/goauthentik/server:${step.version}`)
    }
    expect(steps.map((s) => s.from)).toEqual([
      '2025.6.3',
      ...steps.slice(0, -1).map((s) => s.version),
    ])
  })

  test('no secret value or stand-in reaches the plan', () => {
    expect(JSON.stringify(steps)).not.toMatch(/\\u0000|not-in-keychain/)
  })

  test('images and disk: present images cost nothing, missing ones are counted with the stated basis', async () => {
    const present = new Set(['ghcr.io/goauthentik/server:2025.8.6'])
    const plan = await planUpgrade(
      settings,
      '2025.6.3',
      { inspect: async (ref) => (present.has(ref) ? { sizeBytes: 123 } : null) },
      '2026.8.3',
    )
    expect(plan.images).toHaveLength(6)
    expect(plan.images[0]).toEqual({
      ref: 'ghcr.io/goauthentik/server:2025.8.6',
      present: true,
      sizeBytes: 123,
    })
    expect(plan.diskNeededBytes).toBe(5 * ASSUMED_IMAGE_BYTES)
    expect(plan.diskBasis).toMatch(/5 image\(s\) to download, counted at 1 GiB each/)
  })
})

describe('image override with {version}', () => {
  test('each release gets its own tag; a fixed override stays fixed', () => {
    const mirror = SettingsSchema.parse(
      sampleSettings('/srv/a', {
        imageOverrides: { authentik: 'registry.lan/goauthentik/server:{version}' },
      }),
    )
    expect(authentikImage({ ...mirror, authentikVersion: '2025.12.6' })).toBe(
      'registry.lan/goauthentik/server:2025.12.6',
    )
    const fixed = SettingsSchema.parse(
      sampleSettings('/srv/a', { imageOverrides: { authentik: 'registry.lan/ak:pinned' } }),
    )
    expect(authentikImage({ ...fixed, authentikVersion: '2025.12.6' })).toBe(
      'registry.lan/ak:pinned',
    )
  })

  test.each([
    'registry.lan/{version}/server:1',
    'registry.lan/server:{version}-{version}',
    'registry.lan/server:{ver}',
  ])('refused: %s', (ref) => {
    const parsed = SettingsSchema.safeParse(
      sampleSettings('/srv/a', { imageOverrides: { authentik: ref } }),
    )
    expect(parsed.success).toBe(false)
  })
})
