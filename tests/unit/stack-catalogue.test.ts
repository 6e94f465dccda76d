import { authentikReleases } from '../../src/shared/authentik-releases'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  buildStack,
  catalogue,
  factsFor,
  projectNetworkName,
  type StackSecrets,
} from '../../src/main/stack/catalogue'
import type { ServiceSpec, StackSpec } from '../../src/main/docker/model'
import { GatehouseError } from '../../src/shared/errors'
import {
  SettingsSchema,
  smtpTlsModes,
  supportedAuthentikVersions,
  type AuthentikVersion,
  type Settings,
  type SettingsInput,
} from '../../src/shared/settings'

const input: SettingsInput = {
  baseDomain: 'example.com',
  adminEmail: 'admin@example.com',
  smtp: {
    host: 'smtp.example.com',
    port: 587,
    username: 'mailer',
    from: 'auth@example.com',
    tls: 'starttls',
  },
  dataFolder: '/volume1/docker/authentik',
  timezone: 'Europe/Berlin',
}

// Distinctive values, so a substring search cannot match anything by accident.
const secrets: StackSecrets = {
  postgresPassword: 'PgSecretValue0123456789abcdefghijklmnopqrstuvwxyzABCD',
  authentikSecretKey: 'AkSecretKeyValue0123456789abcdefghijklmnopqrstuvwxyzAB',
  bootstrapPassword: 'BootstrapPasswordValue0123456789abcdefghijklmnopqrstu',
  bootstrapToken: 'BootstrapTokenValue0123456789abcdefghijklmnopqrstuvwxy',
  smtpPassword: 'SmtpPasswordValue-typed-by-the-admin',
}

function settings(extra: Partial<SettingsInput> = {}): Settings {
  return SettingsSchema.parse({ ...input, ...extra })
}

function stackFor(
  version: AuthentikVersion,
  extra: Partial<SettingsInput> = {},
  s: StackSecrets = secrets,
) {
  return buildStack(settings({ ...extra, authentikVersion: version }), s)
}

function service(stack: StackSpec, name: string): ServiceSpec {
  const found = stack.services.find((s) => s.name === name)
  if (!found) throw new Error(`no service ${name}`)
  return found
}

describe('version facts', () => {
  test('2025.6.3 is the guide: Redis, /media, no shm_size, docker-compose.yml', () => {
    expect(factsFor('2025.6.3')).toEqual({
      version: '2025.6.3',
      redis: true,
      dataMount: { folder: 'media', target: '/media' },
      shmSizeBytes: undefined,
      upstreamComposeFile: 'docker-compose.yml',
    })
  })

  test('2026.8.3 follows 2026.5.6: no Redis, /data, 512 MB shm, compose.yml', () => {
    expect(factsFor('2026.8.3')).toEqual({
      version: '2026.8.3',
      redis: false,
      dataMount: { folder: 'data', target: '/data' },
      shmSizeBytes: 512 * 1024 * 1024,
      upstreamComposeFile: 'compose.yml',
    })
  })

  // Every row of src/shared/authentik-releases.ts, its facts written out by hand from the release
  // notes (API map §9), so a milestone moved in the table or in factsFor shows up here.
  test.each([
    [
      '2025.6.3',
      true,
      '/media',
      undefined,
      'docker-compose.yml',
      ['postgresql', 'redis', 'server', 'worker'],
    ],
    [
      '2025.8.6',
      true,
      '/media',
      undefined,
      'docker-compose.yml',
      ['postgresql', 'redis', 'server', 'worker'],
    ],
    [
      '2025.10.4',
      false,
      '/media',
      undefined,
      'docker-compose.yml',
      ['postgresql', 'server', 'worker'],
    ],
    [
      '2025.12.6',
      false,
      '/data',
      undefined,
      'docker-compose.yml',
      ['postgresql', 'server', 'worker'],
    ],
    ['2026.2.0', false, '/data', 536870912, 'compose.yml', ['postgresql', 'server', 'worker']],
    ['2026.5.6', false, '/data', 536870912, 'compose.yml', ['postgresql', 'server', 'worker']],
    ['2026.8.3', false, '/data', 536870912, 'compose.yml', ['postgresql', 'server', 'worker']],
  ] as const)(
    '%s: redis %s, uploads %s, shm %s, upstream %s',
    (v, redis, target, shm, file, names) => {
      const facts = factsFor(v)
      expect([
        facts.redis,
        facts.dataMount.target,
        facts.shmSizeBytes,
        facts.upstreamComposeFile,
      ]).toEqual([redis, target, shm, file])
      const stack = stackFor(v)
      expect(stack.services.map((s) => s.name)).toEqual(names)
      expect(service(stack, 'server').image).toBe(`ghcr.io/goauthentik/server:${v}`)
      expect(service(stack, 'worker').shmSizeBytes).toBe(shm)
    },
  )

  test('the table above is every supported release', () => {
    expect(authentikReleases.map((r) => r.version)).toEqual([
      '2025.6.3',
      '2025.8.6',
      '2025.10.4',
      '2025.12.6',
      '2026.2.0',
      '2026.5.6',
      '2026.8.3',
    ])
  })

  test('every supported version is in the catalogue', () => {
    expect(Object.keys(catalogue).sort()).toEqual([...supportedAuthentikVersions].sort())
  })
})

