import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createClient, type GatehouseClient } from '../../src/shared/client'
import type { StackProgressEvent, StackStep } from '../../src/shared/contract'
import { createLocalBridge } from '../../src/main/core/local-bridge'
import { createMemoryStore } from '../../src/main/secrets/store'
import { createServices, type Services } from '../../src/main/services'
import { caught } from '../support/caught'
import { FAKE_STACK_IMAGE, ensureFakeStackImage } from '../support/fake-stack-image'
import { netnsListener, startFaultRegistry, type FaultRegistry } from '../support/fault-registry'
import { buildImage } from '../support/images'
import { startPrivateDockerd, type PrivateDockerd } from '../support/private-dockerd'
import { testProject } from '../support/stack-resources'

/**
 * Faults on a real Docker engine, as a NAS admin meets them, through the contract: the engine
 * dying in the middle of Start, a crash-looping container, the setup port taken, an admin's own
 * `traefik` network with other options, a database volume from an earlier install, a pull that
 * fails (damaged download, full disk). Each asserts the typed error (service, cause, fix), that no
 * data is lost, that nothing of the project is left unexplained, and that a later Start converges.
 *
 * All of it runs on a PRIVATE second dockerd (tests/support/private-dockerd.ts): its own network
 * namespace, data root on a small tmpfs, own containerd namespace. Only there may a test SIGKILL
 * the engine or fill its disk, and only there can the real names be used — the network is really
 * called `traefik` and the setup port really is 127.0.0.1:9000 — without touching the system
 * engine other tests share.
 */

const project = testProject()
const dataDir = mkdtempSync(join(tmpdir(), 'gh-faults-'))
const crashImage = 'gatehouse-test/fake-crash:1'
const MARKER = '/var/lib/postgresql/data/MARKER-from-earlier-install'
let dockerd: PrivateDockerd
let engine: Docker
let services: Services
let client: GatehouseClient
const progress: StackProgressEvent[] = []
let traefikId = ''

function settings(overrides: Record<string, unknown> = {}) {
  return {
    baseDomain: 'example.test',
    adminEmail: 'admin@example.test',
    smtp: {
      host: 'smtp.example.test',
      port: 587,
      from: 'authentik@example.test',
      tls: 'starttls' as const,
    },
    authentikVersion: '2026.8.3' as const,
    dataFolder: join(dataDir, 'stack'),
    timezone: 'UTC',
    project,
    imageOverrides: { postgresql: FAKE_STACK_IMAGE, authentik: FAKE_STACK_IMAGE },
    ...overrides,
  }
}

/** The project's containers on the private engine: service → { id, state }. */
async function containers() {
  const list = await engine.listContainers({
    all: true,
    filters: { label: [`com.docker.compose.project=${project}`] },
  })
  return list.map((c) => ({
    service: c.Labels['com.docker.compose.service'] ?? '',
    id: c.Id,
    state: c.State,
  }))
}

/** Reads the marker file through a throw-away container, as an admin's `docker run` would. */
async function readMarker(): Promise<string> {
  const container = await engine.createContainer({
    Image: FAKE_STACK_IMAGE,
    Entrypoint: ['/bin/sh', '-c'],
    Cmd: [`cat ${MARKER}`],
    HostConfig: { Binds: [`${project}_database:/var/lib/postgresql/data:ro`] },
  })
  try {
    await container.start()
    await container.wait()
    const raw = (await container.logs({ stdout: true, stderr: true })) as unknown as Buffer
    // Multiplexed stream: 8-byte frame headers before each chunk.
    let out = ''
    for (let i = 0; i + 8 <= raw.length;) {
      const size = raw.readUInt32BE(i + 4)
      out += raw.subarray(i + 8, i + 8 + size).toString()
      i += 8 + size
    }
    return out.trim()
  } finally {
    await container.remove({ force: true })
  }
}

const stepsOf = <S extends StackStep['step']>(step: S) =>
  progress.flatMap((p) =>
    p.event.step === step ? [p.event as Extract<StackStep, { step: S }>] : [],
  )

