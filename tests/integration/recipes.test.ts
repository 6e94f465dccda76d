import { afterEach, beforeEach, expect, test } from 'vitest'
import type { RecipeId } from '../../src/shared/contract'
import { caught } from '../support/caught'
import {
  DOMAIN,
  one,
  planThenApply,
  startRecipeHarness,
  type RecipeHarness,
} from '../support/recipe-harness'
import { allVersions, describeVersions, edgeVersions } from '../support/versions'

/**
 * R2–R9 against the schema-checked fake of every supported release, through the contract: plan on
 * a fresh install, apply, re-plan empty, a second apply writes nothing, drift shows up field by
 * field (all releases), and an apply broken at every single write (before the write lands, and
 * after it landed but the answer was lost) converges on the next apply without duplicates (the
 * slow path: the oldest and the newest release, see tests/support/versions.ts).
 */

/** Parameters each recipe is exercised with (R9 on R2's domain-level provider needs the host). */
const params: Partial<Record<RecipeId, Record<string, unknown>>> = {
  r9: { host: `sonarr.${DOMAIN}` },
}

/** What must exist before a recipe can apply on a fresh install. */
const prerequisites: Partial<Record<RecipeId, RecipeId[]>> = { r9: ['r2'] }

/** A field changed behind Gatehouse's back, and the plan line that must show it. */
const drift: Record<Exclude<RecipeId, 'r3'>, (h: RecipeHarness) => Promise<string>> = {
  async r2(h) {
    const provider = await one(h, '/providers/proxy/', { name__iexact: 'Traefik Provider' })
    await h.api('PATCH', `/providers/proxy/${String(provider.pk)}/`, { cookie_domain: 'evil.test' })
    return 'cookie_domain'
  },
  async r4(h) {
    const stage = await one(h, '/stages/identification/', {
      name: 'default-authentication-identification',
    })
    await h.api('PATCH', `/stages/identification/${String(stage.pk)}/`, { password_stage: null })
    return 'password_stage'
  },
  async r5(h) {
    const policy = await one(h, '/policies/password/', { name: 'password-complexity' })
    await h.api('PATCH', `/policies/password/${String(policy.pk)}/`, { length_min: 6 })
    return 'length_min'
  },
  async r6(h) {
    const stage = await one(h, '/stages/authenticator/validate/', {
      name: 'default-authentication-mfa-validation',
    })
    await h.api('PATCH', `/stages/authenticator/validate/${String(stage.pk)}/`, {
      not_configured_action: 'skip',
    })
    return 'not_configured_action'
  },
  async r7(h) {
    const stage = await one(h, '/stages/email/', { name: 'recovery-email' })
    await h.api('PATCH', `/stages/email/${String(stage.pk)}/`, { use_global_settings: false })
    return 'use_global_settings'
  },
  async r8(h) {
    const stage = await one(h, '/stages/invitation/stages/', { name: 'enrollment-invitation' })
    await h.api('PATCH', `/stages/invitation/stages/${String(stage.pk)}/`, {
      continue_flow_without_invitation: true,
    })
    return 'continue_flow_without_invitation'
  },
  async r9(h) {
    const provider = await one(h, '/providers/proxy/', { name__iexact: 'Traefik Provider' })
    await h.api('PATCH', `/providers/proxy/${String(provider.pk)}/`, { skip_path_regex: '' })
    return 'skip_path_regex'
  },
}

const ids = Object.keys(drift) as Exclude<RecipeId, 'r3'>[]

async function applyPrerequisites(h: RecipeHarness, id: RecipeId) {
  for (const before of prerequisites[id] ?? []) {
    const result = await planThenApply(h.client, { id: before, params: params[before] })
    expect(result.completed).toBe(true)
  }
}