describe('buildStack', () => {
  test('2025.6.3: postgresql, redis, server, worker; Redis wired and awaited', () => {
    const stack = stackFor('2025.6.3')
    expect(stack.services.map((s) => s.name)).toEqual(['postgresql', 'redis', 'server', 'worker'])
    expect(stack.volumes).toEqual(['database', 'redis'])
    const redis = service(stack, 'redis')
    expect(redis.image).toBe('docker.io/library/redis:alpine')
    expect(redis.command).toEqual(['--save', '60', '1', '--loglevel', 'warning'])
    expect(redis.healthcheck?.test).toEqual(['CMD-SHELL', 'redis-cli ping | grep PONG'])
    expect(redis.mounts).toEqual([{ type: 'volume', source: 'redis', target: '/data' }])
    for (const name of ['server', 'worker']) {
      const s = service(stack, name)
      expect(s.image).toBe('ghcr.io/goauthentik/server:2025.6.3')
      expect(s.environment.AUTHENTIK_REDIS__HOST).toBe('redis')
      expect(s.dependsOn).toEqual(['postgresql', 'redis'])
      expect(s.mounts).toContainEqual({
        type: 'bind',
        source: '/volume1/docker/authentik/media',
        target: '/media',
      })
      expect(s.mounts.some((m) => m.target === '/data')).toBe(false)
      expect(s.shmSizeBytes).toBeUndefined()
    }
  })

  test('2026.8.3: no Redis anywhere, /data mount, shm_size 512 MB', () => {
    const stack = stackFor('2026.8.3')
    expect(stack.services.map((s) => s.name)).toEqual(['postgresql', 'server', 'worker'])
    expect(stack.volumes).toEqual(['database'])
    for (const name of ['server', 'worker']) {
      const s = service(stack, name)
      expect(s.image).toBe('ghcr.io/goauthentik/server:2026.8.3')
      expect(Object.keys(s.environment).filter((k) => k.includes('REDIS'))).toEqual([])
      expect(s.dependsOn).toEqual(['postgresql'])
      expect(s.mounts).toContainEqual({
        type: 'bind',
        source: '/volume1/docker/authentik/data',
        target: '/data',
      })
      expect(s.mounts.some((m) => m.target === '/media')).toBe(false)
      expect(s.shmSizeBytes).toBe(536870912)
    }
  })

  test('postgresql: image, named volume, pg_isready healthcheck, credentials', () => {
    const pg = service(stackFor('2026.8.3'), 'postgresql')
    expect(pg.image).toBe('docker.io/library/postgres:16-alpine')
    expect(pg.mounts).toEqual([
      { type: 'volume', source: 'database', target: '/var/lib/postgresql/data' },
    ])
    expect(pg.healthcheck).toEqual({
      test: ['CMD-SHELL', 'pg_isready -d $POSTGRES_DB -U $POSTGRES_USER'],
      intervalMs: 30_000,
      timeoutMs: 5_000,
      retries: 5,
      startPeriodMs: 20_000,
    })
    expect(pg.environment).toMatchObject({
      POSTGRES_PASSWORD: secrets.postgresPassword,
      POSTGRES_USER: 'authentik',
      POSTGRES_DB: 'authentik',
    })
    expect(pg.restart).toBe('unless-stopped')
  })

  test.each(supportedAuthentikVersions)(
    '%s: worker runs as root with the Docker socket, certs and templates',
    (v) => {
      const stack = stackFor(v)
      const worker = service(stack, 'worker')
      expect(worker.user).toBe('root')
      expect(worker.command).toEqual(['worker'])
      expect(worker.mounts).toContainEqual({
        type: 'bind',
        source: '/var/run/docker.sock',
        target: '/var/run/docker.sock',
      })
      expect(worker.mounts).toContainEqual({
        type: 'bind',
        source: '/volume1/docker/authentik/certs',
        target: '/certs',
      })
      expect(worker.mounts).toContainEqual({
        type: 'bind',
        source: '/volume1/docker/authentik/custom-templates',
        target: '/templates',
      })
      const server = service(stack, 'server')
      expect(server.user).toBeUndefined()
      expect(server.command).toEqual(['server'])
      expect(server.mounts.some((m) => m.source === '/var/run/docker.sock')).toBe(false)
    },
  )

  test.each(supportedAuthentikVersions)(
    '%s: only the server joins traefik, as authentik-server',
    (v) => {
      const stack = stackFor(v, { project: 'idp' })
      expect(stack.project).toBe('idp')
      expect(stack.externalNetwork).toBe('traefik')
      expect(service(stack, 'server').networks).toEqual([
        { name: 'idp_default', aliases: [] },
        { name: 'traefik', aliases: ['authentik-server'] },
      ])
      for (const s of stack.services.filter((x) => x.name !== 'server')) {
        expect(s.networks).toEqual([{ name: projectNetworkName('idp'), aliases: [] }])
      }
    },
  )

  test('the server carries the Traefik labels for auth.<domain> on port 9000', () => {
    const stack = stackFor('2026.8.3', { baseDomain: 'my-home.example.org' })
    expect(service(stack, 'server').labels).toEqual({
      'traefik.enable': 'true',
      'traefik.docker.network': 'traefik',
      'traefik.http.routers.authentik.rule': 'Host(`auth.my-home.example.org`)',
      'traefik.http.routers.authentik.entrypoints': 'websecure',
      'traefik.http.routers.authentik.service': 'authentik',
      'traefik.http.services.authentik.loadbalancer.server.port': '9000',
    })
    expect(service(stack, 'worker').labels).toEqual({})
    const other = buildStack(settings(), secrets, { traefikEntrypoint: 'https' })
    expect(service(other, 'server').labels['traefik.http.routers.authentik.entrypoints']).toBe(
      'https',
    )
  })

  test('port 9000 is published on 127.0.0.1 only when asked', () => {
    expect(service(stackFor('2026.8.3'), 'server').ports).toEqual([])
    expect(service(stackFor('2026.8.3', { publishSetupPort: true }), 'server').ports).toEqual([
      { container: 9000, host: 9000, hostIp: '127.0.0.1' },
    ])
  })

  test('bootstrap, database, e-mail and secret-key environment for server and worker', () => {
    const stack = stackFor('2026.8.3')
    for (const name of ['server', 'worker']) {
      expect(service(stack, name).environment).toEqual({
        AUTHENTIK_SECRET_KEY: secrets.authentikSecretKey,
        AUTHENTIK_POSTGRESQL__HOST: 'postgresql',
        AUTHENTIK_POSTGRESQL__USER: 'authentik',
        AUTHENTIK_POSTGRESQL__NAME: 'authentik',
        AUTHENTIK_POSTGRESQL__PASSWORD: secrets.postgresPassword,
        AUTHENTIK_BOOTSTRAP_PASSWORD: secrets.bootstrapPassword,
        AUTHENTIK_BOOTSTRAP_TOKEN: secrets.bootstrapToken,
        AUTHENTIK_BOOTSTRAP_EMAIL: 'admin@example.com',
        AUTHENTIK_EMAIL__HOST: 'smtp.example.com',
        AUTHENTIK_EMAIL__PORT: '587',
        AUTHENTIK_EMAIL__USERNAME: 'mailer',
        AUTHENTIK_EMAIL__PASSWORD: secrets.smtpPassword,
        AUTHENTIK_EMAIL__USE_TLS: 'true',
        AUTHENTIK_EMAIL__USE_SSL: 'false',
        AUTHENTIK_EMAIL__FROM: 'auth@example.com',
      })
    }
  })

  test('TLS modes map to USE_TLS / USE_SSL; no username or password means none set', () => {
    const env = (tls: (typeof smtpTlsModes)[number], s: StackSecrets = secrets) =>
      service(stackFor('2026.8.3', { smtp: { ...input.smtp, tls, username: '' } }, s), 'worker')
        .environment
    expect(env('tls')).toMatchObject({
      AUTHENTIK_EMAIL__USE_TLS: 'false',
      AUTHENTIK_EMAIL__USE_SSL: 'true',
    })
    expect(env('none')).toMatchObject({
      AUTHENTIK_EMAIL__USE_TLS: 'false',
      AUTHENTIK_EMAIL__USE_SSL: 'false',
    })
    const { smtpPassword: _unused, ...noSmtp } = secrets
    const bare = env('none', noSmtp)
    expect(bare.AUTHENTIK_EMAIL__USERNAME).toBeUndefined()
    expect(bare.AUTHENTIK_EMAIL__PASSWORD).toBeUndefined()
  })

  test('the time zone reaches PostgreSQL only: Authentik must run on UTC', () => {
    const stack = stackFor('2025.6.3')
    expect(service(stack, 'postgresql').environment.TZ).toBe('Europe/Berlin')
    for (const s of stack.services.filter((x) => x.name !== 'postgresql')) {
      expect(s.environment.TZ).toBeUndefined()
    }
  })

  test.each(supportedAuthentikVersions)(
    '%s: secrets appear only as environment values marked secret',
    (v) => {
      const stack = stackFor(v)
      const secretValues = Object.values(secrets)
      const withoutEnv = stack.services.map(({ environment: _env, ...rest }) => rest)
      for (const value of secretValues)
        expect(JSON.stringify({ ...stack, services: withoutEnv })).not.toContain(value)
      for (const s of stack.services) {
        const marked = new Set(s.secretEnv ?? [])
        for (const key of marked) expect(s.environment).toHaveProperty(key)
        for (const [key, value] of Object.entries(s.environment)) {
          if (secretValues.includes(value)) expect(marked.has(key), `${s.name}.${key}`).toBe(true)
          else expect(marked.has(key), `${s.name}.${key}`).toBe(false)
        }
      }
    },
  )

  test('image overrides replace images and hand the healthcheck to the image', () => {
    const stack = stackFor('2025.6.3', {
      imageOverrides: {
        postgresql: 'gh-test/pg:1',
        redis: 'gh-test/redis:1',
        authentik: 'gh-test/ak:1',
      },
    })
    expect(stack.services.map((s) => [s.name, s.image, s.healthcheck])).toEqual([
      ['postgresql', 'gh-test/pg:1', undefined],
      ['redis', 'gh-test/redis:1', undefined],
      ['server', 'gh-test/ak:1', undefined],
      ['worker', 'gh-test/ak:1', undefined],
    ])
    const partial = stackFor('2026.8.3', { imageOverrides: { authentik: 'gh-test/ak:1' } })
    expect(service(partial, 'postgresql').image).toBe('docker.io/library/postgres:16-alpine')
    expect(service(partial, 'postgresql').healthcheck).toBeDefined()
  })

  test('the working dir defaults to the folder the export writes, and can be set', () => {
    // compose's labels then name <data folder>/compose/docker-compose.yml, the file `stack export` writes.
    expect(stackFor('2026.8.3').workingDir).toBe('/volume1/docker/authentik/compose')
    expect(buildStack(settings(), secrets, { workingDir: '/home/ann/authentik' }).workingDir).toBe(
      '/home/ann/authentik',
    )
  })

  test('a missing secret is named, never shown', () => {
    let error: unknown
    try {
      buildStack(settings(), { ...secrets, bootstrapToken: '' })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(GatehouseError)
    expect((error as GatehouseError).message).toContain('bootstrapToken')
    expect(JSON.stringify((error as GatehouseError).toData())).not.toContain(
      secrets.postgresPassword,
    )
  })
})

// ---- property: any valid settings build a well-formed stack ----------------------------------

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/)
const tld = fc.stringMatching(/^[a-z]{2,6}$/)
const domain = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), tld)
  .map(([labels, top]) => [...labels, top].join('.'))