beforeAll(async () => {
  await ensureFakeStackImage(new Docker())
  dockerd = await startPrivateDockerd({ diskMegabytes: 256 })
  await dockerd.start()
  engine = dockerd.api
  dockerd.loadImages(FAKE_STACK_IMAGE)
  // Prints one line and exits 1, like an Authentik that cannot reach its database.
  const ctx = mkdtempSync(join(tmpdir(), 'gh-crash-'))
  try {
    writeFileSync(
      join(ctx, 'Dockerfile'),
      `FROM ${FAKE_STACK_IMAGE}
ENTRYPOINT ["/bin/sh", "-c", "echo \\"fake $0: django.db.utils.OperationalError: connection refused\\"; exit 1"]
`,
    )
    await buildImage(engine, ctx, crashImage)
  } finally {
    rmSync(ctx, { recursive: true, force: true })
  }

  // The admin's own `traefik` network, made by hand long ago with options Gatehouse would not
  // choose: internal (no route out), its own subnet, its own label.
  traefikId = (
    await engine.createNetwork({
      Name: 'traefik',
      Driver: 'bridge',
      Internal: true,
      IPAM: { Config: [{ Subnet: '10.213.7.0/24' }] },
      Labels: { 'admin.note': 'made by hand for traefik' },
    })
  ).id

  // An earlier install of the same project left its database volume, with data in it.
  await engine.createVolume({
    Name: `${project}_database`,
    Labels: {
      'com.docker.compose.project': project,
      'com.docker.compose.volume': 'database',
      'com.docker.compose.version': '1.29.2',
    },
  })
  const seed = await engine.createContainer({
    Image: FAKE_STACK_IMAGE,
    Entrypoint: ['/bin/sh', '-c'],
    Cmd: [`echo precious-rows > ${MARKER}`],
    HostConfig: { Binds: [`${project}_database:/var/lib/postgresql/data`] },
  })
  await seed.start()
  await seed.wait()
  await seed.remove()

  services = createServices({
    host: 'cli',
    dataDir,
    dockerEndpoint: dockerd.endpoint,
    secretStore: createMemoryStore(),
    healthTimeoutMs: 60_000,
    statusIntervalMs: 60_000,
  })
  client = createClient(createLocalBridge(services.dispatcher, services.bus, { host: 'cli' }))
  services.bus.subscribe('stack.progress', (p) => progress.push(p as StackProgressEvent))
  await client.settings.save(settings())
}, 120_000)

