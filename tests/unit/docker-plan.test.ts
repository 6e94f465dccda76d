import { describe, expect, test } from 'vitest'
import { configHash } from '../../src/main/docker/config-hash'
import { containerPlan, networkAttachments } from '../../src/main/docker/containers'
import { startOrder, stopWaves, validateStack } from '../../src/main/docker/order'
import { createPullFold, type PullEvent } from '../../src/main/docker/pull-progress'
import { classifyPullFailure } from '../../src/main/docker/pull'
import { redact } from '../../src/main/docker/health'
import type { ServiceSpec, StackSpec } from '../../src/main/docker/model'
import { GatehouseError } from '../../src/shared/errors'

/** The pure parts of the Docker lifecycle: plans, order, hashes and the pull progress fold. */

const svc = (name: string, extra: Partial<ServiceSpec> = {}): ServiceSpec => ({
  name,
  image: 'ghcr.io/goauthentik/server:2026.8.3',
  environment: {},
  mounts: [],
  ports: [],
  dependsOn: [],
  labels: {},
  networks: [],
  restart: 'unless-stopped',
  ...extra,
})

const stack = (services: ServiceSpec[], volumes: string[] = []): StackSpec => ({
  project: 'authentik',
  workingDir: '/srv/authentik',
  externalNetwork: 'traefik',
  volumes,
  services,
})

describe('configHash', () => {
  test('ignores key order, sees every value change', () => {
    const a = svc('server', { environment: { A: '1', B: '2' }, labels: { x: 'y' } })
    const b: ServiceSpec = { ...a, labels: { x: 'y' }, environment: { B: '2', A: '1' } }
    expect(configHash(a)).toBe(configHash(b))
    expect(configHash(a)).toMatch(/^[0-9a-f]{64}$/)
    expect(configHash({ ...a, environment: { A: '1', B: '3' } })).not.toBe(configHash(a))
    expect(configHash({ ...a, command: ['a', 'b'] })).not.toBe(
      configHash({ ...a, command: ['b', 'a'] }),
    )
  })
})

describe('containerPlan', () => {
  const server = svc('server', {
    command: ['server'],
    user: 'root',
    environment: { Z: 'last', A: 'first' },
    labels: { 'traefik.enable': 'true', 'com.docker.compose.project': 'forged' },
    mounts: [
      { type: 'volume', source: 'media', target: '/media' },
      {
        type: 'bind',
        source: '/var/run/docker.sock',
        target: '/var/run/docker.sock',
        readOnly: true,
      },
    ],
    ports: [
      { container: 9000, host: 9000, hostIp: '127.0.0.1' },
      { container: 9443, host: 9443 },
    ],
    healthcheck: {
      test: ['CMD', 'ak', 'healthcheck'],
      intervalMs: 30_000,
      timeoutMs: 10_000,
      retries: 3,
      startPeriodMs: 60_000,
    },
    shmSizeBytes: 512,
    networks: [
      { name: 'traefik', aliases: ['authentik-server'] },
      { name: 'default', aliases: [] },
    ],
  })
  const plan = containerPlan(stack([server], ['media']), server, 'h')

  test('compose names, labels (not forgeable), env sorted', () => {
    expect(plan.name).toBe('authentik_server_1')
    expect(plan.create.Labels).toMatchObject({
      'traefik.enable': 'true',
      'com.docker.compose.project': 'authentik',
      'com.docker.compose.service': 'server',
      'com.docker.compose.container-number': '1',
      'com.docker.compose.oneoff': 'False',
      'com.docker.compose.config-hash': 'h',
      'com.docker.compose.project.working_dir': '/srv/authentik',
      'com.docker.compose.project.config_files': '/srv/authentik/docker-compose.yml',
      'com.docker.compose.version': '1.29.2',
    })
    expect(plan.create.Env).toEqual(['A=first', 'Z=last'])
    expect(plan.create.Cmd).toEqual(['server'])
    expect(plan.create.User).toBe('root')
  })

  test('healthcheck in nanoseconds, shm, restart, ports, binds', () => {
    expect(plan.create.Healthcheck).toEqual({
      Test: ['CMD', 'ak', 'healthcheck'],
      Interval: 30e9,
      Timeout: 10e9,
      Retries: 3,
      StartPeriod: 60e9,
    })
    expect(plan.create.HostConfig).toMatchObject({
      ShmSize: 512,
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
      Binds: ['authentik_media:/media:rw', '/var/run/docker.sock:/var/run/docker.sock:ro'],
      PortBindings: {
        '9000/tcp': [{ HostIp: '127.0.0.1', HostPort: '9000' }],
        '9443/tcp': [{ HostIp: '', HostPort: '9443' }],
      },
    })
    expect(plan.create.ExposedPorts).toEqual({ '9000/tcp': {}, '9443/tcp': {} })
  })

  test('project network first with the service name; shared network with its aliases only', () => {
    expect(plan.create.HostConfig?.NetworkMode).toBe('authentik_default')
    expect(plan.create.NetworkingConfig).toEqual({
      EndpointsConfig: { authentik_default: { Aliases: ['server'] } },
    })
    expect(plan.connectLater).toEqual([{ network: 'traefik', aliases: ['authentik-server'] }])
    // No networks listed: compose's default network.
    expect(networkAttachments('authentik', svc('redis'))).toEqual([
      { network: 'authentik_default', aliases: ['redis'] },
    ])
  })
})

