import { z } from 'zod'
import { method } from './define'

/**
 * The directory panels — users, groups, flows, invitations — as live views of Authentik: Gatehouse
 * keeps no copy. Objects and form fields carry Authentik's own snake_case field names, so a 400
 * from Authentik (`details.fields.username`, …) lands next to the form field of the same name and
 * `gatehouse users create --json` takes what Authentik's API browser shows.
 */

// --- shared pieces ------------------------------------------------------------------------------

const uuid = z.uuid()
/** Authentik's user pk (an integer; the hidden AnonymousUser is never listed). */
const userPk = z.int().min(1)
const pageInput = {
  page: z.int().min(1).default(1),
  /** Authentik's pages hold at most 100 objects. */
  page_size: z.int().min(1).max(100).default(100),
  search: z.string().trim().max(200).optional(),
}
/** A page of a server-side list: `count` is the total, `next` the next page number or 0. */
const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ count: z.int(), page: z.int(), next: z.int(), results: z.array(item) })

/** A JSON object such as a group's attributes or an invitation's fixed data. */
export const JsonMapping = z.record(z.string(), z.unknown())

// --- users -------------------------------------------------------------------------------------

export const userTypes = ['internal', 'external', 'service_account'] as const
/** `internal_service_account` is Authentik's own (outposts); shown, never offered in forms. */
export const UserType = z.enum([...userTypes, 'internal_service_account'])
export type UserType = z.infer<typeof UserType>

export const GroupRef = z.object({ pk: z.string(), name: z.string() })
export type GroupRef = z.infer<typeof GroupRef>

export const UserRow = z.object({
  pk: z.int(),
  username: z.string(),
  name: z.string(),
  email: z.string(),
  type: UserType,
  is_active: z.boolean(),
  is_superuser: z.boolean(),
  /** ISO time of the last login, null when never logged in. */
  last_login: z.string().nullable(),
  path: z.string(),
  groups: z.array(GroupRef),
})
export type UserRow = z.infer<typeof UserRow>

const username = z
  .string()
  .trim()
  .min(1, 'Enter a username.')
  .max(150, 'Use at most 150 characters.')
  .regex(/^[\w.@+-]+$/, 'Use letters, digits and @ . + - _ only.')
const displayName = z.string().trim().min(1, 'Enter a name.').max(200)
const email = z.union([z.literal(''), z.email('Enter an e-mail address.').max(254)])

export const UserCreateInput = z.strictObject({
  username,
  name: displayName,
  email: email.default(''),
  type: z.enum(userTypes).default('internal'),
  is_active: z.boolean().default(true),
  path: z.string().trim().max(200).optional(),
  /** Group uuids to join right away. */
  groups: z.array(uuid).max(100).default([]),
})
export type UserCreateInput = z.input<typeof UserCreateInput>

export const UserUpdateInput = z.strictObject({
  pk: userPk,
  username: username.optional(),
  name: displayName.optional(),
  email: email.optional(),
  type: z.enum(userTypes).optional(),
  path: z.string().trim().max(200).optional(),
})

export const users = {
  list: method({
    summary: 'One page of Authentik users (search and Authentik filters applied by the server)',
    input: z.strictObject({
      ...pageInput,
      type: z.array(UserType).max(4).optional(),
      is_active: z.boolean().optional(),
      is_superuser: z.boolean().optional(),
      /** Members of this group uuid only. */
      group: uuid.optional(),
      ordering: z
        .enum(['username', '-username', 'name', '-name', 'last_login', '-last_login'])
        .optional(),
    }),
    output: pageOf(UserRow),
  }),
  create: method({
    summary: 'Create a user (internal, external or service account)',
    input: UserCreateInput,
    output: UserRow,
  }),
  update: method({
    summary: "Change a user's username, name, e-mail, type or path",
    input: UserUpdateInput,
    output: UserRow,
  }),
  setActive: method({
    summary: 'Activate or deactivate a user (never the last active superuser or Gatehouse’s own)',
    input: z.strictObject({ pk: userPk, is_active: z.boolean() }),
    output: UserRow,
  }),
  setPassword: method({
    summary: "Set a user's password (typed by the admin; never stored by Gatehouse)",
    input: z.strictObject({
      pk: userPk,
      password: z.string().min(8, 'Use at least 8 characters.').max(512),
    }),
    output: z.object({ set: z.literal(true) }),
  }),
  recoveryLink: method({
    summary: 'A one-time recovery link for a user (needs a recovery flow on the brand)',
    input: z.strictObject({ pk: userPk }),
    output: z.object({ link: z.string() }),
  }),
  delete: method({
    summary: 'Delete a user; `confirm` must repeat the username',
    input: z.strictObject({ pk: userPk, confirm: z.string() }),
    output: z.object({ deleted: z.literal(true) }),
  }),
}

