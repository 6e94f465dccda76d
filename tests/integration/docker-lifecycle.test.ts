import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ContainerInspectInfo } from 'dockerode'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { containerName, projectNetworkName } from '../../src/main/docker/compose'
import { configHash } from '../../src/main/docker/config-hash'
import type Docker from 'dockerode'
import { createDockerEngine, type DockerEngine } from '../../src/main/docker/engine'
import { engineKinds, engineTarget } from '../support/engine-targets'
import { exec } from '../../src/main/docker/exec'
import { down, restart, status, stop, up } from '../../src/main/docker/lifecycle'
import { ensureNetwork, findNetwork, removeNetworkIfCreated } from '../../src/main/docker/network'
import type { StackProgress } from '../../src/main/docker/progress'
import { pullImage } from '../../src/main/docker/pull'
import { ensureVolumes, removeVolumes } from '../../src/main/docker/volumes'
import type { ServiceSpec, StackSpec } from '../../src/main/docker/model'
import { ensureBusyboxImage } from '../support/images'
import { freePort, occupyPort } from '../support/ports'
import { removeProjectResources, removeTestNetwork, testProject } from '../support/stack-resources'
import { caught } from '../support/caught'

/**
 * The stack lifecycle against the real engine, on small busybox images standing in for
 * PostgreSQL and the Authentik server. Every resource belongs to a random "ghtest…" project or
 * has a random name, and only those are removed afterwards.
 */

// Set per transport by the describe.each below (local socket, then ssh://).
let engine: DockerEngine
let api: Docker
const projects: string[] = []
const networks: string[] = []
let image: string

const DB_PASSWORD = 'DbPasswordNeverShown0123456789'
const SECRET_KEY = 'SecretKeyNeverShownAbcdefghij'

/** A long-running shell that exits at once on SIGTERM (PID 1 ignores signals without a handler). */
const idle = 'while :; do sleep 1 & wait $!; done'

function newProject(): string {
  const project = testProject()
  projects.push(project)
  return project
}

function postgresLike(): ServiceSpec {
  return {
    name: 'postgresql',
    image,
    command: [
      'sh',
      '-c',
      [
        "trap 'exit 0' TERM",
        'echo "database system is starting"',
        'echo "warning: running a stand-in" >&2',
        'mkdir -p /tmp/www && echo pong > /tmp/www/ping',
        'httpd -f -p 5432 -h /tmp/www &',
        'sleep 0.3',
        'echo "database system is ready to accept connections"',
        idle,
      ].join('\n'),
    ],
    environment: { POSTGRES_PASSWORD: DB_PASSWORD, POSTGRES_USER: 'authentik' },
    mounts: [{ type: 'volume', source: 'database', target: '/var/lib/postgresql/data' }],
    ports: [],
    healthcheck: {
      test: ['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1:5432/ping'],
      intervalMs: 250,
      timeoutMs: 2000,
      retries: 20,
      startPeriodMs: 10_000,
    },
    dependsOn: [],
    shmSizeBytes: 128 * 1024 * 1024,
    labels: {},
    networks: [{ name: 'default', aliases: [] }],
    restart: 'unless-stopped',
  }
}

function serverLike(o: {
  external: string
  alias: string
  port: number
  bindDir: string
  env?: Record<string, string>
}): ServiceSpec {
  return {
    name: 'server',
    image,
    command: [
      'sh',
      '-c',
      [
        "trap 'exit 0' TERM",
        'mkdir -p /tmp/www && echo ok > /tmp/www/health',
        'httpd -f -p 9000 -h /tmp/www &',
        idle,
      ].join('\n'),
    ],
    user: '1000:1000',
    environment: {
      AUTHENTIK_SECRET_KEY: SECRET_KEY,
      AUTHENTIK_POSTGRESQL__HOST: 'postgresql',
      ...o.env,
    },
    mounts: [
      { type: 'volume', source: 'media', target: '/media' },
      { type: 'bind', source: o.bindDir, target: '/data', readOnly: true },
    ],
    ports: [{ container: 9000, host: o.port, hostIp: '127.0.0.1' }],
    // Healthy only when the database answers under its service name on the project network.
    healthcheck: {
      test: [
        'CMD-SHELL',
        'wget -q -O /dev/null http://postgresql:5432/ping && wget -q -O /dev/null http://127.0.0.1:9000/health',
      ],
      intervalMs: 250,
      timeoutMs: 2000,
      retries: 20,
      startPeriodMs: 10_000,
    },
    dependsOn: ['postgresql'],
    labels: {
      'traefik.enable': 'true',
      'traefik.http.routers.gatehouse.rule': 'Host(`auth.example.test`)',
      // A service label cannot forge compose's own.
      'com.docker.compose.project': 'forged',
    },
    networks: [
      { name: 'default', aliases: [] },
      { name: o.external, aliases: [o.alias] },
    ],
    restart: 'unless-stopped',
  }
}

