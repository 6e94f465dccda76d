import { z } from 'zod'
import { GatehouseErrorData } from '../errors'
import { event, method } from './define'

/** The account R1 retires; the admin must choose another name. */
export const BOOTSTRAP_ADMIN = 'akadmin'

export const AdminHandoverInput = z.strictObject({
  // Django's username validator (letters, digits and @/./+/-/_), max 150.
  username: z
    .string()
    .min(1)
    .max(150)
    .regex(/^[\w.@+-]+$/, 'Use letters, digits and @ . + - _ only.')
    .refine(
      (u) => u !== BOOTSTRAP_ADMIN,
      'Choose a name other than akadmin: akadmin is the account being retired.',
    ),
  name: z.string().trim().min(1).max(150),
  email: z.email().max(254),
  /** Typed twice by the admin (the UI compares them); absent: Gatehouse generates one. */
  password: z.string().min(12).max(512).optional(),
})
export type AdminHandoverInput = z.infer<typeof AdminHandoverInput>

const FieldChange = z.object({
  field: z.string(),
  before: z.union([z.string(), z.boolean(), z.null()]),
  after: z.union([z.string(), z.boolean(), z.null()]),
})

export const HandoverStep = z.object({
  id: z.enum([
    'create-user',
    'update-user',
    'add-to-admins',
    'set-password',
    'create-token',
    'set-token-key',
    'switch-token',
    'deactivate-akadmin',
  ]),
  title: z.string(),
  target: z.string(),
  changes: z.array(FieldChange),
})

export const HandoverPlan = z.object({
  baseUrl: z.string(),
  version: z.string(),
  steps: z.array(HandoverStep),
})

export const HandoverResult = z.object({
  completed: z.boolean(),
  steps: z.array(HandoverStep.extend({ status: z.enum(['done', 'failed', 'not-run']) })),
  error: GatehouseErrorData.optional(),
  /** After a failure: the steps a plan shows now, which the next apply completes. */
  remaining: z.array(HandoverStep).optional(),
  /** Shown once; never stored. */
  generatedPassword: z.string().optional(),
})

export const RecipeId = z.enum(['r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9'])
export type RecipeId = z.infer<typeof RecipeId>

/** One input of a recipe's parameter form; the renderer draws the form from these. */
export const RecipeFormField = z.object({
  key: z.string(),
  label: z.string(),
  kind: z.enum(['text', 'number', 'boolean', 'select', 'multiselect', 'lines']),
  options: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
  help: z.string().optional(),
  default: z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]),
})
export type RecipeFormField = z.infer<typeof RecipeFormField>

export const RecipeInfo = z.object({
  id: RecipeId,
  title: z.string(),
  /** The guide's section this recipe replaces. */
  section: z.string(),
  summary: z.string(),
  /** `authentik`: plan/apply against the server; `check`: runs a check (R3's test e-mail). */
  kind: z.enum(['authentik', 'check']),
  form: z.array(RecipeFormField),
})
export type RecipeInfo = z.infer<typeof RecipeInfo>

export const PlanChange = z.object({
  /** The field, dotted into nested objects (`config.authentik_host`). */
  field: z.string(),
  before: z.string().nullable(),
  after: z.string().nullable(),
  /** What the names in the line stand for (`name = pk`), shown on hover. */
  refs: z.string().optional(),
})
export type PlanChange = z.infer<typeof PlanChange>

export const PlanStep = z.object({
  /** The recipe's name for the object, stable across plans. */
  key: z.string(),
  /** Authentik object kind, e.g. `stage.identification`. */
  kind: z.string(),
  /** "identification stage default-authentication-identification". */
  title: z.string(),
  action: z.enum(['create', 'update', 'delete', 'unchanged']),
  changes: z.array(PlanChange),
})
export type PlanStep = z.infer<typeof PlanStep>

export const PlanWarning = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  /** Apply refuses while a blocking warning stands (it would lock someone out or break logins). */
  blocking: z.boolean().optional(),
  /**
   * It changes how people log in (e.g. MFA becomes mandatory for these admins): apply needs the
   * admin to acknowledge it by its code, so it is read before anything is written.
   */
  acknowledge: z.boolean().optional(),
})
export type PlanWarning = z.infer<typeof PlanWarning>