// --- groups ------------------------------------------------------------------------------------

export const GroupRow = z.object({
  pk: z.string(),
  name: z.string(),
  is_superuser: z.boolean(),
  /** One element at most on 2025.6–2025.10 (`parent`), a list from 2025.12 (`parents`). */
  parents: z.array(GroupRef),
  member_count: z.int(),
  attributes: JsonMapping,
})
export type GroupRow = z.infer<typeof GroupRow>

export const GroupMemberRow = z.object({
  pk: z.int(),
  username: z.string(),
  name: z.string(),
  is_active: z.boolean(),
})

const groupName = z.string().trim().min(1, 'Enter a name.').max(80)
const groupParents = z.array(uuid).max(50)

export const GroupInput = z.strictObject({
  name: groupName,
  is_superuser: z.boolean().default(false),
  parents: groupParents.default([]),
  attributes: JsonMapping.default({}),
})
export type GroupInput = z.input<typeof GroupInput>

/** Only the fields sent change (no defaults: an edit must not reset what it leaves out). */
export const GroupUpdateInput = z.strictObject({
  pk: uuid,
  name: groupName.optional(),
  is_superuser: z.boolean().optional(),
  parents: groupParents.optional(),
  attributes: JsonMapping.optional(),
})

const groupMembership = z.strictObject({ pk: uuid, user: userPk })

export const groups = {
  list: method({
    summary: 'One page of Authentik groups (search by the server)',
    input: z.strictObject({ ...pageInput, is_superuser: z.boolean().optional() }),
    output: pageOf(GroupRow).extend({
      /** 'parent': one parent at most (2025.6–2025.10); 'parents': several (2025.12+). */
      hierarchy: z.enum(['parent', 'parents']),
    }),
  }),
  get: method({
    summary: 'A group with its members',
    input: z.strictObject({ pk: uuid }),
    output: GroupRow.extend({ members: z.array(GroupMemberRow) }),
  }),
  create: method({
    summary: 'Create a group (name, superuser flag, parent(s), attributes)',
    input: GroupInput,
    output: GroupRow,
  }),
  update: method({
    summary: "Change a group's name, superuser flag, parent(s) or attributes",
    input: GroupUpdateInput,
    output: GroupRow,
  }),
  addMember: method({
    summary: 'Add a user to a group',
    input: groupMembership,
    output: z.object({ added: z.literal(true) }),
  }),
  removeMember: method({
    summary: 'Remove a user from a group (refused when it would leave no active superuser)',
    input: groupMembership,
    output: z.object({ removed: z.literal(true) }),
  }),
}

// --- flows -------------------------------------------------------------------------------------

export const flowDesignations = [
  'authentication',
  'authorization',
  'invalidation',
  'enrollment',
  'unenrollment',
  'recovery',
  'stage_configuration',
] as const
export const FlowDesignation = z.enum(flowDesignations)

export const FlowRow = z.object({
  pk: z.string(),
  slug: z.string(),
  name: z.string(),
  title: z.string(),
  designation: FlowDesignation,
  /** Opens the flow in Authentik's own admin UI. */
  admin_url: z.string(),
})
export type FlowRow = z.infer<typeof FlowRow>

export const StageRow = z.object({
  pk: z.string(),
  name: z.string(),
  /** Authentik's web component, e.g. `ak-stage-invitation-form`. */
  component: z.string(),
  /** Human stage type, e.g. "Invitation Stage". */
  verbose_name: z.string(),
})
export type StageRow = z.infer<typeof StageRow>

export const BindingRow = z.object({ pk: z.string(), order: z.int(), stage: StageRow })
export type BindingRow = z.infer<typeof BindingRow>

const flowSlug = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[-a-zA-Z0-9_]+$/, 'A flow slug has letters, digits, - and _ only.')