const email = fc
  .tuple(fc.stringMatching(/^[a-z0-9]{1,10}$/), domain)
  .map(([local, d]) => `${local}@${d}`)
const segment = fc
  .stringMatching(/^[A-Za-z0-9_$ -]{1,10}$/)
  .filter((s) => s.trim() !== '' && s.trim() === s)
const folder = fc
  .array(segment, { minLength: 1, maxLength: 4 })
  .map((parts) => `/${parts.join('/')}`)
const image = fc.stringMatching(/^[a-z0-9][a-z0-9./-]{0,20}:[A-Za-z0-9._-]{1,10}$/)
const secret = fc.stringMatching(/^[A-Za-z0-9]{1,60}$/)

const settingsInput: fc.Arbitrary<SettingsInput> = fc.record(
  {
    baseDomain: domain,
    adminEmail: email,
    smtp: fc.record({
      host: domain,
      port: fc.integer({ min: 1, max: 65535 }),
      username: fc.stringMatching(/^[A-Za-z0-9@._-]{0,20}$/),
      from: email,
      tls: fc.constantFrom(...smtpTlsModes),
    }),
    authentikVersion: fc.constantFrom(...supportedAuthentikVersions),
    dataFolder: folder,
    timezone: fc.constantFrom(
      'UTC',
      'Europe/Berlin',
      'America/New_York',
      'Asia/Tokyo',
      'Australia/Lord_Howe',
    ),
    publishSetupPort: fc.boolean(),
    project: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/),
    imageOverrides: fc.record(
      { postgresql: image, redis: image, authentik: image },
      { requiredKeys: [] },
    ),
    docker: fc.record(
      { endpoint: fc.constantFrom('unix:///var/run/docker.sock', 'tcp://nas:2375') },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['baseDomain', 'adminEmail', 'smtp', 'dataFolder', 'timezone'] },
)

