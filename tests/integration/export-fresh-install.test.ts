import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import Docker from 'dockerode'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createClient, type GatehouseClient } from '../../src/shared/client'
import type { StackProgressEvent } from '../../src/shared/contract'
import { createLocalBridge } from '../../src/main/core/local-bridge'
import { createMemoryStore, type SecretStore } from '../../src/main/secrets/store'
import { createServices, type Services } from '../../src/main/services'
import { ensureFakeAuthentikImage, FAKE_AUTHENTIK_IMAGE } from '../support/fake-authentik-image'
import { ensureFakeStackImage } from '../support/fake-stack-image'
import { removeProjectResources, removeTestNetwork, testProject } from '../support/stack-resources'

/**
 * `stack export` on a fresh install (no Start yet, an empty keychain) writes the secrets the
 * stack will use — generated into the keychain first, as Start does — never a placeholder. Proven
 * by its consumer: Debian's docker-compose 1.29 starts the exported folder, and the server (the
 * fake Authentik image standing in) accepts the keychain's bootstrap token and no other.
 */

const api = new Docker()
const project = testProject()
const network = `${project}-proxy`
const dataDir = mkdtempSync(join(tmpdir(), 'gh-export-fresh-'))
const GENERATED = [
  ['postgresPassword', 'POSTGRES_PASSWORD'],
  ['authentikSecretKey', 'AUTHENTIK_SECRET_KEY'],
  ['bootstrapPassword', 'AUTHENTIK_BOOTSTRAP_PASSWORD'],
  ['bootstrapToken', 'AUTHENTIK_BOOTSTRAP_TOKEN'],
] as const
let store: SecretStore
let services: Services
let client: GatehouseClient
let folder = ''

function compose(args: string[]) {
  const r = spawnSync('docker-compose', args, {
    cwd: folder,
    // A clean environment: nothing but .env may supply the variables.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' },
    encoding: 'utf8',
    timeout: 120_000,
  })
  if (r.error) throw new Error(`docker-compose could not run: ${r.error.message}`)
  return r
}

/** Runs a command in a container; exit code and stdout. */
async function execIn(container: string, cmd: string[]) {
  const exec = await api.getContainer(container).exec({
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
  })
  const stream = await exec.start({ hijack: true, stdin: false })
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (c: Buffer) => chunks.push(c))
  api.modem.demuxStream(stream, out, new PassThrough())
  await new Promise<void>((resolve, reject) => {
    stream.on('end', () => resolve())
    stream.on('error', reject)
  })
  let info = await exec.inspect()
  while (info.Running) {
    await new Promise((r) => setTimeout(r, 50))
    info = await exec.inspect()
  }
  return { exitCode: info.ExitCode, stdout: Buffer.concat(chunks).toString('utf8') }
}

/** The current user as the server sees the token: GET /api/v3/core/users/me/ from inside. */
const me = (token: string) =>
  execIn(`${project}_server_1`, [
    'wget',
    '-q',
    '-O-',
    '--header',
    `Authorization: Bearer ${token}`,
    'http://127.0.0.1:9000/api/v3/core/users/me/',
  ])

beforeAll(async () => {
  const [stackImage] = await Promise.all([ensureFakeStackImage(api), ensureFakeAuthentikImage(api)])
  await api.createNetwork({ Name: network, Driver: 'bridge' })
  store = createMemoryStore()
  services = createServices({
    host: 'cli',
    dataDir,
    secretStore: store,
    traefikNetwork: network,
    statusIntervalMs: 60_000,
  })
  client = createClient(createLocalBridge(services.dispatcher, services.bus, { host: 'cli' }))
  await client.settings.save({
    baseDomain: 'example.test',
    adminEmail: 'admin@example.test',
    smtp: { host: 'smtp.example.test', port: 587, from: 'ak@example.test', tls: 'starttls' },
    authentikVersion: '2026.8.3',
    dataFolder: join(dataDir, 'stack'),
    timezone: 'UTC',
    project,
    imageOverrides: { postgresql: stackImage, authentik: FAKE_AUTHENTIK_IMAGE },
  })
}, 300_000)

afterAll(async () => {
  try {
    if (folder) compose(['down', '-v', '--timeout', '1'])
    services?.dispose()
    await removeProjectResources(api, project)
    await removeTestNetwork(api, network)
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}, 120_000)

describe('export on a fresh install', () => {
  test('generates the secrets into the keychain first and writes exactly those values', async () => {
    for (const [name] of GENERATED) expect(await store.get(name)).toBeNull()
    const result = await client.stack.export({})
    folder = join(dataDir, 'stack', 'compose')
    expect(result.envFile).toBe(join(folder, '.env'))

    const env = Object.fromEntries(
      readFileSync(result.envFile, 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    )
    const values = new Set<string>()
    for (const [name, variable] of GENERATED) {
      const kept = await store.get(name)
      expect(kept, name).toMatch(/^[A-Za-z0-9]{64}$/)
      expect(env[variable], variable).toBe(kept)
      values.add(kept as string)
    }
    // Four distinct secrets, not one placeholder shared by every variable.
    expect(values.size).toBe(4)
    expect(readFileSync(result.envFile, 'utf8')).not.toMatch(/not-generated|placeholder|\u0000/)
  })

  test("docker-compose 1.29 starts the export, and the server answers the keychain's bootstrap token", async () => {
    const up = compose(['up', '-d'])
    expect(up.status, up.stderr).toBe(0)
    const token = (await store.get('bootstrapToken')) as string
    const deadline = Date.now() + 60_000
    let answer = await me(token)
    while (answer.exitCode !== 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250))
      answer = await me(token)
    }
    expect(answer.exitCode).toBe(0)
    expect(JSON.parse(answer.stdout)).toMatchObject({ user: { username: 'akadmin' } })
    // And not just any token: a wrong one is refused.
    expect((await me(`${token.slice(0, -1)}x`)).exitCode).not.toBe(0)
  })

  test('Gatehouse judges the compose-started stack by what it is: no drift, and Start changes nothing', async () => {
    const status = await client.stack.status()
    if (!status.configured) throw new Error('unconfigured')
    // compose wrote its own config-hash labels; the containers are still exactly the plan.
    expect(status.services.map((s) => [s.service, s.upToDate, s.drift])).toEqual([
      ['postgresql', true, []],
      ['server', true, []],
      ['worker', true, []],
    ])
    const actions: Record<string, string> = {}
    const off = services.bus.subscribe('stack.progress', (p) => {
      const event = (p as StackProgressEvent).event
      if (event.step === 'containers') actions[event.service] = event.action
    })
    try {
      await client.stack.up()
    } finally {
      off()
    }
    expect(actions).toEqual({ postgresql: 'unchanged', server: 'unchanged', worker: 'unchanged' })
  })
})
