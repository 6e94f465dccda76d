import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { buildStack, type StackSecrets } from '../../src/main/stack/catalogue'
import {
  deploySwarmStack,
  removeSwarmStack,
  scaleSwarmStack,
  swarmStatus,
} from '../../src/main/swarm/swarm-engine'
import { buildSwarmStack } from '../../src/main/swarm/swarm-spec'
import { SettingsSchema } from '../../src/shared/settings'
import { FAKE_STACK_IMAGE, ensureFakeStackImage } from '../support/fake-stack-image'
import { startPrivateDockerd, type PrivateDockerd } from '../support/private-dockerd'

// A single-node swarm on a private engine: `docker swarm init` never touches the shared one.
let dockerd: PrivateDockerd
let engine: Docker
const dataDir = mkdtempSync(join(tmpdir(), 'gh-swarm-'))
const project = `ghswarm${Date.now().toString(36)}`
const secrets: StackSecrets = {
  postgresPassword: 'SwarmPgSecret0123456789abcdefghijklmnopqrstuvwxyzAB',
  authentikSecretKey: 'SwarmAkSecret0123456789abcdefghijklmnopqrstuvwxyzAB',
  bootstrapPassword: 'SwarmBootPw0123456789abcdefghijklmnopqrstuvwxyzABCD',
  bootstrapToken: 'SwarmBootTok0123456789abcdefghijklmnopqrstuvwxyzABC',
}

const settings = SettingsSchema.parse({
  baseDomain: 'example.test',
  adminEmail: 'admin@example.test',
  smtp: { host: 'smtp.example.test', port: 587, from: 'a@example.test', tls: 'starttls' },
  authentikVersion: '2026.8.3',
  dataFolder: join(dataDir, 'stack'),
  timezone: 'UTC',
  project,
  imageOverrides: {
    postgresql: FAKE_STACK_IMAGE,
    redis: FAKE_STACK_IMAGE,
    authentik: FAKE_STACK_IMAGE,
  },
  deployment: { target: 'swarm', serverReplicas: 2 },
})
const swarm = buildSwarmStack(
  buildStack(settings, secrets, { traefikNetwork: `${project}-proxy` }),
  { serverReplicas: 2 },
)

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error(`timed out: ${JSON.stringify(await swarmStatus(engine, project))}`)
}

beforeAll(async () => {
  for (const d of ['data', 'media', 'certs', 'custom-templates'])
    mkdirSync(join(dataDir, 'stack', d), { recursive: true })
  await ensureFakeStackImage(new Docker())
  dockerd = await startPrivateDockerd({ diskMegabytes: 512 })
  await dockerd.start()
  engine = dockerd.api
  dockerd.loadImages(FAKE_STACK_IMAGE)
  await engine.swarmInit({ ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1' })
}, 180_000)

afterAll(async () => {
  if (engine) {
    await removeSwarmStack(engine, project).catch(() => undefined)
    await engine.swarmLeave({ force: true }).catch(() => undefined)
  }
  await dockerd?.dispose()
  rmSync(dataDir, { recursive: true, force: true })
}, 120_000)

test('deploy, replicas running, secrets as files only, scale to 0 and back, remove', async () => {
  await deploySwarmStack(engine, swarm)
  await waitFor(
    async () => (await swarmStatus(engine, project)).every((s) => s.running === s.desired),
    120_000,
  )
  const status = await swarmStatus(engine, project)
  expect(status.find((s) => s.name === `${project}_server`)).toMatchObject({
    desired: 2,
    running: 2,
  })

  // `docker service inspect` holds no secret value; the container sees it as a file.
  const inspected = JSON.stringify(
    await Promise.all((await engine.listServices()).map((s) => engine.getService(s.ID).inspect())),
  )
  for (const value of Object.values(secrets)) expect(inspected).not.toContain(value)
  const [pg] = await engine.listContainers({
    filters: { label: [`com.docker.swarm.service.name=${project}_postgresql`] },
  })
  const exec = await engine.getContainer(pg?.Id ?? '').exec({
    Cmd: ['cat', `/run/secrets/${project}_postgres_password`],
    AttachStdout: true,
  })
  const stream = await exec.start({})
  const chunks: Buffer[] = []
  stream.on('data', (c: Buffer) => chunks.push(c))
  await new Promise((r) => stream.on('end', r))
  expect(Buffer.concat(chunks).toString('latin1')).toContain(secrets.postgresPassword)

  await scaleSwarmStack(engine, project, () => 0)
  await waitFor(
    async () => (await swarmStatus(engine, project)).every((s) => s.running === 0),
    60_000,
  )
  await scaleSwarmStack(engine, project, (name) => (name.endsWith('_server') ? 2 : 1))
  await waitFor(
    async () =>
      (await swarmStatus(engine, project)).every((s) => s.desired > 0 && s.running === s.desired),
    120_000,
  )

  await removeSwarmStack(engine, project)
  expect(await swarmStatus(engine, project)).toEqual([])
  expect(await engine.listSecrets()).toEqual([])
}, 420_000)