export const flows = {
  list: method({
    summary: 'Flows, optionally of one designation',
    input: z.strictObject({ designation: FlowDesignation.optional(), search: pageInput.search }),
    output: z.object({ results: z.array(FlowRow) }),
  }),
  bindings: method({
    summary: "A flow's stage bindings in order, with each stage's type",
    input: z.strictObject({ slug: flowSlug }),
    output: z.object({ flow: FlowRow, bindings: z.array(BindingRow) }),
  }),
  stages: method({
    summary: 'Every stage that exists (to bind one to a flow)',
    input: z.strictObject({ search: pageInput.search }),
    output: z.object({ results: z.array(StageRow) }),
  }),
  bind: method({
    summary: 'Bind an existing stage to a flow (at the end unless an order is given)',
    input: z.strictObject({ slug: flowSlug, stage: uuid, order: z.int().min(0).optional() }),
    output: BindingRow,
  }),
  unbind: method({
    summary: 'Remove a stage binding (the stage itself stays)',
    input: z.strictObject({ binding: uuid }),
    output: z.object({ removed: z.literal(true) }),
  }),
  reorder: method({
    summary: "Put a flow's bindings in this order (order values 10, 20, …)",
    input: z.strictObject({ slug: flowSlug, bindings: z.array(uuid).min(1).max(200) }),
    output: z.object({ flow: FlowRow, bindings: z.array(BindingRow), changed: z.int() }),
  }),
}

// --- invitations -------------------------------------------------------------------------------

/** Authentik's pattern for invitation names. */
export const INVITATION_NAME = /^[-a-zA-Z0-9_]+$/
export const MAX_BULK_INVITATIONS = 500

export const InvitationFlow = z.object({
  pk: z.string(),
  slug: z.string(),
  name: z.string(),
  /** The flow's invitation stage; null means invitations cannot be used with it. */
  invitation_stage: z
    .object({
      pk: z.string(),
      name: z.string(),
      /** On: anyone can enroll without an invitation, which makes invitations pointless. */
      continue_flow_without_invitation: z.boolean(),
    })
    .nullable(),
})
export type InvitationFlow = z.infer<typeof InvitationFlow>

export const InvitationRow = z.object({
  pk: z.string(),
  name: z.string(),
  /** ISO time; null: never expires. */
  expires: z.string().nullable(),
  single_use: z.boolean(),
  fixed_data: JsonMapping,
  flow_slug: z.string().nullable(),
  flow_name: z.string().nullable(),
  created_by: z.string().nullable(),
  /** `https://auth.<domain>/if/flow/<flow slug>/?itoken=<pk>`; null without a flow. */
  link: z.string().nullable(),
})
export type InvitationRow = z.infer<typeof InvitationRow>

const invitationName = z
  .string()
  .trim()
  .min(1, 'Enter a name.')
  .max(50, 'Use at most 50 characters.')
  .regex(INVITATION_NAME, 'Use letters, digits, - and _ only (no spaces).')
const invitationCommon = {
  /** The enrollment flow's slug. */
  flow: flowSlug,
  /** ISO time in the future; null: never expires. */
  expires: z.iso.datetime({ offset: true }).nullable(),
  single_use: z.boolean().default(true),
  fixed_data: JsonMapping.default({}),
}

export const InvitationCreateInput = z.strictObject({ name: invitationName, ...invitationCommon })
export type InvitationCreateInput = z.input<typeof InvitationCreateInput>

export const invitations = {
  options: method({
    summary:
      'Enrollment flows and whether each has an invitation stage; whether e-mail sending exists',
    input: z.strictObject({}),
    output: z.object({
      flows: z.array(InvitationFlow),
      /** `send_email` exists from Authentik 2026.5. */
      send_email: z.boolean(),
      version: z.string(),
    }),
  }),
  list: method({
    summary: 'One page of invitations, each with its link',
    input: z.strictObject({ ...pageInput, flow: flowSlug.optional() }),
    output: pageOf(InvitationRow),
  }),
  create: method({
    summary: 'Create an invitation and print its link',
    input: InvitationCreateInput,
    output: InvitationRow.extend({ warning: z.string().optional() }),
  }),
  createBulk: method({
    summary: `Create up to ${MAX_BULK_INVITATIONS} invitations named <prefix>-001, <prefix>-002, …`,
    input: z.strictObject({
      prefix: invitationName.max(45),
      count: z.int().min(1).max(MAX_BULK_INVITATIONS),
      ...invitationCommon,
    }),
    output: z.object({ created: z.array(InvitationRow), warning: z.string().optional() }),
  }),
  delete: method({
    summary: 'Revoke (delete) an invitation; its link stops working',
    input: z.strictObject({ pk: uuid }),
    output: z.object({ deleted: z.literal(true) }),
  }),
  sendEmail: method({
    summary: 'Send an invitation by e-mail through Authentik (Authentik 2026.5 and later)',
    input: z.strictObject({
      pk: uuid,
      email_addresses: z.array(z.email()).min(1).max(50),
      cc_addresses: z.array(z.email()).max(50).default([]),
      bcc_addresses: z.array(z.email()).max(50).default([]),
    }),
    output: z.object({ sent: z.int() }),
  }),
}
