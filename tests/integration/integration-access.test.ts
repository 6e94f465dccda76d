import { afterEach, beforeEach, expect, test } from 'vitest'
import { hasFeature } from '../../src/shared/authentik-releases'
import { caught } from '../support/caught'
import {
  one,
  planThenApplyIntegration,
  startRecipeHarness,
  type RecipeHarness,
} from '../support/recipe-harness'
import { describeVersions, edgeVersions } from '../support/versions'

/**
 * "Who may use this app" (#19 item 4) against the schema-checked fake: the group binding is in
 * the plan, applied, re-planned empty, Authentik's policy engine (check_access) refuses a user
 * outside the group and lets a member in, the live check says so, a group taken off the list
 * loses its binding, and a binding disabled behind Gatehouse's back is drift and a failed check.
 */
describeVersions('who may use an app on Authentik %s', edgeVersions, (version) => {
  let h: RecipeHarness
  beforeEach(async () => {
    // Discovery checks go to a closed local port: fast failures, only the access results matter.
    process.env.GATEHOUSE_CHECK_BASE = 'http://127.0.0.1:9'
    h = await startRecipeHarness(version)
    delete process.env.GATEHOUSE_CHECK_BASE
  })
  afterEach(async () => {
    expect(h.fake.schemaViolations).toEqual([])
    expect(h.fake.state.unimplementedCalls).toEqual([])
    await h.close()
  })

  async function user(username: string): Promise<number> {
    const created = (await h.api('POST', '/core/users/', { username, name: username })) as {
      pk: number
    }
    return created.pk
  }
  async function canUse(slug: string, pk: number): Promise<boolean> {
    const r = (await h.api('GET', `/core/applications/${slug}/check_access/?for_user=${pk}`)) as {
      passing: boolean
    }
    return r.passing
  }

  test('a group binding in the plan, applied, enforced by the policy engine, removed again', async () => {
    const family = (await h.api('POST', '/core/groups/', { name: 'Family' })) as { pk: string }
    const alice = await user('alice')
    const bob = await user('bob')
    await h.api('POST', `/core/groups/${family.pk}/add_user/`, { pk: alice })
    const params = { allowedGroups: ['Family'] }

    const plan = await h.client.integrations.plan({ id: 'immich', params })
    const binding = plan.steps.find((s) => s.kind === 'policy_binding')
    expect(binding?.action).toBe('create')
    expect(binding?.title).toContain('Family')
    expect(binding?.title).toContain('immich')

    // Before: no binding, everyone may use an application.
    expect((await planThenApplyIntegration(h.client, { id: 'immich', params })).completed).toBe(
      true,
    )
    const again = await h.client.integrations.plan({ id: 'immich', params })
    expect(again.steps.every((s) => s.action === 'unchanged')).toBe(true)
    const app = await one(h, '/core/applications/', { slug: 'immich' })
    const bindings = (await h.api('GET', `/policies/bindings/?target=${String(app.pk)}`)) as {
      results: { group: string | null; enabled: boolean; pk: string }[]
    }
    expect(bindings.results.map((b) => [b.group, b.enabled])).toEqual([[family.pk, true]])

    expect(await canUse('immich', bob)).toBe(false)
    expect(await canUse('immich', alice)).toBe(true)
    // A group below Family counts as Family (Authentik matches the user's groups' ancestors).
    const under = hasFeature(version, 'groupParents')
      ? { parents: [family.pk] }
      : { parent: family.pk }
    const kids = (await h.api('POST', '/core/groups/', { name: 'Kids', ...under })) as {
      pk: string
    }
    const dave = await user('dave')
    await h.api('POST', `/core/groups/${kids.pk}/add_user/`, { pk: dave })
    expect(await canUse('immich', dave)).toBe(true)
    const checked = await h.client.integrations.check({ id: 'immich' })
    const access = checked.results.find((r) => r.title.startsWith('Who may use immich'))
    expect(access).toMatchObject({ ok: true, reason: 'ok' })
    expect(access?.message).toContain('alice (a member) may log in')
    expect(access?.message).toMatch(/\(outside\) is refused/)

    // Disabled behind Gatehouse's back: drift in the plan, and the check names who gets in.
    await h.api('PATCH', `/policies/bindings/${bindings.results[0]!.pk}/`, { enabled: false })
    const drifted = await h.client.integrations.plan({ id: 'immich', params })
    expect(drifted.steps.flatMap((s) => s.changes).map((c) => c.field)).toContain('enabled')
    const broken = await h.client.integrations.check({ id: 'immich' })
    const refused = broken.results.find((r) => r.title.startsWith('Who may use immich'))
    expect(refused).toMatchObject({ ok: false, reason: 'access' })
    expect(refused?.message).toContain('would get in')
    expect(refused?.fix).toBeTruthy()
    expect((await planThenApplyIntegration(h.client, { id: 'immich', params })).completed).toBe(
      true,
    )
    expect(await canUse('immich', bob)).toBe(false)

    // Off the list: the plan deletes the binding, and bob may log in again.
    const open = await h.client.integrations.plan({ id: 'immich', params: { allowedGroups: [] } })
    expect(
      open.steps.filter((s) => s.action !== 'unchanged').map((s) => [s.kind, s.action]),
    ).toEqual([['policy_binding', 'delete']])
    expect(
      (await planThenApplyIntegration(h.client, { id: 'immich', params: { allowedGroups: [] } }))
        .completed,
    ).toBe(true)
    expect(await canUse('immich', bob)).toBe(true)
  })

  test('every app of a forward-auth integration gets the binding; a missing group is refused before any write', async () => {
    await h.api('POST', '/core/groups/', { name: 'Media' })
    const apps = [
      { kind: 'sonarr', name: 'Sonarr', slug: 'sonarr', username: 'u', password: 'secret-1' },
      { kind: 'radarr', name: 'Radarr', slug: 'radarr', username: 'u', password: 'secret-2' },
    ]
    const writes = h.writes()
    const error = await caught(
      h.client.integrations.plan({ id: 'servarr', params: { apps, allowedGroups: ['Nobody'] } }),
    )
    expect(error.message).toContain('Nobody')
    expect(JSON.stringify(error)).toContain('Groups panel')
    expect(h.writes()).toBe(writes)

    const params = { apps, allowedGroups: ['Media'] }
    const plan = await h.client.integrations.plan({ id: 'servarr', params })
    expect(
      plan.steps.filter((s) => s.kind === 'policy_binding').map((s) => [s.title, s.action]),
    ).toEqual([
      ['binding of group Media on application sonarr (who may use it)', 'create'],
      ['binding of group Media on application radarr (who may use it)', 'create'],
    ])
    expect((await planThenApplyIntegration(h.client, { id: 'servarr', params })).completed).toBe(
      true,
    )
    const outsider = await user('carol')
    for (const slug of ['sonarr', 'radarr']) expect(await canUse(slug, outsider)).toBe(false)
  })
})
