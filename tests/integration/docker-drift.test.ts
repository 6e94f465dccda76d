import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker, { type ContainerInspectInfo } from 'dockerode'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createClient, type GatehouseClient } from '../../src/shared/client'
import type { ServiceStatus, StackProgressEvent, StackStatus } from '../../src/shared/contract'
import { createLocalBridge } from '../../src/main/core/local-bridge'
import { createMemoryStore, type SecretStore } from '../../src/main/secrets/store'
import { createServices, type Services } from '../../src/main/services'
import { caught } from '../support/caught'
import { startDockerSocketProxy, type DockerSocketProxy } from '../support/docker-socket-proxy'
import { FAKE_STACK_IMAGE, ensureFakeStackImage } from '../support/fake-stack-image'
import { startPrivateDockerd, type PrivateDockerd } from '../support/private-dockerd'
import { testProject } from '../support/stack-resources'

/**
 * The stack judged by what its containers ARE, and its secrets kept out of every request URL —
 * on a private dockerd (tests/support/private-dockerd.ts: the reverse-proxy network really is
 * `traefik`, and the engine may be killed) behind a logging socket proxy that records every
 * request line and header, as a docker-socket-proxy or `dockerd --debug` would.
 */

const project = testProject()
const dataDir = mkdtempSync(join(tmpdir(), 'gh-drift-'))
const SECRETS = [
  'postgresPassword',
  'authentikSecretKey',
  'bootstrapPassword',
  'bootstrapToken',
  'smtpPassword',
] as const
// Typed by the admin; letters and digits so URL encoding cannot hide it from the check.
const SMTP_PASSWORD = 'SmtpCanary7x4Qp2Lm9Zr5Vt8Wb3Nc6Hd1Jf0Kg'
let dockerd: PrivateDockerd
let proxy: DockerSocketProxy
let engine: Docker
let store: SecretStore
let services: Services
let client: GatehouseClient
const progress: StackProgressEvent[] = []
/** Set by a test to kill the engine when the proxy sees this request line. */
let killOn: RegExp | null = null
/**
 * The kill in progress. The engine's sockets close the moment it dies, so Start can fail before
 * the kill has returned (containerd winding down): the test waits for it before looking.
 */
let killing: Promise<void> = Promise.resolve()

const containerOf = (service: string) => `${project}_${service}_1`
const inspect = (service: string): Promise<ContainerInspectInfo> =>
  engine.getContainer(containerOf(service)).inspect()

function serviceStatus(status: StackStatus, service: string): ServiceStatus {
  if (!status.configured) throw new Error('the stack is not configured')
  const found = status.services.find((s) => s.service === service)
  if (!found) throw new Error(`no ${service} in the status`)
  return found
}

function actionsOf(operationIndex: number): Record<string, string[]> {
  const runs = [...new Set(progress.map((p) => p.runId))]
  const runId = runs[operationIndex]
  const actions: Record<string, string[]> = {}
  for (const p of progress)
    if (p.runId === runId && p.event.step === 'containers')
      (actions[p.event.service] ??= []).push(p.event.action)
  return actions
}

/** Recreates a service's container by hand from its own inspect, changed by `edit`; labels kept. */
async function recreateByHand(service: string, edit: (info: ContainerInspectInfo) => void) {
  const info = await inspect(service)
  edit(info)
  await engine.getContainer(info.Id).remove({ force: true })
  const networks = Object.entries(info.NetworkSettings.Networks)
  const [primary] = networks
  const created = await engine.createContainer({
    name: containerOf(service),
    Image: info.Config.Image,
    Cmd: info.Config.Cmd,
    User: info.Config.User,
    Env: info.Config.Env,
    Labels: info.Config.Labels,
    Healthcheck: info.Config.Healthcheck,
    HostConfig: {
      Binds: info.HostConfig.Binds,
      RestartPolicy: info.HostConfig.RestartPolicy,
      PortBindings: info.HostConfig.PortBindings,
      ShmSize: info.HostConfig.ShmSize,
      NetworkMode: primary?.[0] ?? 'none',
    },
    NetworkingConfig: primary
      ? {
          EndpointsConfig: {
            [primary[0]]: {
              Aliases: (primary[1].Aliases as string[]).filter((a) => !info.Id.startsWith(a)),
            },
          },
        }
      : {},
  })
  await created.start()
}

