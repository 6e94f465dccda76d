import { AdminHandoverInput, BOOTSTRAP_ADMIN } from '../../shared/contract/recipes'
import { GatehouseError, type GatehouseErrorData } from '../../shared/errors'
import type { AuthentikClient, AkUser } from '../authentik/client'
import { generateSecret, secretAlphabet } from '../secrets/generate'
import type { SecretStore } from '../secrets/store'
import { randomInt } from 'node:crypto'

/**
 * R1, the admin handover (API map 2, step B). The bootstrap admin `akadmin` and its token are
 * replaced by the admin's own internal superuser and a token Gatehouse owns on that user's
 * behalf. Order is the point: a token of an inactive user stops working, so Gatehouse switches to
 * its own token and proves it works before akadmin is deactivated, and refuses that last step when
 * doing it could lock everyone out.
 *
 * Idempotent by construction: the plan is always computed from Authentik's current state, each
 * step is planned only while its effect is missing, and apply re-plans before it changes
 * anything. An interrupted apply therefore resumes where it stopped, without duplicates.
 */

export const ADMINS_GROUP = 'authentik Admins'
export { BOOTSTRAP_ADMIN }
export const GATEHOUSE_TOKEN_SECRET = 'gatehouseApiToken' as const
export const GENERATED_PASSWORD_LENGTH = 24

// The input schema is the contract's, so the form, the CLI and the recipe validate alike.
export { AdminHandoverInput }

export type HandoverStepId =
  | 'create-user'
  | 'update-user'
  | 'add-to-admins'
  | 'set-password'
  | 'create-token'
  | 'set-token-key'
  | 'switch-token'
  | 'deactivate-akadmin'

/** One field's value before and after; secrets are described, never shown. */
export interface FieldChange {
  field: string
  before: string | boolean | null
  after: string | boolean | null
}

export interface HandoverStep {
  id: HandoverStepId
  title: string
  /** The object the step changes, e.g. `user alice` or `token gatehouse-alice`. */
  target: string
  changes: FieldChange[]
}

export interface HandoverPlan {
  baseUrl: string
  version: string
  steps: HandoverStep[]
}

export interface HandoverDeps {
  secrets: SecretStore
  /** Tests only: runs before each step; throwing there simulates an interruption. */
  beforeStep?: (step: HandoverStep) => void | Promise<void>
}

export type StepStatus = 'done' | 'failed' | 'not-run'

export interface HandoverResult {
  /** True when every planned step ran; a re-plan is then empty. */
  completed: boolean
  steps: Array<HandoverStep & { status: StepStatus }>
  /** Why the step marked failed did not happen; nothing after it ran. */
  error?: GatehouseErrorData
  /**
   * The password Gatehouse generated and set in this run, returned exactly once so the UI can
   * show it. Never logged, never stored. Absent when the admin typed one or none was set.
   */
  generatedPassword?: string
}

/** `gatehouse-<username>`, within the identifier pattern `^[-a-zA-Z0-9_]+$` and 255 characters. */
export function tokenIdentifier(username: string): string {
  return `gatehouse-${username.replace(/[^-a-zA-Z0-9_]/g, '_')}`.slice(0, 255)
}

/** Letters and digits, CSPRNG, each character uniform (same alphabet as the keychain secrets). */
export function generatePassword(length = GENERATED_PASSWORD_LENGTH): string {
  let out = ''
  for (let i = 0; i < length; i += 1) out += secretAlphabet[randomInt(secretAlphabet.length)]
  return out
}

function parseInput(input: unknown): AdminHandoverInput {
  const parsed = AdminHandoverInput.safeParse(input)
  if (parsed.success) return parsed.data
  const fields: Record<string, string[]> = {}
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? 'non_field_errors')
    ;(fields[field] ??= []).push(issue.message)
  }
  throw new GatehouseError({
    code: 'VALIDATION_FAILED',
    message: `The admin handover input is invalid (${Object.keys(fields).join(', ')}).`,
    hint: 'Correct the highlighted fields.',
    details: { fields },
  })
}

function refused(
  message: string,
  hint: string,
  details: Record<string, unknown> = {},
): GatehouseError {
  return new GatehouseError({ code: 'HANDOVER_REFUSED', message, hint, details })
}

