import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { buildStack, type StackSecrets } from '../../src/main/stack/catalogue'
import { canonicalJson, configHash } from '../../src/main/docker/config-hash'
import type { ServiceSpec } from '../../src/main/docker/model'
import { SettingsSchema, type SettingsInput } from '../../src/shared/settings'

// ---- arbitrary ServiceSpecs --------------------------------------------------------------------

const word = fc.string({ minLength: 1, maxLength: 12 })
const mount = fc.oneof(
  fc.record({ type: fc.constant('volume' as const), source: word, target: word }),
  fc.record(
    { type: fc.constant('bind' as const), source: word, target: word, readOnly: fc.boolean() },
    { requiredKeys: ['type', 'source', 'target'] },
  ),
)
const serviceSpec: fc.Arbitrary<ServiceSpec> = fc.record(
  {
    name: word,
    image: word,
    command: fc.array(word, { maxLength: 4 }),
    user: word,
    environment: fc.dictionary(word, fc.string({ maxLength: 20 }), { maxKeys: 8 }),
    secretEnv: fc.array(word, { maxLength: 3 }),
    mounts: fc.array(mount, { maxLength: 4 }),
    ports: fc.array(
      fc.record(
        {
          container: fc.integer({ min: 1, max: 65535 }),
          host: fc.integer({ min: 1, max: 65535 }),
          hostIp: fc.constantFrom('127.0.0.1', '0.0.0.0'),
        },
        { requiredKeys: ['container', 'host'] },
      ),
      { maxLength: 2 },
    ),
    healthcheck: fc.record({
      test: fc.array(word, { minLength: 1, maxLength: 3 }),
      intervalMs: fc.nat(),
      timeoutMs: fc.nat(),
      retries: fc.nat(10),
      startPeriodMs: fc.nat(),
    }),
    dependsOn: fc.array(word, { maxLength: 3 }),
    shmSizeBytes: fc.nat(),
    labels: fc.dictionary(word, word, { maxKeys: 5 }),
    networks: fc.array(fc.record({ name: word, aliases: fc.array(word, { maxLength: 2 }) }), {
      maxLength: 2,
    }),
    restart: fc.constantFrom('unless-stopped' as const, 'no' as const),
  },
  {
    requiredKeys: [
      'name',
      'image',
      'environment',
      'mounts',
      'ports',
      'dependsOn',
      'labels',
      'networks',
      'restart',
    ],
  },
)

// ---- helpers: reorder keys, enumerate and change leaves ------------------------------------------

type Json = string | number | boolean | null | Json[] | { [key: string]: Json }

/** The same value with every object's keys in an order chosen by `seed` (arrays untouched). */
function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => shuffleKeys(v, seed + i))
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
    const rotated = entries.map((_, i) => entries[(i + seed) % entries.length]!).reverse()
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>
    for (const [k, v] of rotated) out[k] = shuffleKeys(v, seed * 31 + k.length)
    return out
  }
  return value
}

type Path = (string | number)[]

function leaves(value: unknown, at: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...at, i]))
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, [...at, k]))
  }
  return [at]
}

/** A deep copy of `value` with the leaf at `path` changed to a different value of the same type. */
function changeLeaf(value: unknown, path: Path): unknown {
  const copy = structuredClone(value) as Json
  let parent = copy as Record<string | number, Json>
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, Json>
  const last = path[path.length - 1]!
  const old = parent[last]
  parent[last] = typeof old === 'string' ? `${old}x` : typeof old === 'number' ? old + 1 : !old
  return copy
}