describe('dependency order', () => {
  const spec = stack([
    svc('worker', { dependsOn: ['postgresql', 'redis'] }),
    svc('server', { dependsOn: ['postgresql', 'redis'] }),
    svc('redis'),
    svc('postgresql'),
  ])

  test('starts dependencies first and stops dependents first', () => {
    expect(startOrder(spec).map((s) => s.name)).toEqual(['postgresql', 'redis', 'server', 'worker'])
    expect(stopWaves(spec).map((w) => w.map((s) => s.name))).toEqual([
      ['worker', 'server'],
      ['redis', 'postgresql'],
    ])
  })

  test('rejects loops, unknown dependencies, undeclared volumes and duplicates', () => {
    const cases: StackSpec[] = [
      stack([svc('a', { dependsOn: ['b'] }), svc('b', { dependsOn: ['a'] })]),
      stack([svc('a', { dependsOn: ['ghost'] })]),
      stack([svc('a', { mounts: [{ type: 'volume', source: 'data', target: '/d' }] })]),
      stack([svc('a'), svc('a')]),
    ]
    for (const bad of cases) {
      let error: unknown
      try {
        validateStack(bad)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(GatehouseError)
      expect((error as GatehouseError).code).toBe('STACK_INVALID')
    }
  })
})

describe('pull progress fold', () => {
  const d = (current: number, total: number) => ({ current, total })
  test('folds per-layer events into one monotone figure', () => {
    const fold = createPullFold('x:1')
    const events: PullEvent[] = [
      { status: 'Pulling from x', id: '1' },
      { status: 'Already exists', id: 'base' },
      { status: 'Pulling fs layer', id: 'a' },
      { status: 'Pulling fs layer', id: 'b' },
      { status: 'Downloading', id: 'a', progressDetail: d(100, 1000) },
      { status: 'Downloading', id: 'b', progressDetail: d(50, 500) },
      { status: 'Downloading', id: 'a', progressDetail: d(900, 1000) },
      { status: 'Download complete', id: 'b' },
      { status: 'Verifying Checksum', id: 'a' },
      { status: 'Download complete', id: 'a' },
      { status: 'Extracting', id: 'a', progressDetail: d(500, 1000) },
      { status: 'Pull complete', id: 'a' },
      { status: 'Extracting', id: 'b', progressDetail: d(500, 500) },
      { status: 'Pull complete', id: 'b' },
      { status: 'Digest: sha256:abc' },
      { status: 'Status: Downloaded newer image for x:1' },
    ]
    const seen = events.map((e) => {
      fold.apply(e)
      return fold.snapshot()
    })
    expect(seen[1]).toMatchObject({ phase: 'resolving', layersDone: 1, layersTotal: 1 })
    expect(seen[4]).toMatchObject({
      phase: 'downloading',
      bytesDone: 100,
      bytesTotal: 1000,
      layersTotal: 3,
    })
    expect(seen[6]).toMatchObject({ bytesDone: 950, bytesTotal: 1500 })
    expect(seen[9]).toMatchObject({ phase: 'extracting', bytesDone: 1500 })
    expect(seen[13]).toMatchObject({ layersDone: 3, layersTotal: 3, bytesDone: 1500 })
    for (let i = 1; i < seen.length; i += 1) {
      expect(seen[i]?.percent).toBeGreaterThanOrEqual(seen[i - 1]?.percent ?? 0)
      expect(seen[i]?.bytesDone).toBeGreaterThanOrEqual(seen[i - 1]?.bytesDone ?? 0)
    }
    expect(fold.finish()).toMatchObject({ phase: 'complete', percent: 100 })
    expect(fold.error).toBeUndefined()
  })

  test('keeps the error event', () => {
    const fold = createPullFold('x:1')
    fold.apply({
      error: 'boom',
      errorDetail: { message: 'write /var/lib/docker/x: no space left on device' },
    })
    expect(fold.error).toContain('no space left')
  })

  test('classifies the engine messages', () => {
    expect(
      classifyPullFailure(
        'manifest for 127.0.0.1:5055/x:1 not found: manifest unknown: manifest unknown',
      ),
    ).toBe('not-found')
    expect(
      classifyPullFailure(
        'pull access denied for x, repository does not exist or may require docker login',
      ),
    ).toBe('not-found')
    expect(
      classifyPullFailure(
        'Get "http://127.0.0.1:5056/v2/": dial tcp 127.0.0.1:5056: connect: connection refused',
      ),
    ).toBe('registry-unreachable')
    expect(
      classifyPullFailure(
        'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.0.0.1:53: no such host',
      ),
    ).toBe('registry-unreachable')
    expect(classifyPullFailure('failed to register layer: write /x: no space left on device')).toBe(
      'disk-full',
    )
  })
})

test('redact blanks the secretEnv values, or without it every value of 8+ characters', () => {
  const env = { PW: 'hunter2hunter2', PORT: '5432', HOST: 'postgresql', PIN: '1234' }
  const line = 'pw=hunter2hunter2 port=5432 host=postgresql pin=1234'
  expect(redact(line, svc('x', { environment: env }))).toBe('pw=*** port=5432 host=*** pin=1234')
  expect(redact(line, svc('x', { environment: env, secretEnv: ['PW', 'PIN'] }))).toBe(
    'pw=*** port=5432 host=postgresql pin=***',
  )
})