/** What planning found; apply uses it so it acts on the same objects the plan described. */
interface Observed {
  input: AdminHandoverInput
  adminsGroupPk: string
  user: AkUser | null
  akadmin: AkUser | null
  identifier: string
  storedKey: string | null
}

/** Whether `key` authenticates as the user `username` (a 403 just means: not this key). */
async function keyActsAs(client: AuthentikClient, key: string, username: string): Promise<boolean> {
  try {
    const me = await client.withToken(() => key).me()
    return me.username === username
  } catch (error) {
    if (error instanceof GatehouseError && error.code === 'AUTHENTIK_AUTH_FAILED') return false
    throw error
  }
}

async function observe(
  client: AuthentikClient,
  rawInput: unknown,
  deps: HandoverDeps,
): Promise<{ plan: HandoverPlan; observed: Observed }> {
  const input = parseInput(rawInput)
  const group = await client.findGroup(ADMINS_GROUP)
  if (!group) {
    throw new GatehouseError({
      code: 'AUTHENTIK_NOT_FOUND',
      message: `Authentik has no group named "${ADMINS_GROUP}".`,
      hint: 'The bootstrap blueprint creates it on first start; if it was renamed, rename it back.',
    })
  }
  if (!group.isSuperuser) {
    throw refused(
      `The group "${ADMINS_GROUP}" does not grant superuser rights, so membership would not make ${input.username} an admin.`,
      `Turn "is superuser" back on for "${ADMINS_GROUP}" in Authentik, then plan again.`,
    )
  }
  const user = await client.findUser(input.username)
  const akadmin = await client.findUser(BOOTSTRAP_ADMIN)
  const identifier = tokenIdentifier(input.username)
  const token = await client.findToken(identifier)
  const storedKey = await deps.secrets.get(GATEHOUSE_TOKEN_SECRET)
  const steps: HandoverStep[] = []
  const userTarget = `user ${input.username}`

  if (token && (!user || token.userPk !== user.pk)) {
    throw refused(
      `The token "${identifier}" already exists but does not belong to ${input.username}.`,
      `Delete the token "${identifier}" in Authentik (Directory → Tokens), then plan again.`,
      { identifier },
    )
  }
  if (token && (token.intent !== 'api' || token.expiring)) {
    throw refused(
      `The token "${identifier}" exists but is not a non-expiring API token.`,
      `Delete the token "${identifier}" in Authentik (Directory → Tokens), then plan again.`,
      { identifier, intent: token.intent ?? null, expiring: token.expiring },
    )
  }

  if (!user) {
    steps.push({
      id: 'create-user',
      title: `Create the internal user ${input.username}`,
      target: userTarget,
      changes: [
        { field: 'username', before: null, after: input.username },
        { field: 'name', before: null, after: input.name },
        { field: 'email', before: null, after: input.email },
        { field: 'type', before: null, after: 'internal' },
        { field: 'is_active', before: null, after: true },
      ],
    })
  } else {
    const changes: FieldChange[] = []
    if (user.name !== input.name)
      changes.push({ field: 'name', before: user.name, after: input.name })
    if (user.email !== input.email)
      changes.push({ field: 'email', before: user.email, after: input.email })
    if (user.type !== 'internal')
      changes.push({ field: 'type', before: user.type ?? null, after: 'internal' })
    if (!user.isActive) changes.push({ field: 'is_active', before: false, after: true })
    if (changes.length) {
      steps.push({
        id: 'update-user',
        title: `Update the user ${input.username}`,
        target: userTarget,
        changes,
      })
    }
  }
  if (!user || !user.groups.includes(group.pk)) {
    steps.push({
      id: 'add-to-admins',
      title: `Add ${input.username} to "${ADMINS_GROUP}"`,
      target: `group ${ADMINS_GROUP}`,
      changes: [{ field: `member ${input.username}`, before: false, after: true }],
    })
  }
  // The password comes before the token in every run, so an existing Gatehouse token means an
  // earlier run already set it; re-setting it on every re-plan would never converge.
  if (!token) {
    steps.push({
      id: 'set-password',
      title: `Set the password of ${input.username}`,
      target: userTarget,
      changes: [
        {
          field: 'password',
          before: user ? '(unchanged so far)' : null,
          after: input.password ? '(the one you typed)' : '(generated, shown once)',
        },
      ],
    })
    steps.push({
      id: 'create-token',
      title: `Create Gatehouse's API token for ${input.username}`,
      target: `token ${identifier}`,
      changes: [
        { field: 'identifier', before: null, after: identifier },
        { field: 'intent', before: null, after: 'api' },
        { field: 'user', before: null, after: input.username },
        { field: 'expiring', before: null, after: false },
      ],
    })
  }
  const keyWorks = Boolean(
    token && storedKey && (await keyActsAs(client, storedKey, input.username)),
  )
  if (!keyWorks) {
    steps.push({
      id: 'set-token-key',
      title: 'Give the token a key chosen by Gatehouse and keep it in the keychain',
      target: `token ${identifier}`,
      changes: [
        {
          field: 'key',
          before: token ? '(not the keychain’s)' : null,
          after: '(chosen by Gatehouse, kept in the keychain)',
        },
      ],
    })
  }
  const current = await client.currentToken()
  if (!keyWorks || !storedKey || current !== storedKey) {
    steps.push({
      id: 'switch-token',
      title: 'Switch Gatehouse to its own token and prove it works',
      target: 'Gatehouse',
      changes: [
        {
          field: 'API token',
          before: current ? '(the current one, e.g. the bootstrap token)' : null,
          after: identifier,
        },
      ],
    })
  }
  if (akadmin?.isActive) {
    steps.push({
      id: 'deactivate-akadmin',
      title: `Deactivate ${BOOTSTRAP_ADMIN} (its bootstrap token stops working)`,
      target: `user ${BOOTSTRAP_ADMIN}`,
      changes: [{ field: 'is_active', before: true, after: false }],
    })
  }
  return {
    plan: { baseUrl: client.baseUrl, version: client.version.raw, steps },
    observed: { input, adminsGroupPk: group.pk, user, akadmin, identifier, storedKey },
  }
}

