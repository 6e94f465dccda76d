import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createKeychainStore } from '../../src/main/secrets/store'
import { startFakeAuthentik, type FakeAuthentik } from '../fakes/authentik/server'
import { runGatehouseAsync } from '../support/gatehouse-cli'

/**
 * `gatehouse recipes plan|apply <id> [--params …]` as a script runs it: the built bin, the real
 * keychain (a service name of its own) and the fake Authentik.
 */
describe('gatehouse recipes on the command line', () => {
  const token = 'C'.repeat(60)
  const service = `gatehouse-test-cli-${process.pid}`
  const dataDir = mkdtempSync(join(tmpdir(), 'gh-cli-recipes-'))
  const env = { GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_KEYCHAIN_SERVICE: service }
  const keychain = createKeychainStore({ service })
  let fake: FakeAuthentik

  beforeAll(async () => {
    fake = await startFakeAuthentik({ version: '2025.6.3', bootstrapToken: token })
    await keychain.set('bootstrapToken', token)
    const settings = {
      baseDomain: 'example.test',
      adminEmail: 'admin@example.test',
      smtp: { host: 'smtp.example.test', port: 587, from: 'a@example.test', tls: 'starttls' },
      dataFolder: join(dataDir, 'stack'),
      timezone: 'UTC',
      authentikUrl: fake.url,
    }
    const saved = await runGatehouseAsync(
      ['settings', 'save', '--json', JSON.stringify(settings)],
      env,
    )
    expect(saved.code, saved.stderr).toBe(0)
  })
  afterAll(async () => {
    await keychain.delete('bootstrapToken')
    await fake.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  test('plan r7 with --params, apply it with progress on stderr, plan again: nothing left', async () => {
    const params = JSON.stringify({ flowSlug: 'forgot', emailSubject: 'Reset your password' })
    const plan = await runGatehouseAsync(['recipes', 'plan', 'r7', '--params', params], env)
    expect(plan.code, plan.stderr).toBe(0)
    const planned = JSON.parse(plan.stdout) as {
      status: string
      steps: { key: string; action: string; changes: { field: string; after: string }[] }[]
    }
    expect(planned.status).toBe('not-applied')
    const flow = planned.steps.find((s) => s.key === 'flow:recovery')
    expect(flow?.action).toBe('create')
    expect(flow?.changes).toContainEqual(
      expect.objectContaining({ field: 'slug', after: 'forgot' }),
    )

    const apply = await runGatehouseAsync(['recipes', 'apply', 'r7', '--params', params], env)
    expect(apply.code, apply.stderr).toBe(0)
    expect(JSON.parse(apply.stdout)).toMatchObject({ completed: true, remaining: [] })
    expect(apply.stderr).toMatch(/r7 \d+\/\d+: create flow forgot — done/)

    const again = await runGatehouseAsync(['recipes', 'plan', 'r7', '--params', params], env)
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'applied' })
    expect(fake.schemaViolations).toEqual([])
  })

  test('bad parameters are a usage error naming the field, before any call', async () => {
    const before = fake.state.requestLog.length
    const run = await runGatehouseAsync(
      ['recipes', 'plan', 'r6', '--params', '{"deviceClasses":["sms"]}'],
      env,
    )
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/error \[VALIDATION_FAILED\].*deviceClasses/)
    expect(fake.state.requestLog.length).toBe(before)
    const unknown = await runGatehouseAsync(['recipes', 'plan', 'r42'], env)
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('VALIDATION_FAILED')
  })
})
