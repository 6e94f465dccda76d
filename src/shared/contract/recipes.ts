import { z } from 'zod'
import { GatehouseErrorData } from '../errors'
import { method } from './define'

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
  /** Shown once; never stored. */
  generatedPassword: z.string().optional(),
})

export const recipes = {
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