beforeAll(async () => {
  await ensureFakeStackImage(new Docker())
  dockerd = await startPrivateDockerd({ diskMegabytes: 256 })
  await dockerd.start()
  engine = dockerd.api
  dockerd.loadImages(FAKE_STACK_IMAGE)
  proxy = await startDockerSocketProxy(join(dataDir, 'docker-proxy.sock'), {
    upstream: dockerd.endpoint,
    beforeForward: async (line) => {
      if (killOn?.test(line)) {
        killOn = null
        killing = dockerd.kill()
        await killing
      }
    },
  })
  store = createMemoryStore()
  services = createServices({
    host: 'cli',
    dataDir,
    dockerEndpoint: proxy.endpoint,
    secretStore: store,
    healthTimeoutMs: 60_000,
    statusIntervalMs: 60_000,
  })
  client = createClient(createLocalBridge(services.dispatcher, services.bus, { host: 'cli' }))
  services.bus.subscribe('stack.progress', (p) => progress.push(p as StackProgressEvent))
  await client.settings.save({
    baseDomain: 'example.test',
    adminEmail: 'admin@example.test',
    smtp: {
      host: 'smtp.example.test',
      port: 587,
      username: 'mailer',
      from: 'authentik@example.test',
      tls: 'starttls',
    },
    authentikVersion: '2026.8.3',
    dataFolder: join(dataDir, 'stack'),
    timezone: 'UTC',
    project,
    imageOverrides: { postgresql: FAKE_STACK_IMAGE, authentik: FAKE_STACK_IMAGE },
  })
  await client.secrets.setSmtpPassword({ password: SMTP_PASSWORD })
}, 180_000)