describeVersions('setup recipes on Authentik %s', allVersions, (version) => {
  let h: RecipeHarness
  beforeEach(async () => {
    h = await startRecipeHarness(version)
  })
  afterEach(async () => {
    expect(h.fake.schemaViolations).toEqual([])
    expect(h.fake.state.unimplementedCalls).toEqual([])
    await h.close()
  })

  test.each(ids)('%s: plan, apply, empty re-plan, no writes the second time, drift', async (id) => {
    await applyPrerequisites(h, id)
    const plan = await h.client.recipes.plan({ id, params: params[id] })
    expect(plan.status).toBe('not-applied')
    expect(plan.version).toBe(version)
    const pending = plan.steps.filter((s) => s.action !== 'unchanged')
    expect(pending.length).toBeGreaterThan(0)
    for (const step of pending)
      expect(step.changes.length + Number(step.action === 'delete')).toBeGreaterThan(0)

    const writesBefore = h.writes()
    const result = await planThenApply(h.client, { id, params: params[id] })
    expect(result.error).toBeUndefined()
    expect(result.completed).toBe(true)
    expect(result.remaining).toEqual([])
    expect(h.writes() - writesBefore).toBe(pending.length)

    const again = await h.client.recipes.plan({ id, params: params[id] })
    expect(again.status).toBe('applied')
    expect(again.steps.every((s) => s.action === 'unchanged')).toBe(true)
    const writesSettled = h.writes()
    expect((await planThenApply(h.client, { id, params: params[id] })).completed).toBe(true)
    expect(h.writes()).toBe(writesSettled)

    const field = await drift[id](h)
    const drifted = await h.client.recipes.plan({ id, params: params[id] })
    expect(drifted.status).toBe('drifted')
    const change = drifted.steps.flatMap((s) => s.changes).find((c) => c.field === field)
    expect(change, `plan shows ${field}`).toBeDefined()
    expect(change?.before).not.toEqual(change?.after)
    expect((await planThenApply(h.client, { id, params: params[id] })).completed).toBe(true)
    expect((await h.client.recipes.plan({ id, params: params[id] })).status).toBe('applied')
  })
})

/** Every k-th write of every recipe, both ways a write can break. */
describeVersions(
  'setup recipes on Authentik %s survive a failed write',
  edgeVersions,
  (version) => {
    test.each(ids)(
      '%s converges after a failure at every write, with no duplicates',
      async (id) => {
        // How many writes a clean apply makes.
        const clean = await startRecipeHarness(version)
        await applyPrerequisites(clean, id)
        const start = clean.writes()
        expect((await planThenApply(clean.client, { id, params: params[id] })).completed).toBe(true)
        const total = clean.writes() - start
        const reference = await clean.client.recipes.plan({ id, params: params[id] })
        await clean.close()
        expect(total).toBeGreaterThan(0)

        for (const mode of ['before', 'after'] as const) {
          for (let k = 1; k <= total; k++) {
            const h = await startRecipeHarness(version)
            try {
              await applyPrerequisites(h, id)
              h.fake.state.faults.failWrite({ at: k, mode })
              const broken = await planThenApply(h.client, { id, params: params[id] })
              expect(broken.completed, `${mode} #${k}`).toBe(false)
              expect(broken.error?.code).toMatch(/^AUTHENTIK_/)
              expect(broken.steps.some((s) => s.status === 'failed')).toBe(true)

              const healed = await planThenApply(h.client, { id, params: params[id] })
              expect(healed.error, `${mode} #${k}`).toBeUndefined()
              expect(healed.completed).toBe(true)
              // Re-plan finds every object exactly once (several would be RECONCILE_AMBIGUOUS)
              // and the same objects as a clean apply.
              const after = await h.client.recipes.plan({ id, params: params[id] })
              expect(after.steps.map((s) => [s.key, s.action])).toEqual(
                reference.steps.map((s) => [s.key, s.action]),
              )
              expect(h.fake.schemaViolations).toEqual([])
            } finally {
              await h.close()
            }
          }
        }
      },
    )
  },
)