const secretsArb: fc.Arbitrary<StackSecrets> = fc.record(
  {
    postgresPassword: secret,
    authentikSecretKey: secret,
    bootstrapPassword: secret,
    bootstrapToken: secret,
    smtpPassword: fc.string({ maxLength: 30 }),
  },
  {
    requiredKeys: ['postgresPassword', 'authentikSecretKey', 'bootstrapPassword', 'bootstrapToken'],
  },
)

/** Names of services on a dependency cycle, or [] (depth-first search with colours). */
function cycle(services: readonly ServiceSpec[]): string[] {
  const deps = new Map(services.map((s) => [s.name, s.dependsOn]))
  const state = new Map<string, 'visiting' | 'done'>()
  const stack: string[] = []
  const visit = (name: string): string[] => {
    if (state.get(name) === 'done') return []
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name]
    state.set(name, 'visiting')
    stack.push(name)
    for (const d of deps.get(name) ?? []) {
      const found = visit(d)
      if (found.length) return found
    }
    stack.pop()
    state.set(name, 'done')
    return []
  }
  for (const s of services) {
    const found = visit(s.name)
    if (found.length) return found
  }
  return []
}

describe('buildStack properties', () => {
  test('never throws for valid settings; dependencies exist, no cycle, names and mounts consistent', () => {
    fc.assert(
      fc.property(settingsInput, secretsArb, (raw, s) => {
        const parsed = SettingsSchema.safeParse(raw)
        expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true)
        if (!parsed.success) return
        const stack = buildStack(parsed.data, s)
        const names = stack.services.map((x) => x.name)
        expect(new Set(names).size).toBe(names.length)
        for (const svc of stack.services) {
          for (const dep of svc.dependsOn) expect(names).toContain(dep)
          for (const m of svc.mounts) {
            if (m.type === 'volume') expect(stack.volumes).toContain(m.source)
            else expect(m.source.startsWith('/')).toBe(true)
          }
          for (const n of svc.networks) {
            expect([projectNetworkName(stack.project), stack.externalNetwork]).toContain(n.name)
          }
        }
        expect(cycle(stack.services)).toEqual([])
        expect(names.includes('redis')).toBe(catalogue[parsed.data.authentikVersion].redis)
      }),
      { numRuns: 300 },
    )
  })

  test('the cycle check itself finds a cycle', () => {
    const base = service(stackFor('2026.8.3'), 'postgresql')
    expect(
      cycle([
        { ...base, name: 'a', dependsOn: ['b'] },
        { ...base, name: 'b', dependsOn: ['a'] },
      ]),
    ).toEqual(['a', 'b', 'a'])
  })
})
