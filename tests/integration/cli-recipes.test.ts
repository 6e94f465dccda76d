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

  beforeAll(async () => {
    cli = await startCliAgainstFake('cli-recipes', 'C'.repeat(60))
    ;({ env, fake } = cli)
  })
  afterAll(async () => {
    await cli.close()
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

  test('an apply that stops part-way prints its result and exits 1; the re-run exits 0', async () => {
    const params = JSON.stringify({ flowSlug: 'forgot-again' })
    fake.state.faults.failWrite({ at: 1, mode: 'before' })
    const broken = await runGatehouseAsync(['recipes', 'apply', 'r7', '--params', params], env)
    expect(broken.code, broken.stderr).toBe(1)
    const result = JSON.parse(broken.stdout) as { completed: boolean; error?: { code: string } }
    expect(result.completed).toBe(false)
    expect(result.error?.code).toMatch(/^AUTHENTIK_/)
    expect(broken.stderr).toMatch(/did not complete/)

    const healed = await runGatehouseAsync(['recipes', 'apply', 'r7', '--params', params], env)
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
