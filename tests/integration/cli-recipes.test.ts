import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { FakeAuthentik } from '../fakes/authentik/server'
import {
  runGatehouseAsync,
  startCliAgainstFake,
  type CliAgainstFake,
} from '../support/gatehouse-cli'

/**
 * `gatehouse recipes plan|apply <id> [--params …]` as a script runs it: the built bin, the real
 * keychain (a service name of its own) and the fake Authentik.
 */
describe('gatehouse recipes on the command line', () => {
  let cli: CliAgainstFake
  let env: Record<string, string>
  let fake: FakeAuthentik
  const folder = mkdtempSync(join(tmpdir(), 'gh-cli-plans-'))

  beforeAll(async () => {
    cli = await startCliAgainstFake('cli-recipes', 'C'.repeat(60))
    ;({ env, fake } = cli)
  })
  afterAll(async () => {
    await cli.close()
    rmSync(folder, { recursive: true, force: true })
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

    const saved = join(folder, 'r7.plan.json')
    const out = await runGatehouseAsync(
      ['recipes', 'plan', 'r7', '--params', params, '--out', saved],
      env,
    )
    expect(out.code, out.stderr).toBe(0)
    expect(statSync(saved).mode & 0o777).toBe(0o600)
    const writesBefore = fake.state.requestLog.filter((r) => r.method !== 'GET').length
    // Parameters typed now do not count: the saved plan's own parameters are applied.
    const apply = await runGatehouseAsync(
      ['recipes', 'apply', '--plan', saved, '--params', '{"flowSlug":"other"}'],
      env,
    )
    expect(apply.code, apply.stderr).toBe(0)
    expect(JSON.parse(apply.stdout)).toMatchObject({ completed: true, remaining: [] })
    expect(apply.stderr).toMatch(/r7 \d+\/\d+: create flow forgot — done/)
    expect(fake.state.requestLog.filter((r) => r.method !== 'GET').length).toBeGreaterThan(
      writesBefore,
    )

    const again = await runGatehouseAsync(['recipes', 'plan', 'r7', '--params', params], env)
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'applied' })
    expect(fake.schemaViolations).toEqual([])
  })

  test('a saved plan the server moved away from is refused: PLAN_STALE, exit 1, nothing written', async () => {
    const params = JSON.stringify({ flowSlug: 'forgot-stale' })
    const saved = join(folder, 'stale.plan.json')
    expect(
      (await runGatehouseAsync(['recipes', 'plan', 'r7', '--params', params, '--out', saved], env))
        .code,
    ).toBe(0)
    // Someone else creates the flow in Authentik meanwhile: the plan's "create" is no longer true.
    const created = await fetch(`${fake.url}/api/v3/flows/instances/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${'C'.repeat(60)}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Someone else',
        slug: 'forgot-stale',
        title: 'x',
        designation: 'recovery',
      }),
    })
    expect(created.status).toBe(201)
    const writesBefore = fake.state.requestLog.filter((r) => r.method !== 'GET').length
    const stale = await runGatehouseAsync(['recipes', 'apply', '--plan', saved], env)
    expect(stale.code).toBe(1)
    expect(stale.stderr).toMatch(/error \[PLAN_STALE\]/)
    expect(fake.state.requestLog.filter((r) => r.method !== 'GET').length).toBe(writesBefore)
    // Without a plan there is nothing to apply: the input names what is missing.
    const bare = await runGatehouseAsync(['recipes', 'apply', 'r7', '--params', params], env)
    expect(bare.code).toBe(2)
    expect(bare.stderr).toMatch(/VALIDATION_FAILED.*planId/)
  })

  test('an apply that stops part-way prints its result and exits 1; the re-run exits 0', async () => {
    const params = JSON.stringify({ flowSlug: 'forgot-again' })
    const saved = join(folder, 'partial.plan.json')
    const plan = () =>
      runGatehouseAsync(['recipes', 'plan', 'r7', '--params', params, '--out', saved], env)
    expect((await plan()).code).toBe(0)
    fake.state.faults.failWrite({ at: 1, mode: 'before' })
    const broken = await runGatehouseAsync(['recipes', 'apply', '--plan', saved], env)
    expect(broken.code, broken.stderr).toBe(1)
    const result = JSON.parse(broken.stdout) as { completed: boolean; error?: { code: string } }
    expect(result.completed).toBe(false)
    expect(result.error?.code).toMatch(/^AUTHENTIK_/)
    expect(broken.stderr).toMatch(/did not complete/)

    expect((await plan()).code).toBe(0)
    const healed = await runGatehouseAsync(['recipes', 'apply', '--plan', saved], env)
    expect(healed.code, healed.stderr).toBe(0)
    expect(JSON.parse(healed.stdout)).toMatchObject({ completed: true, remaining: [] })
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