afterAll(async () => {
  try {
    services?.dispose()
    await dockerd?.dispose()
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}, 60_000)

describe('faults on a real engine', () => {
  test('the engine dies in the middle of Start: DOCKER_UNREACHABLE with the fix; a later Start converges without duplicates', async () => {
    progress.length = 0
    // Kill the engine as soon as Start has created its first container.
    const killed = new Promise<void>((resolve) => {
      const off = services.bus.subscribe('stack.progress', (p) => {
        const event = (p as StackProgressEvent).event
        if (event.step === 'containers' && event.action === 'created') {
          off()
          void dockerd.kill().then(resolve)
        }
      })
    })
    const error = await caught(client.stack.up())
    await killed
    expect(dockerd.running()).toBe(false)
    console.info('[engine killed]', JSON.stringify(error.toData()))
    expect(error.code).toBe('DOCKER_UNREACHABLE')
    expect(error.hint).toMatch(/Start the Docker engine/)
    // It says what it was doing, for which service.
    expect(error.message).toMatch(/Gatehouse was trying to .*postgresql/)
    expect(error.details).toMatchObject({ service: 'postgresql' })
    expect(progress.at(-1)?.event.step).toBe('failed')
    // While it is down, status says the same thing instead of crashing.
    expect((await caught(client.stack.status())).code).toBe('DOCKER_UNREACHABLE')

    await dockerd.start()
    const status = await client.stack.up()
    if (!status.configured) throw new Error('unconfigured')
    expect(status.services.map((s) => [s.service, s.state, s.health])).toEqual([
      ['postgresql', 'running', 'healthy'],
      ['server', 'running', 'healthy'],
      ['worker', 'running', 'healthy'],
    ])
    const list = await containers()
    expect(list.map((c) => c.service).sort()).toEqual(['postgresql', 'server', 'worker'])
  })

  test('a database volume from an earlier install is reused and survives Start, Stop, Restart and Remove', async () => {
    const volume = await engine.getVolume(`${project}_database`).inspect()
    expect(await readMarker()).toBe('precious-rows')
    progress.length = 0
    await client.stack.up()
    expect(stepsOf('volumes')).toEqual([
      { step: 'volumes', volume: 'database', name: `${project}_database`, created: false },
    ])
    await client.stack.stop()
    await client.stack.restart()
    expect((await client.stack.down()).removed).toHaveLength(3)
    expect(await containers()).toEqual([])
    // The very same volume (not a new one of the same name), still holding the earlier data.
    const after = await engine.getVolume(`${project}_database`).inspect()
    expect((after as { CreatedAt?: string }).CreatedAt).toBe(
      (volume as { CreatedAt?: string }).CreatedAt,
    )
    expect(await readMarker()).toBe('precious-rows')
    await client.stack.up()
    expect(await readMarker()).toBe('precious-rows')
  })

  test("the admin's own traefik network (internal, own subnet) is used as it is, and Start says how it differs", async () => {
    progress.length = 0
    await client.stack.up()
    const network = await engine.getNetwork('traefik').inspect()
    expect(network.Id).toBe(traefikId)
    expect(network.Internal).toBe(true)
    expect(network.IPAM?.Config?.[0]?.Subnet).toBe('10.213.7.0/24')
    expect(network.Labels).toEqual({ 'admin.note': 'made by hand for traefik' })
    const server = await engine.getContainer(`${project}_server_1`).inspect()
    expect(server.NetworkSettings.Networks.traefik?.Aliases).toContain('authentik-server')
    const step = stepsOf('network').find((n) => n.network === 'traefik')
    console.info('[traefik network]', JSON.stringify(step))
    expect(step).toMatchObject({ created: false, note: expect.stringMatching(/internal/i) })
    await client.stack.down()
    expect((await engine.getNetwork('traefik').inspect()).Id).toBe(traefikId)
  })

  test('the setup port 127.0.0.1:9000 already taken: PORT_IN_USE naming server and the port; the rest explained; Start converges once it is free', async () => {
    await client.settings.save(settings({ publishSetupPort: true }))
    const holder = await netnsListener(dockerd, 9000, null)
    let error
    try {
      error = await caught(client.stack.up())
    } finally {
      await holder.close()
    }
    console.info('[port in use]', JSON.stringify(error.toData()))
    expect(error.code).toBe('PORT_IN_USE')
    expect(error.message).toMatch(/9000/)
    expect(error.message).toMatch(/server/)
    expect(error.hint).toMatch(/Settings/)
    expect(error.details).toMatchObject({ service: 'server', port: 9000 })
    // Nothing unexplained: server's container was removed (the error says so), the others run.
    const status = await client.stack.status()
    if (!status.configured) throw new Error('unconfigured')
    expect(status.services.map((s) => [s.service, s.state])).toEqual([
      ['postgresql', 'running'],
      ['server', 'missing'],
      ['worker', 'running'],
    ])
    const up = await client.stack.up()
    if (!up.configured) throw new Error('unconfigured')
    expect(up.services.every((s) => s.state === 'running' && s.health === 'healthy')).toBe(true)
    const server = await engine.getContainer(`${project}_server_1`).inspect()
    expect(server.HostConfig.PortBindings?.['9000/tcp']).toEqual([
      { HostIp: '127.0.0.1', HostPort: '9000' },
    ])
    await client.settings.save(settings())
  })

  test('a crash-looping container is reported with its restarts and last log lines well before the health timeout', async () => {
    await client.settings.save(
      settings({ imageOverrides: { postgresql: FAKE_STACK_IMAGE, authentik: crashImage } }),
    )
    const started = Date.now()
    const error = await caught(client.stack.up())
    const took = Date.now() - started
    console.info('[crash loop]', took, 'ms', JSON.stringify(error.toData()))
    expect(error.code).toBe('STACK_UNHEALTHY')
    expect(error.message).toMatch(/server/)
    expect(error.message).toMatch(/restart/i)
    expect(error.details).toMatchObject({ service: 'server', exitCode: 1, alsoFailed: ['worker'] })
    expect(error.details?.restartCount).toBeGreaterThanOrEqual(1)
    expect(error.details?.logs).toEqual(
      expect.arrayContaining([expect.stringContaining('OperationalError: connection refused')]),
    )
    expect(took).toBeLessThan(20_000) // the health timeout is 60 s
    // Not left restarting forever, and not left unexplained: stopped, kept for `docker logs`.
    const status = await client.stack.status()
    if (!status.configured) throw new Error('unconfigured')
    const byService = Object.fromEntries(status.services.map((s) => [s.service, s.state]))
    expect(byService.server).toBe('exited')
    expect(error.message + error.hint).toMatch(/stopped/)

    await client.settings.save(settings())
    const up = await client.stack.up()
    if (!up.configured) throw new Error('unconfigured')
    expect(up.services.every((s) => s.state === 'running' && s.health === 'healthy')).toBe(true)
  })

  describe('a pull that fails', () => {
    let registry: FaultRegistry

    beforeAll(async () => {
      registry = await startFaultRegistry(dockerd, {
        from: FAKE_STACK_IMAGE,
        name: 'gatehouse-test/authentik',
        port: 5055,
        extraLayerBytes: 48 * 1024 * 1024,
      })
    })
    afterAll(async () => {
      await registry?.stop()
    })

    test('a damaged download: DOCKER_PULL_FAILED naming image and services, no container created', async () => {
      await client.stack.down()
      registry.mode = 'corrupt'
      await client.settings.save(
        settings({ imageOverrides: { postgresql: FAKE_STACK_IMAGE, authentik: registry.image } }),
      )
      const error = await caught(client.stack.up())
      console.info('[damaged download]', JSON.stringify(error.toData()))
      expect(registry.blobRequests.length).toBeGreaterThan(0)
      expect(error.code).toBe('DOCKER_PULL_FAILED')
      expect(error.message).toContain(registry.image)
      expect(error.message).toMatch(/server, worker/)
      expect(error.details).toMatchObject({
        image: registry.image,
        cause: 'damaged',
        services: ['server', 'worker'],
      })
      expect(error.hint).toMatch(/proxy/)
      expect(await containers()).toEqual([])
    })

    test('a full disk: DOCKER_PULL_FAILED with cause disk-full and the fix; Start converges once space is freed', async () => {
      registry.mode = 'healthy'
      const fs = statfsSync(dockerd.dataRoot)
      const usedMb = Math.ceil(((fs.blocks - fs.bfree) * fs.bsize) / 1024 / 1024)
      dockerd.resizeDisk(usedMb + 16)
      let error
      try {
        error = await caught(client.stack.up())
      } finally {
        dockerd.resizeDisk(256)
      }
      console.info('[disk full]', JSON.stringify(error.toData()))
      expect(error.code).toBe('DOCKER_PULL_FAILED')
      expect(error.details).toMatchObject({ cause: 'disk-full', services: ['server', 'worker'] })
      expect(error.hint).toMatch(/disk space/)
      expect(await containers()).toEqual([])

      const up = await client.stack.up()
      if (!up.configured) throw new Error('unconfigured')
      expect(up.services.map((s) => [s.service, s.state, s.health, s.image])).toEqual([
        ['postgresql', 'running', 'healthy', FAKE_STACK_IMAGE],
        ['server', 'running', 'healthy', registry.image],
        ['worker', 'running', 'healthy', registry.image],
      ])
      expect(await readMarker()).toBe('precious-rows')
    })
  })
})
