import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { RecipeFormField, RecipeId } from '../../src/shared/contract'
import { caught } from '../support/caught'
import { one, startRecipeHarness, type RecipeHarness } from '../support/recipe-harness'
import { edgeVersions } from '../support/versions'

/**
 * #14: no path applies anything other than the plan the admin saw. For random parameter edits
 * between plan and apply, against the schema-checked fake: apply either carries out exactly the
 * planned change (the parameters did not really change, and the re-plan is then empty) or refuses
 * — PLAN_STALE, or VALIDATION_FAILED for an edit that is not valid — having written nothing.
 * A change on the server between plan and apply is refused the same way.
 */
const recipes: Exclude<RecipeId, 'r3' | 'r9'>[] = ['r2', 'r4', 'r5', 'r6', 'r7', 'r8']

/** A value for one form field: often the default (no real edit), sometimes another one. */
function valueFor(field: RecipeFormField): fc.Arbitrary<unknown> {
  const keep = fc.constant(field.default)
  switch (field.kind) {
    case 'boolean':
      return fc.boolean()
    case 'number':
      return fc.oneof({ arbitrary: keep, weight: 3 }, fc.integer({ min: 0, max: 24 }))
    case 'select':
      return fc.constantFrom(field.default, ...(field.options ?? []).map((o) => o.value))
    case 'multiselect':
      return fc.oneof(keep, fc.subarray((field.options ?? []).map((o) => o.value)))
    default:
      return fc.oneof(
        { arbitrary: keep, weight: 3 },
        fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/),
        fc.constantFrom('', 'x'.repeat(300)),
      )
  }
}

const paramsFor = (form: RecipeFormField[]) =>
  fc.record(Object.fromEntries(form.map((f) => [f.key, valueFor(f)])))

describe.each(edgeVersions)('saved plans on Authentik %s', (version) => {
  let h: RecipeHarness
  let forms: Map<RecipeId, RecipeFormField[]>

  beforeAll(async () => {
    h = await startRecipeHarness(version)
    forms = new Map((await h.client.recipes.list()).map((r) => [r.id, r.form]))
  })
  afterAll(async () => {
    await h.close()
  })

  test.each(recipes)(
    '%s: an edit between plan and apply is applied only if it changes nothing',
    async (id) => {
      const form = forms.get(id)!
      const seen = { applied: 0, stale: 0 }
      await fc.assert(
        fc.asyncProperty(
          paramsFor(form),
          // Often no edit at all (the admin applies what they planned), else random edits.
          fc.option(paramsFor(form), { freq: 2 }),
          async (planned, maybeEdited) => {
            const edited = maybeEdited ?? planned
            let plan
            try {
              plan = await h.client.recipes.plan({ id, params: planned })
            } catch (error) {
              // Invalid parameters never reach a plan (and write nothing): not this property's case.
              expect((error as { code?: string }).code).toBe('VALIDATION_FAILED')
              return
            }
            const acknowledged = plan.warnings.filter((w) => w.acknowledge).map((w) => w.code)
            const writes = h.writes()
            let result
            try {
              result = await h.client.recipes.apply({
                id,
                params: edited,
                planId: plan.planId,
                acknowledged,
              })
            } catch (error) {
              const code = (error as { code?: string }).code
              expect(['PLAN_STALE', 'VALIDATION_FAILED', 'RECIPE_UNSAFE']).toContain(code)
              expect(h.writes()).toBe(writes)
              if (code === 'PLAN_STALE') {
                seen.stale++
                // The fresh plan travels with the refusal, made with the edited parameters.
                const fresh = (error as { details?: { plan?: { planId?: string } } }).details?.plan
                expect(fresh?.planId).toMatch(/^[0-9a-f]{64}$/)
                expect(fresh?.planId).not.toBe(plan.planId)
              }
              return
            }
            // Applied: then the edit changed nothing that matters, and the server now matches.
            const fresh = await h.client.recipes.plan({ id, params: edited })
            expect(result.completed, JSON.stringify(result.error)).toBe(true)
            expect(fresh.steps.filter((s) => s.action !== 'unchanged')).toEqual([])
            seen.applied++
          },
        ),
        // A fixed seed: the same 25 cases every run (both outcomes are asserted below).
        { numRuns: 25, seed: 1405 },
      )
      // Both outcomes were exercised, or the property proved little.
      expect(seen.applied).toBeGreaterThan(0)
      expect(seen.stale).toBeGreaterThan(0)
      expect(h.fake.schemaViolations).toEqual([])
    },
  )

  test('a change on the server after the plan is refused with PLAN_STALE and nothing written', async () => {
    const plan = await h.client.recipes.plan({ id: 'r5', params: {} })
    const first = await h.client.recipes.apply({ id: 'r5', params: {}, planId: plan.planId })
    expect(first.completed).toBe(true)
    const empty = await h.client.recipes.plan({ id: 'r5', params: {} })
    expect(empty.steps.every((s) => s.action === 'unchanged')).toBe(true)
    // Someone lowers the minimum length in Authentik's admin UI meanwhile.
    const policy = await one(h, '/policies/password/', { name: 'password-complexity' })
    await h.api('PATCH', `/policies/password/${String(policy.pk)}/`, { length_min: 6 })
    const writes = h.writes()
    const error = await caught(
      h.client.recipes.apply({ id: 'r5', params: {}, planId: empty.planId }),
    )
    expect(error.code).toBe('PLAN_STALE')
    expect(h.writes()).toBe(writes)
    const fresh = (error.details as { plan: { steps: { changes: { field: string }[] }[] } }).plan
    expect(fresh.steps.flatMap((s) => s.changes.map((c) => c.field))).toContain('length_min')
  })

  test('a plan whose warning changes people’s logins needs acknowledging', async () => {
    // akadmin has no authenticator on a fresh install: R6 makes TOTP mandatory for them.
    const plan = await h.client.recipes.plan({ id: 'r6', params: {} })
    const warning = plan.warnings.find((w) => w.code === 'ADMINS_WITHOUT_MFA')
    expect(warning?.acknowledge).toBe(true)
    const writes = h.writes()
    const refused = await caught(
      h.client.recipes.apply({ id: 'r6', params: {}, planId: plan.planId }),
    )
    expect(refused.code).toBe('PLAN_NOT_ACKNOWLEDGED')
    expect(refused.message).toContain('akadmin')
    expect(h.writes()).toBe(writes)
    const done = await h.client.recipes.apply({
      id: 'r6',
      params: {},
      planId: plan.planId,
      acknowledged: ['ADMINS_WITHOUT_MFA'],
    })
    expect(done.completed).toBe(true)
  })

  test.each(['synology', 'immich', 'nextcloud'] as const)(
    'integration %s: an edit between plan and apply is refused with PLAN_STALE; the plan itself applies',
    async (id) => {
      const plan = await h.client.integrations.plan({ id, params: { subdomain: `${id}-a` } })
      const writes = h.writes()
      const stale = await caught(
        h.client.integrations.apply({ id, params: { subdomain: `${id}-b` }, planId: plan.planId }),
      )
      expect(stale.code).toBe('PLAN_STALE')
      expect(h.writes()).toBe(writes)
      const applied = await h.client.integrations.apply({
        id,
        params: plan.params,
        planId: plan.planId,
      })
      expect(applied.completed).toBe(true)
      expect(h.fake.schemaViolations).toEqual([])
    },
  )
})