describeVersions('recipe safety and input on Authentik %s', allVersions, (version) => {
  let h: RecipeHarness
  beforeEach(async () => {
    h = await startRecipeHarness(version)
  })
  afterEach(async () => {
    expect(h.fake.schemaViolations).toEqual([])
    await h.close()
  })

  test('a duplicate is named, not guessed', async () => {
    expect((await planThenApply(h.client, { id: 'r7' })).completed).toBe(true)
    // Authentik allows the same stage twice in one flow; which binding R7 owns is then unclear.
    const flow = await one(h, '/flows/instances/', { slug: 'recovery' })
    const stage = await one(h, '/stages/email/', { name: 'recovery-email' })
    const extra = (await h.api('POST', '/flows/bindings/', {
      target: flow.pk,
      stage: stage.pk,
      order: 25,
    })) as { pk: string }
    const error = await caught(h.client.recipes.plan({ id: 'r7' }))
    expect(error.code).toBe('RECONCILE_AMBIGUOUS')
    expect(error.message).toContain(extra.pk)
    expect(error.hint).toMatch(/delete or rename the duplicates/i)
  })

  test('R6 names the admins who will have to enrol, and refuses a device list without TOTP', async () => {
    const plan = await h.client.recipes.plan({ id: 'r6' })
    const warning = plan.warnings.find((w) => w.code === 'ADMINS_WITHOUT_MFA')
    expect(warning?.message).toContain('akadmin')
    const error = await caught(
      h.client.recipes.plan({ id: 'r6', params: { deviceClasses: ['webauthn'] } }),
    )
    expect(error?.code).toBe('VALIDATION_FAILED')
    expect(error?.details?.fields).toHaveProperty('deviceClasses')
  })

  test('R9 on the domain-level provider asks for the host and writes a full-URL pattern', async () => {
    await planThenApply(h.client, { id: 'r2' })
    const error = await caught(h.client.recipes.plan({ id: 'r9' }))
    expect(error?.code).toBe('VALIDATION_FAILED')
    expect(error?.details?.fields).toHaveProperty('host')
    const plan = await h.client.recipes.plan({ id: 'r9', params: { host: `sonarr.${DOMAIN}` } })
    const change = plan.steps.flatMap((s) => s.changes).find((c) => c.field === 'skip_path_regex')
    expect(change?.after).toBe('^https?://sonarr\\.example\\.test/api/.*')
    expect(plan.warnings.map((w) => w.code)).toContain('DOMAIN_LEVEL_PATHS')
  })

  test('R5 keeps a validation policy the admin added by hand', async () => {
    const own = (await h.api('POST', '/policies/password/', {
      name: 'my-own-rule',
      length_min: 20,
    })) as { pk: string }
    const prompt = await one(h, '/stages/prompt/stages/', {
      name: 'default-password-change-prompt',
    })
    await h.api('PATCH', `/stages/prompt/stages/${String(prompt.pk)}/`, {
      validation_policies: [...(prompt.validation_policies as string[]), own.pk],
    })
    expect((await planThenApply(h.client, { id: 'r5' })).completed).toBe(true)
    const after = await one(h, '/stages/prompt/stages/', { name: 'default-password-change-prompt' })
    const policy = await one(h, '/policies/password/', { name: 'password-complexity' })
    expect(new Set(after.validation_policies as string[])).toEqual(new Set([own.pk, policy.pk]))
  })

  test('R4 refuses to remove the password step when identification is not in the flow', async () => {
    const flow = await one(h, '/flows/instances/', { slug: 'default-authentication-flow' })
    const stage = await one(h, '/stages/identification/', {
      name: 'default-authentication-identification',
    })
    const binding = await one(h, '/flows/bindings/', {
      target: String(flow.pk),
      stage: String(stage.pk),
    })
    await h.api('DELETE', `/flows/bindings/${String(binding.pk)}/`)
    const plan = await h.client.recipes.plan({ id: 'r4' })
    expect(plan.warnings.find((w) => w.blocking)?.code).toBe('IDENTIFICATION_NOT_BOUND')
    const error = await caught(planThenApply(h.client, { id: 'r4' }))
    expect(error?.code).toBe('RECIPE_UNSAFE')
    // Nothing was written: the password step is still bound.
    const password = await one(h, '/stages/password/', { name: 'default-authentication-password' })
    await one(h, '/flows/bindings/', { target: String(flow.pk), stage: String(password.pk) })
  })

  test('a default object that was renamed is reported with the fix', async () => {
    const stage = await one(h, '/stages/authenticator/validate/', {
      name: 'default-authentication-mfa-validation',
    })
    await h.api('PATCH', `/stages/authenticator/validate/${String(stage.pk)}/`, { name: 'renamed' })
    const error = await caught(h.client.recipes.plan({ id: 'r6' }))
    expect(error?.code).toBe('RECONCILE_MISSING_DEFAULT')
    expect(error?.message).toContain('default-authentication-mfa-validation')
    expect(error?.hint).toMatch(/rename it back|blueprints/i)
  })
})
