import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import { IntegrationFormField } from '../../src/shared/contract/integrations'
import { RecipeFormField } from '../../src/shared/contract/recipes'
import { allIntegrations } from '../../src/main/integrations/index'
import { formFromSchema, paramShape, type ParamField } from '../../src/main/recipes/param-form'
import { labelled } from '../../src/main/recipes/param-fields'
import { setupRecipes } from '../../src/main/recipes/index'
import handwritten from '../fixtures/forms-handwritten.json'

/**
 * The recipe and integration forms are drawn from their parameter schemas. The fixture is what
 * the hand-written forms said before they were deleted (captured from `form()` at c8d4308): the
 * generated forms must say exactly the same, for the placeholder domain the recipes panel uses
 * and for a real one (help texts name it).
 */
type Snapshot = Record<
  string,
  { recipes: Record<string, unknown>; integrations: Record<string, unknown> }
>
const before = handwritten as Snapshot

const subjects = [
  ...setupRecipes.map((r) => ({
    name: r.id,
    group: 'recipes' as const,
    params: r.params as z.ZodType,
  })),
  ...allIntegrations.map((i) => ({
    name: i.id,
    group: 'integrations' as const,
    params: i.params as z.ZodType,
  })),
]

describe('forms generated from the parameter schemas', () => {
  test('the snapshot covers every recipe and integration', () => {
    for (const domain of Object.keys(before))
      for (const s of subjects)
        expect(before[domain]?.[s.group][s.name], `${domain} ${s.name}`).toBeDefined()
    expect(subjects).toHaveLength(13)
  })

  for (const domain of ['<domain>', 'example.org'])
    for (const s of subjects)
      test(`${s.name} (${domain}) equals the hand-written form, and passes the contract`, () => {
        const generated = formFromSchema(s.params, { domain })
        expect(generated).toEqual(before[domain]?.[s.group][s.name])
        const contract = s.group === 'recipes' ? RecipeFormField : IntegrationFormField
        expect(contract.array().parse(generated)).toEqual(generated)
      })

  test('every default is the schema’s own default', () => {
    for (const s of subjects) {
      const shape = paramShape(s.params)
      for (const field of formFromSchema(s.params, { domain: 'example.org' })) {
        const param = shape[field.key]!
        const parsed = param.safeParse(undefined)
        // Parameters without a default are optional (R3's address) or required (R10's apps).
        if (parsed.success && parsed.data !== undefined)
          expect(parsed.data, `${s.name}.${field.key}`).toEqual(field.default)
      }
    }
  })

  test('a parameter without a label is a bug, not a silent field', () => {
    const unlabelled = z.strictObject({ a: labelled(z.string().default('x'), 'A'), b: z.string() })
    expect(() => formFromSchema(unlabelled, { domain: 'd' })).toThrow(/parameter b has no label/)
    const noDefault = z.strictObject({ n: labelled(z.number(), 'N') })
    expect(() => formFromSchema(noDefault, { domain: 'd' })).toThrow(/needs a default/)
  })

  test('the four OIDC integrations share one parameter block', () => {
    const oidc = allIntegrations.filter((i) => i.protocol === 'oidc')
    expect(oidc.map((i) => i.id)).toEqual(['nextcloud', 'synology', 'immich', 'inventree'])
    const shapes = oidc.map((i) => paramShape(i.params))
    for (const key of ['matching', 'extraRedirectUris'])
      for (const shape of shapes) expect(shape[key]).toBe(shapes[0]![key])
    for (const shape of shapes) {
      const keys = Object.keys(shape)
      expect(keys.slice(1, 4)).toEqual(['providerName', 'applicationName', 'applicationSlug'])
      expect(keys.slice(-2)).toEqual(['matching', 'extraRedirectUris'])
    }
  })
})

/** What the UI sends for a field left at its default: empty text means "not given". */
const sent = (field: ParamField) => (field.default === '' ? undefined : field.default)

/** R10 has no default app: the admin adds at least one; any valid one will do here. */
const servarrApp = fc.record({
  kind: fc.constantFrom('sonarr', 'radarr', 'custom'),
  name: fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,20}$/),
  slug: fc.stringMatching(/^[a-z][a-z0-9]{0,20}$/),
  username: fc.stringMatching(/^[a-z][a-z0-9]{0,20}$/),
  password: fc.string({ minLength: 1, maxLength: 40 }),
})

describe('property: generated defaults parse with the schema', () => {
  for (const s of subjects)
    test(`${s.name}: any subset of fields at their defaults is valid`, () => {
      fc.assert(
        fc.property(fc.domain(), fc.func(fc.boolean()), servarrApp, (domain, include, app) => {
          const form = formFromSchema(s.params, { domain })
          const params: Record<string, unknown> = {}
          form.forEach((field, i) => {
            const value = sent(field)
            if (value !== undefined && include(i)) params[field.key] = value
          })
          if (s.name === 'servarr') params.apps = [app]
          const parsed = s.params.safeParse(params)
          expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true)
          const data = parsed.data as Record<string, unknown>
          for (const field of form)
            if (field.key !== 'apps' && sent(field) !== undefined)
              expect(data[field.key]).toEqual(field.default)
        }),
        { numRuns: 60 },
      )
    })
})