/** The ordered changes R1 would make now; empty once the handover is complete. */
export async function planAdminHandover(
  client: AuthentikClient,
  input: AdminHandoverInput,
  deps: HandoverDeps,
): Promise<HandoverPlan> {
  return (await observe(client, input, deps)).plan
}

/**
 * The last line of defence before akadmin goes: Gatehouse's own token must work as an active
 * superuser that is not akadmin, and it must be the token Gatehouse now uses.
 */
export async function assertSafeToDeactivateAkadmin(
  client: AuthentikClient,
  username: string,
  secrets: SecretStore,
): Promise<void> {
  const key = await secrets.get(GATEHOUSE_TOKEN_SECRET)
  if (!key) {
    throw refused(
      `Refusing to deactivate ${BOOTSTRAP_ADMIN}: Gatehouse has no API token of its own in the keychain.`,
      'Apply the handover again so Gatehouse creates and stores its token first.',
    )
  }
  let me
  try {
    me = await client.withToken(() => key).me()
  } catch (error) {
    const cause = error instanceof GatehouseError ? error.toData() : undefined
    throw refused(
      `Refusing to deactivate ${BOOTSTRAP_ADMIN}: Gatehouse's own token does not work${cause ? ` (${cause.message})` : ''}.`,
      `Without a working token of its own, Gatehouse would lose access once ${BOOTSTRAP_ADMIN}'s token dies. Check that ${username} is active, then apply again.`,
      cause ? { cause } : {},
    )
  }
  if (me.username !== username || !me.isActive || !me.isSuperuser) {
    throw refused(
      `Refusing to deactivate ${BOOTSTRAP_ADMIN}: Gatehouse's token acts as ${me.username}, which is not an active superuser ${username}.`,
      `Make sure ${username} is active and a member of "${ADMINS_GROUP}", then apply again.`,
      { tokenUser: me.username, isActive: me.isActive, isSuperuser: me.isSuperuser },
    )
  }
  if ((await client.currentToken()) !== key) {
    throw refused(
      `Refusing to deactivate ${BOOTSTRAP_ADMIN}: Gatehouse has not switched to its own token yet.`,
      'Apply the handover again; it switches tokens before this step.',
    )
  }
  const others = (await client.withToken(() => key).listActiveSuperusers()).filter(
    (u) => u.username !== BOOTSTRAP_ADMIN,
  )
  if (others.length === 0) {
    throw refused(
      `Refusing to deactivate ${BOOTSTRAP_ADMIN}: no other active superuser exists, so nobody could administer Authentik afterwards.`,
      `Make sure ${username} is active and a member of "${ADMINS_GROUP}", then apply again.`,
    )
  }
}

