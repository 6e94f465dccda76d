import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { SecretStore } from '../../src/main/secrets/store'
import type { FakeAuthentik } from '../fakes/authentik/server'
import {
  runGatehouseAsync,
  startCliAgainstFake,
  type CliAgainstFake,
} from '../support/gatehouse-cli'

/**
 * `gatehouse integrations list|plan|apply|check|revealSecret …` as a script runs them: the built
 * bin, the real keychain (a service name of its own) and the fake Authentik.
 */
describe('gatehouse integrations on the command line', () => {
  const token = 'N'.repeat(60)
  let cli: CliAgainstFake
  let env: Record<string, string>
  let keychain: SecretStore
  let fake: FakeAuthentik

  beforeAll(async () => {
    cli = await startCliAgainstFake('cli-int', token)
    ;({ env, keychain, fake } = cli)
  })
  afterAll(async () => {
    await cli.close(['integration:synology:clientSecret'])
  })

  test('plan and apply synology with --params, list it, reveal its secret, check it', async () => {
    const params = JSON.stringify({ subdomain: 'dsm' })
    const saved = join(tmpdir(), `gh-synology-${process.pid}.plan.json`)
    const plan = await runGatehouseAsync(
      ['integrations', 'plan', 'synology', '--params', params, '--out', saved],
      env,
    )
    expect(plan.code, plan.stderr).toBe(0)
    const planned = JSON.parse(plan.stdout) as {
      status: string
      steps: { key: string; changes: { field: string; after: string }[] }[]
    }
    expect(planned.status).toBe('not-applied')
    const redirects = planned.steps
      .find((s) => s.key === 'provider')
      ?.changes.find((c) => c.field === 'redirect_uris')
    expect(redirects?.after).toContain('https://dsm.example.test/#/signin')

    // The saved plan is what gets applied (its id, integration and parameters).
    const apply = await runGatehouseAsync(['integrations', 'apply', '--plan', saved], env)
    rmSync(saved, { force: true })
    expect(apply.code, apply.stderr).toBe(0)
    expect(JSON.parse(apply.stdout)).toMatchObject({ completed: true, remaining: [] })
    expect(apply.stderr).toMatch(/synology \d+\/\d+: create application nas — done/)

    const list = await runGatehouseAsync(['integrations', 'list'], env)
    expect(JSON.parse(list.stdout)).toMatchObject([{ id: 'synology', status: 'applied' }])

    const provider = (await (
      await fetch(`${fake.url}/api/v3/providers/oauth2/?name=Synology%20Provider`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { results: { client_secret: string }[] }
    const secret = provider.results[0]!.client_secret
    expect(apply.stdout + plan.stdout + list.stdout).not.toContain(secret)
    const reveal = await runGatehouseAsync(
      ['integrations', 'revealSecret', 'synology', '--json', '{"secret":"clientSecret"}'],
      env,
    )
    expect(reveal.code, reveal.stderr).toBe(0)
    expect(JSON.parse(reveal.stdout)).toMatchObject({ value: secret })
    expect(await keychain.get('integration:synology:clientSecret')).toBe(secret)

    // dsm.example.test does not resolve here: the check runs and says so (exit 0, ok false).
    const check = await runGatehouseAsync(['integrations', 'check', 'synology'], env)
    expect(check.code, check.stderr).toBe(0)
    const checked = JSON.parse(check.stdout) as { ok: boolean; results: { reason: string }[] }
    expect(checked.ok).toBe(false)
    expect(['dns', 'timeout', 'refused', 'network']).toContain(checked.results[0]?.reason)
    expect(fake.schemaViolations).toEqual([])
  })

  test('bad input is a usage error naming the field, with no write', async () => {
    const writes = fake.state.requestLog.filter((r) => r.method !== 'GET').length
    const run = await runGatehouseAsync(
      ['integrations', 'plan', 'immich', '--params', '{"subdomain":"photos app"}'],
      env,
    )
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/VALIDATION_FAILED.*subdomain/)
    expect(fake.state.requestLog.filter((r) => r.method !== 'GET').length).toBe(writes)
  })
})
