import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { SecretName } from '../../src/shared/contract'
import { createEventBus } from '../../src/main/core/event-bus'
import { createMemoryStore } from '../../src/main/secrets/store'
import { createSettingsStore } from '../../src/main/settings/store'
import { createStackService, type StackService } from '../../src/main/stack/stack-service'
import { removeProjectResources, testProject } from '../support/stack-resources'

/**
 * The keychain is slow (a D-Bus round trip per call, a prompt when locked): each operation reads
 * each secret at most once, and operations that only need names read none. Counted on the real
 * secret store (in memory) and the real engine, for a configured stack with no containers yet.
 */

const api = new Docker()
const project = testProject()
const dataDir = mkdtempSync(join(tmpdir(), 'gh-secret-reads-'))
const memory = createMemoryStore()
const reads: string[] = []
const counted = {
  ensure: (name: SecretName) => (reads.push(`ensure ${name}`), memory.ensure(name)),
  get: (name: SecretName) => (reads.push(`get ${name}`), memory.get(name)),
}
let stack: StackService

const readsDuring = async (work: () => Promise<unknown>): Promise<string[]> => {
  reads.length = 0
  await work()
  return [...reads].sort()
}

beforeAll(async () => {
  const settings = createSettingsStore(dataDir)
  await settings.save({
    baseDomain: 'example.test',
    adminEmail: 'admin@example.test',
    smtp: { host: 'smtp.example.test', port: 587, from: 'a@example.test', tls: 'starttls' },
    dataFolder: join(dataDir, 'stack'),
    timezone: 'UTC',
    project,
  })
  stack = createStackService({ settings, secrets: counted, bus: createEventBus() })
})

afterAll(async () => {
  await stack?.dispose()
  await removeProjectResources(api, project)
  rmSync(dataDir, { recursive: true, force: true })
})

test('status reads each secret once and generates none', async () => {
  expect(await readsDuring(() => stack.status({}))).toEqual([
    'get authentikSecretKey',
    'get bootstrapPassword',
    'get bootstrapToken',
    'get postgresPassword',
    'get smtpPassword',
  ])
  expect(await memory.get('postgresPassword')).toBeNull()
})

test('export generates each missing secret once, then reads nothing twice', async () => {
  expect(await readsDuring(() => stack.export({ folder: join(dataDir, 'export') }))).toEqual([
    'ensure authentikSecretKey',
    'ensure bootstrapPassword',
    'ensure bootstrapToken',
    'ensure postgresPassword',
    'get smtpPassword',
  ])
})

test('logs, down and Remove need names only: no keychain read', async () => {
  expect(await readsDuring(() => stack.logs({ tail: 10 }))).toEqual([])
  expect(await readsDuring(() => stack.down({}))).toEqual([])
  expect(
    await readsDuring(() => stack.removeVolumes({ confirm: 'wrong' }).catch(() => undefined)),
  ).toEqual([])
})