describe('configHash', () => {
  test('is a sha256 hex digest', () => {
    fc.assert(
      fc.property(serviceSpec, (s) => {
        expect(configHash(s)).toMatch(/^[0-9a-f]{64}$/)
      }),
    )
  })

  test('does not depend on key order at any depth', () => {
    fc.assert(
      fc.property(serviceSpec, fc.nat(100), (s, seed) => {
        const reordered = shuffleKeys(s, seed) as ServiceSpec
        expect(configHash(reordered)).toBe(configHash(s))
      }),
      { numRuns: 300 },
    )
  })

  test('changes when any single value changes', () => {
    fc.assert(
      fc.property(serviceSpec, fc.nat(), (s, pick) => {
        const paths = leaves(s)
        fc.pre(paths.length > 0)
        const path = paths[pick % paths.length]!
        const changed = changeLeaf(s, path) as ServiceSpec
        expect(configHash(changed), path.join('.')).not.toBe(configHash(s))
      }),
      { numRuns: 500 },
    )
  })

  test('changes when an entry is added or removed, or array order changes', () => {
    fc.assert(
      fc.property(serviceSpec, word, (s, key) => {
        fc.pre(!(key in s.environment))
        expect(configHash({ ...s, environment: { ...s.environment, [key]: '' } })).not.toBe(
          configHash(s),
        )
      }),
    )
    const base: ServiceSpec = {
      name: 'worker',
      image: 'img',
      command: ['a', 'b'],
      environment: {},
      mounts: [],
      ports: [],
      dependsOn: [],
      labels: {},
      networks: [],
      restart: 'no',
    }
    expect(configHash({ ...base, command: ['b', 'a'] })).not.toBe(configHash(base))
    expect(configHash({ ...base, command: ['a'] })).not.toBe(configHash(base))
    expect(configHash({ ...base, user: 'root' })).not.toBe(configHash(base))
    // An undefined property is the same spec as an absent one.
    expect(configHash({ ...base, user: undefined })).toBe(configHash(base))
  })

  test('an own "__proto__" key stays data', () => {
    const env = JSON.parse('{"__proto__": "x"}') as Record<string, string>
    const base = { environment: env }
    expect(canonicalJson(base)).toBe('{"environment":{"__proto__":"x"}}')
  })
})

describe('configHash on built stacks: only affected services change', () => {
  const input: SettingsInput = {
    baseDomain: 'example.com',
    adminEmail: 'admin@example.com',
    smtp: {
      host: 'smtp.example.com',
      port: 587,
      username: '',
      from: 'auth@example.com',
      tls: 'starttls',
    },
    dataFolder: '/srv/authentik',
    timezone: 'UTC',
  }
  const secrets: StackSecrets = {
    postgresPassword: 'pg',
    authentikSecretKey: 'key',
    bootstrapPassword: 'bp',
    bootstrapToken: 'bt',
  }
  const hashes = (extra: Partial<SettingsInput>, s: StackSecrets = secrets) =>
    Object.fromEntries(
      buildStack(SettingsSchema.parse({ ...input, ...extra }), s).services.map((x) => [
        x.name,
        configHash(x),
      ]),
    )
  const changedServices = (a: Record<string, string>, b: Record<string, string>) =>
    Object.keys(a).filter((k) => a[k] !== b[k])

  test('same settings, same hashes', () => {
    expect(hashes({})).toEqual(hashes({}))
  })

  test.each<[string, Partial<SettingsInput>, string[]]>([
    ['SMTP host', { smtp: { ...input.smtp, host: 'mail.example.com' } }, ['server', 'worker']],
    ['domain (Traefik labels)', { baseDomain: 'example.org' }, ['server']],
    ['setup port', { publishSetupPort: true }, ['server']],
    ['time zone', { timezone: 'Europe/Berlin' }, ['postgresql']],
    ['version', { authentikVersion: '2025.6.3' }, ['server', 'worker']],
  ])('%s', (_what, extra, expected) => {
    expect(changedServices(hashes({}), hashes(extra))).toEqual(expected)
  })

  test('a rotated secret changes the services that read it', () => {
    expect(
      changedServices(hashes({}), hashes({}, { ...secrets, postgresPassword: 'pg2' })),
    ).toEqual(['postgresql', 'server', 'worker'])
    expect(changedServices(hashes({}), hashes({}, { ...secrets, smtpPassword: 'mail' }))).toEqual([
      'server',
      'worker',
    ])
  })
})