afterAll(async () => {
  try {
    services?.dispose()
    await proxy?.close()
    await dockerd?.dispose()
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}, 60_000)

describe('secrets only in request bodies', () => {
  test('after Start, Restart, export and exec, no secret is in any request line or header', async () => {
    await client.stack.up()
    await client.stack.restart()
    await client.stack.export({})
    expect((await client.stack.testEmail({ to: 'ann@example.test' })).ok).toBe(true)

    const values: string[] = []
    for (const name of SECRETS) {
      const value = await store.get(name)
      expect(value, name).toBeTruthy()
      values.push(value as string)
    }
    const lines = proxy.heads.map((h) => h.slice(0, h.indexOf('\r\n')))
    // The proxy saw the operations (container create, network connect, exec) …
    expect(lines.some((l) => /^POST \S*\/containers\/create\?name=/.test(l))).toBe(true)
    expect(lines.some((l) => /^POST \S*\/networks\/traefik\/connect /.test(l))).toBe(true)
    expect(lines.some((l) => /^POST \S*\/containers\/\S+\/exec /.test(l))).toBe(true)
    // … the secrets did travel, in bodies …
    const sent = proxy.sent()
    for (const value of values) expect(sent).toContain(value)
    // … and never in a request line or a header, raw or URL-decoded.
    for (const head of proxy.heads) {
      const decoded = decodeURIComponent(head.replace(/\+/g, ' '))
      for (const value of values) {
        expect(head).not.toContain(value)
        expect(decoded).not.toContain(value)
      }
    }
  })

  test('control: the proxy does see a secret that a plain dockerode create puts in the URL', async () => {
    const canary = 'UrlCanary0123456789abcdefghijklmnopqrstuvwxyz'
    const direct = new Docker({ socketPath: proxy.endpoint.replace('unix://', '') })
    const container = await direct.createContainer({
      name: `${project}-control`,
      Image: FAKE_STACK_IMAGE,
      Env: [`SECRET=${canary}`],
    })
    await container.remove({ force: true })
    expect(proxy.heads.some((h) => h.includes(canary))).toBe(true)
  })
})

describe('convergence on the observed state', () => {
  test('a manual `docker network disconnect`: status names it, Start reconnects without recreating', async () => {
    const before = await inspect('server')
    expect(before.NetworkSettings.Networks.traefik?.Aliases).toContain('authentik-server')
    await engine.getNetwork('traefik').disconnect({ Container: before.Id })

    const server = serviceStatus(await client.stack.status(), 'server')
    expect(server.upToDate).toBe(false)
    expect(server.drift).toContain('server is not on the traefik network')
    for (const other of ['postgresql', 'worker'])
      expect(serviceStatus(await client.stack.status(), other)).toMatchObject({
        upToDate: true,
        drift: [],
      })

    const runs = new Set(progress.map((p) => p.runId)).size
    const after = await client.stack.up()
    expect(actionsOf(runs)).toEqual({
      postgresql: ['unchanged'],
      server: ['reconnected'],
      worker: ['unchanged'],
    })
    const repaired = await inspect('server')
    expect(repaired.Id).toBe(before.Id)
    expect(repaired.NetworkSettings.Networks.traefik?.Aliases).toContain('authentik-server')
    expect(serviceStatus(after, 'server')).toMatchObject({ upToDate: true, drift: [] })
  })

  test('attached without its alias: status names the alias, Start re-attaches with it in place', async () => {
    const before = await inspect('server')
    await engine.getNetwork('traefik').disconnect({ Container: before.Id })
    await engine.getNetwork('traefik').connect({ Container: before.Id })
    const server = serviceStatus(await client.stack.status(), 'server')
    expect(server.drift).toEqual([
      'server is on the traefik network without its alias authentik-server',
    ])
    const runs = new Set(progress.map((p) => p.runId)).size
    await client.stack.up()
    expect(actionsOf(runs).server).toEqual(['reconnected'])
    const repaired = await inspect('server')
    expect(repaired.Id).toBe(before.Id)
    expect(repaired.NetworkSettings.Networks.traefik?.Aliases).toContain('authentik-server')
  })

  test('a container changed by hand with its config-hash label intact: status names the env, then the mount', async () => {
    // Someone edits the worker's environment (compose with a hand-edited .env would do this).
    await recreateByHand('worker', (info) => {
      info.Config.Env = info.Config.Env.map((e) =>
        e.startsWith('AUTHENTIK_EMAIL__HOST=') ? 'AUTHENTIK_EMAIL__HOST=evil.example' : e,
      )
    })
    let worker = serviceStatus(await client.stack.status(), 'worker')
    expect(worker.upToDate).toBe(false)
    expect(worker.drift).toEqual(["worker's environment differs: AUTHENTIK_EMAIL__HOST"])

    // … then its mounts: the certificates folder points elsewhere.
    const elsewhere = join(dataDir, 'elsewhere')
    mkdirSync(elsewhere)
    await recreateByHand('worker', (info) => {
      info.Config.Env = info.Config.Env.map((e) =>
        e.startsWith('AUTHENTIK_EMAIL__HOST=') ? 'AUTHENTIK_EMAIL__HOST=smtp.example.test' : e,
      )
      info.HostConfig.Binds = (info.HostConfig.Binds ?? []).map((b) =>
        b.includes(':/certs:') ? `${elsewhere}:/certs:rw` : b,
      )
    })
    worker = serviceStatus(await client.stack.status(), 'worker')
    expect(worker.drift).toEqual(["worker's mounts differ: /certs"])
    // No value is ever echoed in the drift: only names.
    expect(worker.drift.join(' ')).not.toContain(elsewhere)

    const runs = new Set(progress.map((p) => p.runId)).size
    const after = await client.stack.up()
    expect(actionsOf(runs).worker).toEqual(['recreated'])
    expect(actionsOf(runs).server).toEqual(['unchanged'])
    expect(serviceStatus(after, 'worker')).toMatchObject({ upToDate: true, drift: [] })
  })

  test('the engine killed between create and network connect: status names the gap, the next Start repairs it', async () => {
    await client.stack.down()
    killOn = /^POST \S*\/networks\/traefik\/connect /
    const error = await caught(client.stack.up())
    await killing
    expect(killOn, JSON.stringify(error.toData())).toBeNull()
    expect(dockerd.running(), JSON.stringify(error.toData())).toBe(false)
    expect(error.code).toBe('DOCKER_UNREACHABLE')
    expect(error.details).toMatchObject({ service: 'server' })

    await dockerd.start()
    // The half-made server is still there, with the current hash label but without traefik.
    const leftover = await inspect('server')
    expect(leftover.NetworkSettings.Networks.traefik).toBeUndefined()
    const server = serviceStatus(await client.stack.status(), 'server')
    expect(server.upToDate, JSON.stringify(server)).toBe(false)
    expect(server.drift).toContain('server is not on the traefik network')

    const after = await client.stack.up()
    const repaired = await inspect('server')
    expect(repaired.Id).toBe(leftover.Id)
    expect(repaired.NetworkSettings.Networks.traefik?.Aliases).toContain('authentik-server')
    expect(repaired.State.Running).toBe(true)
    if (!after.configured) throw new Error('unconfigured')
    expect(after.services.map((s) => [s.service, s.state, s.upToDate, s.drift])).toEqual([
      ['postgresql', 'running', true, []],
      ['server', 'running', true, []],
      ['worker', 'running', true, []],
    ])
  })
})