/**
 * Runs the plan computed from the current state. It stops at the first failing step and says so
 * in the result (which steps ran, which failed, why) instead of throwing, so a partly applied
 * handover is always visible, and a generated password that was already set is not lost.
 */
export async function applyAdminHandover(
  client: AuthentikClient,
  input: AdminHandoverInput,
  deps: HandoverDeps,
): Promise<HandoverResult> {
  const { plan, observed } = await observe(client, input, deps)
  const steps = plan.steps.map((step) => ({ ...step, status: 'not-run' as StepStatus }))
  const result: HandoverResult = { completed: false, steps }
  let user = observed.user
  const username = observed.input.username
  // Until the switch, every step runs with the token Gatehouse used when apply started, pinned
  // by value: a provider that prefers the keychain's gatehouseApiToken would otherwise pick up
  // the new key the moment it is stored, before Authentik knows it.
  const startToken = await client.currentToken()
  const before = client.withToken(() => startToken)
  const requireUser = (): AkUser => {
    if (!user) throw new Error('R1: the user must exist before this step')
    return user
  }

  for (const step of steps) {
    try {
      await deps.beforeStep?.(step)
      switch (step.id) {
        case 'create-user':
          user = await before.createUser({
            username,
            name: observed.input.name,
            email: observed.input.email,
          })
          break
        case 'update-user':
          user = await before.updateUser(requireUser().pk, {
            name: observed.input.name,
            email: observed.input.email,
            isActive: true,
            type: 'internal',
          })
          break
        case 'add-to-admins':
          await before.addUserToGroup(observed.adminsGroupPk, requireUser().pk)
          break
        case 'set-password': {
          const password = observed.input.password ?? generatePassword()
          await before.setPassword(requireUser().pk, password)
          if (!observed.input.password) result.generatedPassword = password
          break
        }
        case 'create-token':
          await before.createToken({
            identifier: observed.identifier,
            userPk: requireUser().pk,
            description: `Gatehouse's API token (admin handover for ${username})`,
          })
          break
        case 'set-token-key': {
          // Keychain first: should set_key succeed and Gatehouse stop right after, the key that
          // Authentik now holds is still known. A stored key is reused, so a retry pushes the same.
          const key = observed.storedKey ?? generateSecret(64)
          if (!observed.storedKey) await deps.secrets.set(GATEHOUSE_TOKEN_SECRET, key)
          await before.setTokenKey(observed.identifier, key)
          observed.storedKey = key
          break
        }
        case 'switch-token': {
          const key = await deps.secrets.get(GATEHOUSE_TOKEN_SECRET)
          if (!key || !(await keyActsAs(client, key, username))) {
            throw refused(
              `Gatehouse's own token does not authenticate as ${username}; Gatehouse keeps its current token.`,
              'Apply the handover again; it re-sets the token key from the keychain.',
            )
          }
          // Read from the keychain on every request, so the token is never cached in the client.
          client.switchToken(() => deps.secrets.get(GATEHOUSE_TOKEN_SECRET))
          const me = await client.me()
          if (me.username !== username) {
            throw refused(
              `After switching, Authentik reports Gatehouse as ${me.username}, not ${username}.`,
              'Apply the handover again.',
            )
          }
          break
        }
        case 'deactivate-akadmin':
          await assertSafeToDeactivateAkadmin(client, username, deps.secrets)
          if (observed.akadmin) await client.updateUser(observed.akadmin.pk, { isActive: false })
          break
      }
      step.status = 'done'
    } catch (error) {
      step.status = 'failed'
      result.error =
        error instanceof GatehouseError
          ? error.toData()
          : {
              code: 'INTERNAL',
              message: `The step "${step.title}" failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
              hint: 'Plan again to see what is left, then apply again.',
            }
      return result
    }
  }
  result.completed = true
  return result
}
