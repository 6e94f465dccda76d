import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  DOMAIN,
  planThenApply,
  startRecipeHarness,
  type RecipeHarness,
} from '../support/recipe-harness'
import { edgeVersions } from '../support/versions'

/**
 * #14: a plan a person can read. An object field (the embedded outpost's `config`) is shown key by
 * key, only what changes; references read by name with `name = pk` kept for the hover; a list of
 * objects (redirect URIs) reads one item per line.
 */
describe.each(edgeVersions)('readable plans on Authentik %s', (version) => {
  let h: RecipeHarness
  beforeAll(async () => {
    h = await startRecipeHarness(version)
  })
  afterAll(async () => {
    await h.close()
  })

  test('R2: the outpost update is one line per changed config key, references by name', async () => {
    const plan = await h.client.recipes.plan({ id: 'r2' })
    const outpost = plan.steps.find((s) => s.kind.startsWith('outpost'))
    expect(outpost?.action).toBe('update')
    const fields = outpost!.changes.map((c) => c.field)
    expect(fields).toContain('config.authentik_host')
    expect(fields).not.toContain('config')
    const host = outpost!.changes.find((c) => c.field === 'config.authentik_host')
    expect(host?.after).toBe(`https://auth.${DOMAIN}`)
    // Keys that already match are not repeated.
    expect(outpost!.changes.length).toBeLessThan(6)
    // The provider's flows read by name; what each name stands for is kept for the hover.
    const provider = plan.steps.find((s) => s.key === 'provider')
    const flow = provider?.changes.find((c) => c.field === 'authorization_flow')
    expect(flow?.after).toMatch(/default-provider-authorization-/)
    expect(flow?.refs).toMatch(/default-provider-authorization-\S+ = [0-9a-f-]{8,}/)
  })

  test('a list of redirect URIs reads one item per line', async () => {
    const plan = await h.client.integrations.plan({
      id: 'immich',
      params: { extraRedirectUris: ['https://photos.example.test/extra'] },
    })
    const line = plan.steps.flatMap((s) => s.changes).find((c) => c.field === 'redirect_uris')
    expect(line?.after?.split('\n').length).toBeGreaterThan(1)
    expect(line?.after).toContain('url: https://photos.example.test/extra')
    expect(line?.after).not.toContain('{')
  })

  test('status means what it says: the parameters of the last apply, and R8 owns only its own users', async () => {
    // R4 applied with a non-default value: status plans with that value, so it is "applied".
    expect(
      (await planThenApply(h.client, { id: 'r4', params: { rememberMe: true } })).completed,
    ).toBe(true)
    expect((await planThenApply(h.client, { id: 'r8' })).completed).toBe(true)
    // A person created in the Users panel afterwards is the admin's, not R8's.
    await h.client.users.create({ username: 'newcomer', name: 'New Comer' })
    const status = Object.fromEntries((await h.client.recipes.status()).map((r) => [r.id, r]))
    expect(status.r4).toMatchObject({ status: 'applied', changes: 0 })
    expect(status.r8).toMatchObject({ status: 'applied', changes: 0 })
    // Every recipe is listed, R3 and R9 included (never applied here: "not applied").
    expect(Object.keys(status).sort()).toEqual(['r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9'])
    expect(status.r3?.status).toBe('not-applied')
    expect(status.r9, JSON.stringify(status.r9)).toMatchObject({ status: 'not-applied' })
  })
})