export const RecipeStatus = z.enum(['applied', 'drifted', 'not-applied'])
export type RecipeStatus = z.infer<typeof RecipeStatus>

/** A saved plan's id: sha256 (hex) over the recipe, its parameters and what the server answered. */
export const PlanId = z.string().regex(/^[0-9a-f]{64}$/, 'A plan id is 64 hex characters.')

export const RecipePlan = z.object({
  recipe: RecipeId,
  /**
   * Apply takes this id and applies exactly this plan: when the parameters or the server changed
   * since, it refuses with PLAN_STALE (and the fresh plan) and writes nothing.
   */
  planId: PlanId,
  /** The parameters the plan was made with, after defaults (what `--plan plan.json` re-sends). */
  params: z.record(z.string(), z.unknown()),
  title: z.string(),
  baseUrl: z.string(),
  version: z.string(),
  /** Every object the recipe manages, in apply order; `unchanged` ones included. */
  steps: z.array(PlanStep),
  warnings: z.array(PlanWarning),
  /** applied: nothing to do; drifted: applied before, changed since; not-applied: never applied. */
  status: RecipeStatus,
  /** Lines to show next to the plan (e.g. the Traefik router label for R2). */
  notes: z.array(z.string()),
})
export type RecipePlan = z.infer<typeof RecipePlan>

export const RecipeApplyResult = z.object({
  recipe: RecipeId,
  completed: z.boolean(),
  steps: z.array(PlanStep.extend({ status: z.enum(['done', 'failed', 'not-run', 'unchanged']) })),
  /** The plan read back after applying: empty when the server now matches. */
  remaining: z.array(PlanStep),
  warnings: z.array(PlanWarning),
  error: GatehouseErrorData.optional(),
})
export type RecipeApplyResult = z.infer<typeof RecipeApplyResult>

const RecipeParams = z.record(z.string().max(100), z.unknown()).optional()

export const RecipeProgress = z.object({
  recipe: RecipeId,
  index: z.number(),
  total: z.number(),
  title: z.string(),
  action: z.enum(['create', 'update', 'delete', 'unchanged']),
  status: z.enum(['running', 'done']),
})

export const recipesEvents = {
  'recipes.progress': event({
    summary: 'Each write of a recipe apply as it starts and ends',
    payload: RecipeProgress,
  }),
}

export const recipes = {
  list: method({
    summary: 'The setup recipes R2–R9 with their parameter forms',
    input: z.strictObject({}).optional(),
    output: z.array(RecipeInfo),
  }),
  plan: method({
    summary: 'What a recipe would change on the Authentik server now, field by field',
    input: z.strictObject({ id: RecipeId, params: RecipeParams }),
    output: RecipePlan,
  }),
  apply: method({
    summary:
      'Apply exactly a plan made before (its planId); refused with PLAN_STALE if anything changed',
    input: z.strictObject({
      id: RecipeId,
      params: RecipeParams,
      planId: PlanId,
      /** Codes of the plan's warnings that need acknowledging (e.g. ADMINS_WITHOUT_MFA). */
      acknowledged: z.array(z.string().max(100)).max(50).optional(),
    }),
    output: RecipeApplyResult,
  }),
  status: method({
    summary:
      'Applied / drifted / not applied for every recipe, planned with the parameters of its last apply',
    input: z.strictObject({}).optional(),
    output: z.array(
      z.object({
        id: RecipeId,
        status: RecipeStatus.or(z.literal('unknown')),
        changes: z.number(),
        error: GatehouseErrorData.optional(),
      }),
    ),
  }),

  adminHandoverPlan: method({
    summary: 'R1: what the admin handover would change now (empty once done)',
    input: AdminHandoverInput.omit({ password: true }),
    output: HandoverPlan,
  }),
  adminHandoverApply: method({
    summary: 'R1: create your admin, switch Gatehouse to its own token, then deactivate akadmin',
    input: AdminHandoverInput,
    output: HandoverResult,
  }),
}