async function inspect(project: string, service: string): Promise<ContainerInspectInfo> {
  return api.getContainer(containerName(project, service)).inspect()
}

describe.each(engineKinds)('over %s', (kind) => {
  const target = engineTarget(kind)

  beforeAll(async () => {
    await target.setup()
    engine = target.engine()
    api = engine.api
    // No engine, no images: the suite fails here instead of skipping.
    await engine.ping()
    image = await ensureBusyboxImage(api)
  })

  afterAll(async () => {
    for (const project of projects) await removeProjectResources(api, project)
    for (const name of networks) await removeTestNetwork(api, name)
    projects.length = 0
    networks.length = 0
    await target.dispose()
  })

  describe('networks', () => {
    test('a missing network is created with the Gatehouse label; an existing one is accepted and never removed', async () => {
      const fresh = `${testProject()}-proxy`
      networks.push(fresh)
      const first = await ensureNetwork(engine, fresh)
      expect(first.created).toBe(true)
      expect((await findNetwork(engine, fresh))?.Labels).toMatchObject({
        'io.gatehouse.created': 'true',
      })
      expect((await ensureNetwork(engine, fresh)).created).toBe(false)
      expect((await ensureNetwork(engine, fresh)).id).toBe(first.id)

      // Stands for an admin's own `traefik` network: made without our label.
      const foreign = `${testProject()}-traefik`
      networks.push(foreign)
      await api.createNetwork({ Name: foreign, CheckDuplicate: true })
      expect((await ensureNetwork(engine, foreign)).created).toBe(false)
      expect(await removeNetworkIfCreated(engine, foreign)).toEqual({
        name: foreign,
        removed: false,
        reason: 'not-created-by-gatehouse',
      })
      expect(await findNetwork(engine, foreign)).toBeDefined()

      expect(await removeNetworkIfCreated(engine, fresh)).toEqual({ name: fresh, removed: true })
      expect(await findNetwork(engine, fresh)).toBeUndefined()
    })
  })

  describe('stack lifecycle', () => {
    const project = newProject()
    const external = `${project}-traefik`
    const alias = `${project}-authentik-server`
    const bindDir = mkdtempSync(join(tmpdir(), 'gh-bind-'))
    let port: number
    let spec: StackSpec
    let ids: Record<string, string> = {}

    const makeSpec = (env?: Record<string, string>): StackSpec => ({
      project,
      workingDir: join(tmpdir(), project),
      externalNetwork: external,
      volumes: ['database', 'media'],
      // Listed dependent-first on purpose: the lifecycle orders by dependsOn.
      services: [serverLike({ external, alias, port, bindDir, env }), postgresLike()],
    })

    beforeAll(async () => {
      port = await freePort()
      // mkdtemp makes a 0700 folder; the server runs as uid 1000 and must read it.
      chmodSync(bindDir, 0o755)
      writeFileSync(join(bindDir, 'hello.txt'), 'from the host\n', { mode: 0o644 })
      // The pre-existing reverse-proxy network.
      networks.push(external)
      await api.createNetwork({ Name: external, CheckDuplicate: true })
      spec = makeSpec()
    })
    afterAll(() => {
      rmSync(bindDir, { recursive: true, force: true })
      rmSync(spec.workingDir, { recursive: true, force: true })
    })

    test('up: network → volumes → images → containers in dependency order, then healthy', async () => {
      const events: StackProgress[] = []
      const result = await up(engine, spec, {
        onProgress: (e) => events.push(e),
        stopTimeoutSec: 2,
      })

      const steps = events.map((e) => e.step)
      const lastIndex = (step: string) => steps.lastIndexOf(step as StackProgress['step'])
      expect(lastIndex('network')).toBeLessThan(steps.indexOf('volumes'))
      expect(lastIndex('volumes')).toBeLessThan(steps.indexOf('images'))
      expect(lastIndex('images')).toBeLessThan(steps.indexOf('containers'))
      expect(events.filter((e) => e.step === 'network')).toEqual([
        { step: 'network', network: projectNetworkName(project), created: true },
        { step: 'network', network: external, created: false },
      ])
      expect(
        events.filter((e) => e.step === 'volumes').map((e) => e.step === 'volumes' && e.created),
      ).toEqual([true, true])
      expect(events).toContainEqual({
        step: 'images',
        image,
        progress: expect.objectContaining({ phase: 'present' }),
      })
      // The server is created only after the database is ready.
      const dbReady = events.findIndex(
        (e) => e.step === 'healthy' && e.service === 'postgresql' && e.health === 'ready',
      )
      const serverCreated = events.findIndex(
        (e) => e.step === 'containers' && e.service === 'server',
      )
      expect(dbReady).toBeGreaterThan(-1)
      expect(serverCreated).toBeGreaterThan(dbReady)
      expect(events.at(-1)).toEqual({ step: 'healthy', service: 'server', health: 'ready' })
      expect(result.services.map((s) => [s.service, s.action])).toEqual([
        ['postgresql', 'created'],
        ['server', 'created'],
      ])
      ids = Object.fromEntries(result.services.map((s) => [s.service, s.containerId]))

      // What compose 1.29 would have written.
      const server = await inspect(project, 'server')
      expect(server.Name).toBe(`/${project}_server_1`)
      expect(server.Config.Labels).toMatchObject({
        'com.docker.compose.project': project,
        'com.docker.compose.service': 'server',
        'com.docker.compose.container-number': '1',
        'com.docker.compose.oneoff': 'False',
        'com.docker.compose.config-hash': configHash(spec.services[0] as ServiceSpec),
        'com.docker.compose.project.working_dir': spec.workingDir,
        'com.docker.compose.project.config_files': join(spec.workingDir, 'docker-compose.yml'),
        'com.docker.compose.version': '1.29.2',
        'traefik.enable': 'true',
      })
      expect(server.Config.User).toBe('1000:1000')
      expect(server.Config.Healthcheck).toMatchObject({
        Interval: 250_000_000,
        Timeout: 2_000_000_000,
        Retries: 20,
        StartPeriod: 10_000_000_000,
      })
      expect(server.HostConfig.RestartPolicy?.Name).toBe('unless-stopped')
      expect(server.HostConfig.PortBindings).toEqual({
        '9000/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }],
      })
      expect(server.HostConfig.Binds).toEqual([`${project}_media:/media:rw`, `${bindDir}:/data:ro`])
      expect(server.NetworkSettings.Networks[projectNetworkName(project)]?.Aliases).toEqual(
        expect.arrayContaining(['server']),
      )
      const onProxy = server.NetworkSettings.Networks[external]?.Aliases ?? []
      expect(onProxy).toContain(alias)
      expect(onProxy).not.toContain('server')
      const db = await inspect(project, 'postgresql')
      expect(db.HostConfig.ShmSize).toBe(128 * 1024 * 1024)
      expect(Object.keys(db.NetworkSettings.Networks)).toEqual([projectNetworkName(project)])

      const volumes = await api.listVolumes({
        filters: { label: [`com.docker.compose.project=${project}`] },
      })
      expect(
        volumes.Volumes.map((v) => [v.Name, v.Labels['com.docker.compose.volume']]).sort(),
      ).toEqual([
        [`${project}_database`, 'database'],
        [`${project}_media`, 'media'],
      ])
      expect((await findNetwork(engine, projectNetworkName(project)))?.Labels).toMatchObject({
        'com.docker.compose.project': project,
        'com.docker.compose.network': 'default',
        'com.docker.compose.version': '1.29.2',
        'io.gatehouse.created': 'true',
      })

      // The alias resolves on the proxy network (the guide's middleware address), the port is published.
      const viaAlias = await exec(engine, containerName(project, 'server'), [
        'wget',
        '-q',
        '-O',
        '-',
        `http://${alias}:9000/health`,
      ])
      expect(viaAlias).toEqual({ exitCode: 0, stdout: 'ok\n', stderr: '' })
      expect(await (await fetch(`http://127.0.0.1:${port}/health`)).text()).toBe('ok\n')
      const whoAndData = await exec(engine, containerName(project, 'server'), [
        'sh',
        '-c',
        'id -u; cat /data/hello.txt',
      ])
      expect(whoAndData.stdout).toBe('1000\nfrom the host\n')

      const st = await status(engine, spec)
      expect(st.map((s) => [s.service, s.state, s.health, s.exists, s.upToDate])).toEqual([
        ['server', 'running', 'healthy', true, true],
        ['postgresql', 'running', 'healthy', true, true],
      ])
      for (const s of st) {
        expect(s.image).toBe(image)
        expect(Date.parse(s.startedAt ?? '')).toBeGreaterThan(Date.now() - 120_000)
        expect(s.uptimeMs).toBeGreaterThanOrEqual(0)
      }
    })

    test("docker-compose 1.29 recognises the containers as its project's services", () => {
      // A minimal compose file naming the same services: compose matches containers by labels.
      mkdirSync(spec.workingDir, { recursive: true })
      writeFileSync(
        join(spec.workingDir, 'docker-compose.yml'),
        [
          "version: '3.4'",
          'services:',
          '  postgresql:',
          `    image: ${image}`,
          '  server:',
          `    image: ${image}`,
          '',
        ].join('\n'),
      )
      const ps = spawnSync('docker-compose', ['-p', project, 'ps'], {
        cwd: spec.workingDir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      })
      expect(ps.status, ps.stderr).toBe(0)
      expect(ps.stdout).toMatch(new RegExp(`${project}_postgresql_1 .*Up \\(healthy\\)`))
      expect(ps.stdout).toMatch(new RegExp(`${project}_server_1 .*Up \\(healthy\\)`))
    })

    test('up on the running, unchanged stack changes nothing', async () => {
      const events: StackProgress[] = []
      const result = await up(engine, spec, { onProgress: (e) => events.push(e) })
      expect(result.services.map((s) => [s.service, s.action, s.containerId])).toEqual([
        ['postgresql', 'unchanged', ids.postgresql],
        ['server', 'unchanged', ids.server],
      ])
      expect(events.filter((e) => 'created' in e && e.created)).toEqual([])
      const st = await status(engine, spec)
      expect(st.every((s) => s.state === 'running' && s.health === 'healthy')).toBe(true)
    })

    test('a changed environment value recreates that service and nothing else', async () => {
      spec = makeSpec({ AUTHENTIK_LOG_LEVEL: 'debug' })
      const result = await up(engine, spec, { stopTimeoutSec: 2 })
      const byService = Object.fromEntries(result.services.map((s) => [s.service, s]))
      expect(byService.postgresql).toMatchObject({
        action: 'unchanged',
        containerId: ids.postgresql,
      })
      expect(byService.server?.action).toBe('recreated')
      expect(byService.server?.containerId).not.toBe(ids.server)
      expect((await inspect(project, 'server')).Config.Env).toContain('AUTHENTIK_LOG_LEVEL=debug')
      expect((await inspect(project, 'postgresql')).Id).toBe(ids.postgresql)
      ids = { ...ids, server: byService.server?.containerId ?? '' }
      expect((await status(engine, spec)).every((s) => s.upToDate && s.health === 'healthy')).toBe(
        true,
      )
    })

    test('stop keeps the containers; restart starts the same ones and waits for health', async () => {
      const marker = await exec(engine, containerName(project, 'postgresql'), [
        'sh',
        '-c',
        'echo kept > /var/lib/postgresql/data/marker',
      ])
      expect(marker.exitCode).toBe(0)

      await stop(engine, spec, { stopTimeoutSec: 2 })
      const stopped = await status(engine, spec)
      expect(stopped.map((s) => [s.service, s.state, s.exists, s.uptimeMs])).toEqual([
        ['server', 'exited', true, null],
        ['postgresql', 'exited', true, null],
      ])

      const result = await restart(engine, spec, { stopTimeoutSec: 2 })
      expect(result.services.map((s) => [s.service, s.action, s.containerId])).toEqual([
        ['postgresql', 'started', ids.postgresql],
        ['server', 'started', ids.server],
      ])
      expect((await status(engine, spec)).every((s) => s.health === 'healthy')).toBe(true)
    })

    test('down removes the containers and keeps volumes (with their data) and networks', async () => {
      const events: StackProgress[] = []
      const result = await down(engine, spec, {
        stopTimeoutSec: 2,
        onProgress: (e) => events.push(e),
      })
      expect([...result.removed].sort()).toEqual([`${project}_postgresql_1`, `${project}_server_1`])
      // Dependents go first.
      const removedOrder = events.filter((e) => e.step === 'containers' && e.action === 'removed')
      expect(removedOrder.map((e) => e.step === 'containers' && e.service)).toEqual([
        'server',
        'postgresql',
      ])
      expect((await status(engine, spec)).map((s) => [s.service, s.exists, s.state])).toEqual([
        ['server', false, 'missing'],
        ['postgresql', false, 'missing'],
      ])
      expect(await findNetwork(engine, projectNetworkName(project))).toBeDefined()
      expect(await findNetwork(engine, external)).toBeDefined()
      expect(
        (await ensureVolumes(engine, project, ['database', 'media'])).map((v) => v.created),
      ).toEqual([false, false])

      // Up again: the volume still holds what the database wrote.
      await up(engine, spec, { stopTimeoutSec: 2 })
      const kept = await exec(engine, containerName(project, 'postgresql'), [
        'cat',
        '/var/lib/postgresql/data/marker',
      ])
      expect(kept).toEqual({ exitCode: 0, stdout: 'kept\n', stderr: '' })
      await down(engine, spec, { stopTimeoutSec: 2 })
    })

    test('volumes are removed only when listed, and only those of the project', async () => {
      // Same naming scheme, but not ours: made without compose labels.
      const foreign = `${project}_foreign`
      await api.createVolume({ Name: foreign })
      try {
        const result = await removeVolumes(engine, project, ['database', 'foreign', 'nonexistent'])
        expect(result).toEqual([
          { name: `${project}_database`, removed: true },
          { name: foreign, removed: false, reason: 'not-in-project' },
          { name: `${project}_nonexistent`, removed: false, reason: 'missing' },
        ])
        const left = await api.listVolumes({
          filters: { label: [`com.docker.compose.project=${project}`] },
        })
        expect(left.Volumes.map((v) => v.Name)).toEqual([`${project}_media`])
      } finally {
        await api.getVolume(foreign).remove()
      }
    })
  })

  describe('failures', () => {
    test('a service that never turns healthy fails with STACK_UNHEALTHY, its name and its logs, no secrets', async () => {
      const project = newProject()
      const external = `${project}-proxy`
      networks.push(external)
      const token = 'TopSecretTokenValue123456'
      const spec: StackSpec = {
        project,
        workingDir: '/tmp',
        externalNetwork: external,
        volumes: [],
        services: [
          {
            name: 'broken',
            image,
            command: [
              'sh',
              '-c',
              `trap 'exit 0' TERM; echo "boot: connecting with token $BROKEN_TOKEN"; echo "fatal: cannot reach the database" >&2; ${idle}`,
            ],
            environment: { BROKEN_TOKEN: token },
            mounts: [],
            ports: [],
            healthcheck: {
              test: ['CMD', 'false'],
              intervalMs: 200,
              timeoutMs: 1000,
              retries: 2,
              startPeriodMs: 0,
            },
            dependsOn: [],
            labels: {},
            networks: [],
            restart: 'no',
          },
          {
            name: 'after',
            image,
            environment: {},
            mounts: [],
            ports: [],
            dependsOn: ['broken'],
            labels: {},
            networks: [{ name: external, aliases: [] }],
            restart: 'no',
          },
        ],
      }
      const events: StackProgress[] = []
      const error = await caught(
        up(engine, spec, { onProgress: (e) => events.push(e), healthTimeoutMs: 30_000 }),
      )
      expect(error.code).toBe('STACK_UNHEALTHY')
      expect(error.message).toContain('broken')
      expect(error.message).toContain('unhealthy')
      expect(error.details).toMatchObject({ service: 'broken', container: `${project}_broken_1` })
      const logs = error.details?.logs as string[]
      expect(logs).toContain('boot: connecting with token ***')
      expect(logs).toContain('[stderr] fatal: cannot reach the database')
      expect(JSON.stringify(error.toData())).not.toContain(token)
      // The missing external network was created (and is ours to remove); the dependent never started.
      expect(events).toContainEqual({ step: 'network', network: external, created: true })
      const st = await status(engine, spec)
      expect(st.find((s) => s.service === 'after')?.exists).toBe(false)
      expect(st.find((s) => s.service === 'broken')?.health).toBe('unhealthy')
      await down(engine, spec, { stopTimeoutSec: 1 })
      expect((await removeNetworkIfCreated(engine, external)).removed).toBe(true)
    })

    test('a service still starting at the deadline fails with STACK_UNHEALTHY naming the timeout', async () => {
      const project = newProject()
      const spec: StackSpec = {
        project,
        workingDir: '/tmp',
        externalNetwork: `${project}-proxy`,
        volumes: [],
        services: [
          {
            name: 'slow',
            image,
            command: ['sh', '-c', `trap 'exit 0' TERM; echo "still migrating"; ${idle}`],
            environment: {},
            mounts: [],
            ports: [],
            // First probe only after a minute: "starting" for the whole test.
            healthcheck: {
              test: ['CMD', 'true'],
              intervalMs: 60_000,
              timeoutMs: 1000,
              retries: 1,
              startPeriodMs: 60_000,
            },
            dependsOn: [],
            labels: {},
            networks: [],
            restart: 'no',
          },
        ],
      }
      networks.push(spec.externalNetwork)
      const started = Date.now()
      const error = await caught(up(engine, spec, { healthTimeoutMs: 1500 }))
      expect(Date.now() - started).toBeLessThan(15_000)
      expect(error.code).toBe('STACK_UNHEALTHY')
      expect(error.message).toMatch(/slow.*did not become healthy within 2 s.*starting/)
      expect(error.details?.logs).toEqual(['still migrating'])
      await down(engine, spec, { stopTimeoutSec: 1 })
    })

    test('a host port already in use fails with PORT_IN_USE naming the port, leaving no container', async () => {
      const project = newProject()
      const held = await occupyPort()
      try {
        const spec: StackSpec = {
          project,
          workingDir: '/tmp',
          externalNetwork: `${project}-proxy`,
          volumes: [],
          services: [
            {
              name: 'server',
              image,
              environment: {},
              mounts: [],
              ports: [{ container: 9000, host: held.port, hostIp: '127.0.0.1' }],
              dependsOn: [],
              labels: {},
              networks: [],
              restart: 'unless-stopped',
            },
          ],
        }
        networks.push(spec.externalNetwork)
        const error = await caught(up(engine, spec))
        expect(error.code).toBe('PORT_IN_USE')
        expect(error.message).toContain(String(held.port))
        expect(error.details).toMatchObject({ service: 'server', port: held.port })
        expect((await status(engine, spec))[0]?.exists).toBe(false)
      } finally {
        await held.close()
      }
    })

    test('an unreachable engine gives DOCKER_UNREACHABLE; an invalid spec is refused before any call', async () => {
      const missing = createDockerEngine({
        endpoint: `unix:///tmp/gh-missing-${testProject()}.sock`,
      })
      const spec: StackSpec = {
        project: 'ghtestnever',
        workingDir: '/tmp',
        externalNetwork: 'ghtestnever-proxy',
        volumes: [],
        services: [
          {
            name: 'a',
            image: 'gatehouse-test/busybox:1',
            environment: {},
            mounts: [],
            ports: [],
            dependsOn: [],
            labels: {},
            networks: [],
            restart: 'no',
          },
        ],
      }
      for (const call of [
        up(missing, spec),
        status(missing, spec),
        down(missing, spec),
        pullImage(missing, 'gatehouse-test/busybox:1'),
        ensureNetwork(missing, 'ghtestnever'),
        exec(missing, 'ghtestnever_a_1', ['true']),
      ]) {
        const error = await caught(call)
        expect(error.code).toBe('DOCKER_UNREACHABLE')
        expect(error.message).toContain('/tmp/gh-missing-')
      }
      const loop: StackSpec = {
        ...spec,
        services: [
          { ...(spec.services[0] as ServiceSpec), name: 'a', dependsOn: ['b'] },
          { ...(spec.services[0] as ServiceSpec), name: 'b', dependsOn: ['a'] },
        ],
      }
      const invalid = await caught(up(missing, loop))
      expect(invalid.code).toBe('STACK_INVALID')
      expect(invalid.message).toContain('a → b → a')
    })
  })
})
