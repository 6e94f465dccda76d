import { randomBytes } from 'node:crypto'
import {
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { authentikReleases } from '../../src/shared/authentik-releases'
import { SettingsSchema, type AuthentikVersion, type Settings } from '../../src/shared/settings'
import { containerName, projectNetworkName } from '../../src/main/docker/compose'
import { createDockerEngine, type DockerEngine } from '../../src/main/docker/engine'
import { localFiles } from '../../src/main/hostfs/local-files'
import type { StackSecrets } from '../../src/main/stack/catalogue'
import { applyUpgrade, type BackupOutcome, type UpgradeEvent } from '../../src/main/upgrade/apply'
import { engineUpgradeDeps } from '../../src/main/upgrade/engine-deps'
import { planUpgrade } from '../../src/main/upgrade/plan'
import * as lifecycle from '../../src/main/docker/lifecycle'
import { buildStack } from '../../src/main/stack/catalogue'
import { caught } from '../support/caught'
import { ensureFakeAuthentikImage } from '../support/fake-authentik-image'
import { ensureFakeStackImage } from '../support/fake-stack-image'
import { buildImage } from '../support/images'
import { removeProjectResources, removeTestNetwork, testProject } from '../support/stack-resources'
import { sampleSettings } from '../support/sample-settings'

/**
 * The guide's 2025.6.3 to 2026.8.3 on the real engine, step by step: the server/worker image of
 * each step is the schema-checked fake Authentik re-tagged per release with
 * FAKE_AUTHENTIK_VERSION set, reached through the `{version}` image override. After each step the
 * containers are inspected (services, mounts, env, shm_size, Redis gone), the uploads move with
 * their file and owner at 2025.12, and a crashing 2025.12 image stops the upgrade there, naming
 * the step; the re-run continues from 2025.10.4.
 */

const api = new Docker()
const project = testProject()
const proxyNetwork = `${project}-proxy`
const repo = `gatehouse-test/upgrade-${project}`
const dataDir = mkdtempSync(join(tmpdir(), 'gh-upgrade-'))
const stackDir = join(dataDir, 'stack')
const versions = authentikReleases.map((r) => r.version as AuthentikVersion)
const secrets: StackSecrets = {
  postgresPassword: `pg${randomBytes(12).toString('hex')}`,
  authentikSecretKey: `sk${randomBytes(24).toString('hex')}`,
  bootstrapPassword: `bp${randomBytes(12).toString('hex')}`,
  bootstrapToken: `bt${randomBytes(24).toString('hex')}`,
}
let engine: DockerEngine
let saved: Settings
const savedVersions: string[] = []
let backups = 0

async function tagVersion(version: string, mode: 'good' | 'crash'): Promise<void> {
  const ctx = mkdtempSync(join(tmpdir(), 'gh-upgrade-img-'))
  try {
    const crash =
      mode === 'crash'
        ? `ENTRYPOINT ["/bin/sh", "-c", "echo 'django.db.utils.ProgrammingError: migration 0042 failed' >&2; exit 3"]\n`
        : ''
    writeFileSync(
      join(ctx, 'Dockerfile'),
      `FROM ${await ensureFakeAuthentikImage(api)}\nENV FAKE_AUTHENTIK_VERSION=${version}\n${crash}`,
    )
    await buildImage(api, ctx, `${repo}:${version}`)
  } finally {
    rmSync(ctx, { recursive: true, force: true })
  }
}

async function serverAddress(): Promise<string> {
  const info = await api.getContainer(containerName(project, 'server')).inspect()
  const ip = info.NetworkSettings.Networks[projectNetworkName(project)]?.IPAddress
  if (!ip) throw new Error('the server has no address on the project network')
  return `http://${ip}:9000`
}

function deps(backup: BackupOutcome = { ok: true, archive: '/backups/pre-upgrade.tar' }) {
  return engineUpgradeDeps({
    engine,
    settings: saved,
    secrets,
    build: { traefikNetwork: proxyNetwork },
    files: async () => localFiles(),
    makeVerifiedBackup: async (say) => {
      backups += 1
      say('dumping')
      return backup
    },
    // Called after each step proved its version: what the containers are at that moment.
    saveSettings: async (s) => {
      saved = s
      savedVersions.push(s.authentikVersion)
      observed.set(s.authentikVersion, await observe())
    },
    authentikBaseUrl: serverAddress,
    token: () => secrets.bootstrapToken,
    freeDiskBytes: async () => 100 * 1024 ** 3,
    otherOutposts: async () => [],
    stepTimeoutMs: 60_000,
  })
}

interface Observed {
  services: string[]
  image: string
  dataMount: string | undefined
  redisEnv: boolean
  shm: number
}
const observed = new Map<string, Observed>()

async function observe(): Promise<Observed> {
  const server = await inspectService('server')
  const worker = await inspectService('worker')
  expect(worker.Config.Image).toBe(server.Config.Image)
  const data = server.Mounts.find((m) => m.Destination === '/media' || m.Destination === '/data')
  return {
    services: await services(),
    image: server.Config.Image,
    dataMount: data && `${data.Source.replace(stackDir, '.')}:${data.Destination}`,
    redisEnv: server.Config.Env.some((e) => e.startsWith('AUTHENTIK_REDIS__HOST=')),
    shm: worker.HostConfig.ShmSize ?? 0,
  }
}

const inspectService = (service: string) =>
  api.getContainer(containerName(project, service)).inspect()

async function services(): Promise<string[]> {
  const list = await api.listContainers({
    all: true,
    filters: { label: [`com.docker.compose.project=${project}`] },
  })
  return list.map((c) => c.Labels['com.docker.compose.service'] ?? '').sort()
}

beforeAll(async () => {
  engine = createDockerEngine()
  const stand = await ensureFakeStackImage(api)
  for (const v of versions) await tagVersion(v, v === '2025.12.6' ? 'crash' : 'good')
  for (const folder of ['media', 'certs', 'custom-templates'])
    mkdirSync(join(stackDir, folder), { recursive: true })
  writeFileSync(join(stackDir, 'media', 'logo.png'), 'uploaded by an admin')
  // Authentik's container user; the move must keep it.
  chownSync(join(stackDir, 'media'), 1000, 1000)
  chownSync(join(stackDir, 'media', 'logo.png'), 1000, 1000)
  saved = SettingsSchema.parse(
    sampleSettings(stackDir, {
      project,
      authentikVersion: '2025.6.3',
      imageOverrides: { postgresql: stand, redis: stand, authentik: `${repo}:{version}` },
    }),
  )
  await lifecycle.up(engine, buildStack(saved, secrets, { traefikNetwork: proxyNetwork }), {
    healthTimeoutMs: 60_000,
  })
}, 600_000)

afterAll(async () => {
  await removeProjectResources(api, project)
  await removeTestNetwork(api, proxyNetwork)
  for (const v of versions)
    await api
      .getImage(`${repo}:${v}`)
      .remove({ force: true })
      .catch(() => undefined)
  rmSync(dataDir, { recursive: true, force: true })
}, 120_000)

describe('upgrade 2025.6.3 → 2026.8.3 on the real engine', () => {
  test('a failed backup refuses the upgrade before anything stops', async () => {
    const before = (await inspectService('server')).Id
    const plan = await planUpgrade(saved, '2025.6.3', { inspect: async () => null })
    const error = await caught(
      applyUpgrade(plan, deps({ ok: false, reason: 'pg_restore --list failed' })),
    )
    expect(error.code).toBe('UPGRADE_PREFLIGHT_FAILED')
    expect(error.message).toContain('"backup made and verified"')
    expect((await inspectService('server')).Id).toBe(before)
    expect(saved.authentikVersion).toBe('2025.6.3')
  }, 120_000)

  test('a crashing 2025.12 stops there naming the step; the re-run continues to 2026.8.3', async () => {
    const plan = await planUpgrade(saved, '2025.6.3', {
      inspect: async (ref) =>
        (await engine.api
          .getImage(ref)
          .inspect()
          .catch(() => null))
          ? { sizeBytes: 1 }
          : null,
    })
    expect(plan.steps.map((s) => s.version)).toEqual(versions.slice(1))
    expect(plan.diskNeededBytes).toBe(0)

    const events: UpgradeEvent[] = []
    const error = await caught(applyUpgrade(plan, deps(), (e) => events.push(e)))
    expect(error.code).toBe('UPGRADE_STEP_FAILED')
    expect(error.message).toContain('Step 3 of 6 (2025.10.4 → 2025.12.6) failed')
    expect(error.details?.step).toBe('2025.12.6')
    expect(error.details?.reached).toBe('2025.10.4')
    expect((error.details?.logLines as string[]).join('\n')).toContain('migration 0042 failed')
    expect(savedVersions).toEqual(['2025.8.6', '2025.10.4'])
    expect(
      events
        .filter((e) => e.phase === 'step' && e.state === 'done')
        .map((e) => e.phase === 'step' && e.version),
    ).toEqual(['2025.8.6', '2025.10.4'])

    // Redis left at 2025.10; the move of the uploads happened before the failing converge.
    expect(await services()).toEqual(['postgresql', 'server', 'worker'])
    const moved = join(stackDir, 'data', 'media', 'logo.png')
    expect(readFileSync(moved, 'utf8')).toBe('uploaded by an admin')
    expect(statSync(moved).uid).toBe(1000)
    expect(statSync(join(stackDir, 'data', 'media')).gid).toBe(1000)

    // The admin fixes the image and plans again: the plan starts from what runs.
    await tagVersion('2025.12.6', 'good')
    const again = await planUpgrade(saved, saved.authentikVersion, {
      inspect: async () => ({ sizeBytes: 1 }),
    })
    expect(again.steps.map((s) => s.version)).toEqual(versions.slice(3))
    const seen: string[] = []
    const result = await applyUpgrade(again, deps(), (e) => {
      if (e.phase === 'step' && e.state === 'done') seen.push(e.version)
    })
    expect(result).toMatchObject({ completed: true, reached: '2026.8.3' })
    expect(seen).toEqual(versions.slice(3))
    expect(savedVersions.at(-1)).toBe('2026.8.3')
    expect(saved.authentikVersion).toBe('2026.8.3')

    const server = await inspectService('server')
    const worker = await inspectService('worker')
    expect(server.Config.Image).toBe(`${repo}:2026.8.3`)
    expect(server.HostConfig.ShmSize).toBe(512 * 1024 * 1024)
    expect(worker.HostConfig.ShmSize).toBe(512 * 1024 * 1024)
    expect(server.Mounts.map((m) => `${m.Source}:${m.Destination}`)).toContain(
      `${stackDir}/data:/data`,
    )
    expect(server.Config.Env.some((e) => e.startsWith('AUTHENTIK_REDIS__HOST='))).toBe(false)
    expect(await services()).toEqual(['postgresql', 'server', 'worker'])
    expect(backups).toBe(3)

    // Step by step, as the containers were when each step was proven.
    const at = (v: string) => observed.get(v)
    const withRedis = ['postgresql', 'redis', 'server', 'worker']
    const noRedis = ['postgresql', 'server', 'worker']
    const defaultShm = 64 * 1024 * 1024
    expect(Object.fromEntries(observed)).toEqual({
      '2025.8.6': {
        services: withRedis,
        image: `${repo}:2025.8.6`,
        dataMount: './media:/media',
        redisEnv: true,
        shm: defaultShm,
      },
      '2025.10.4': {
        services: noRedis,
        image: `${repo}:2025.10.4`,
        dataMount: './media:/media',
        redisEnv: false,
        shm: defaultShm,
      },
      '2025.12.6': {
        services: noRedis,
        image: `${repo}:2025.12.6`,
        dataMount: './data:/data',
        redisEnv: false,
        shm: defaultShm,
      },
      '2026.2.0': {
        services: noRedis,
        image: `${repo}:2026.2.0`,
        dataMount: './data:/data',
        redisEnv: false,
        shm: 512 * 1024 * 1024,
      },
      '2026.5.6': {
        services: noRedis,
        image: `${repo}:2026.5.6`,
        dataMount: './data:/data',
        redisEnv: false,
        shm: 512 * 1024 * 1024,
      },
      '2026.8.3': {
        services: noRedis,
        image: `${repo}:2026.8.3`,
        dataMount: './data:/data',
        redisEnv: false,
        shm: 512 * 1024 * 1024,
      },
    })
    expect(at('2025.12.6')?.dataMount).toBe('./data:/data')
  }, 900_000)
})
