import { AdminHandoverInput, BOOTSTRAP_ADMIN } from '../../shared/contract/recipes'
import { GatehouseError, type GatehouseErrorData } from '../../shared/errors'
import type { AuthentikClient } from '../authentik/client'
import type { AkUser } from '../authentik/shapes'
import { handoverCalls } from './r1-calls'
import { secretAlphabet } from '../secrets/generate'
import type { SecretStore } from '../secrets/store'
import { randomInt } from 'node:crypto'

/**
 * R1's plan: what the handover would change now, computed from Authentik's current state (see
 * r1-admin-handover.ts for the order and why). Apply re-runs `observe` before it changes anything.
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
   * After a failure: what a plan made right now shows is left to do (the next apply does exactly
   * this). Absent when completed, or when Authentik could not be read again.
   */
  remaining?: HandoverStep[]
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

export function parseInput(input: unknown): AdminHandoverInput {
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

export function refused(
  message: string,
  hint: string,
  details: Record<string, unknown> = {},
): GatehouseError {
  return new GatehouseError({ code: 'HANDOVER_REFUSED', message, hint, details })
}

/** What planning found; apply uses it so it acts on the same objects the plan described. */
export interface Observed {
  input: AdminHandoverInput
  adminsGroupPk: string
  user: AkUser | null
  akadmin: AkUser | null
  identifier: string
  storedKey: string | null
}

/** Whether `key` authenticates as the user `username` (a 403 just means: not this key). */
export async function keyActsAs(
  client: AuthentikClient,
  key: string,
  username: string,
): Promise<boolean> {
  try {
    const me = await client.withToken(() => key).me()
    return me.username === username
  } catch (error) {
    if (error instanceof GatehouseError && error.code === 'AUTHENTIK_AUTH_FAILED') return false
    throw error
  }
}

export async function observe(
  client: AuthentikClient,
  rawInput: unknown,
  deps: HandoverDeps,
): Promise<{ plan: HandoverPlan; observed: Observed }> {
  const input = parseInput(rawInput)
  const calls = handoverCalls(client)
  const group = await calls.findGroup(ADMINS_GROUP)
  if (!group) {
    throw new GatehouseError({
      code: 'AUTHENTIK_NOT_FOUND',
      message: `Authentik has no group named "${ADMINS_GROUP}".`,
      hint: 'The bootstrap blueprint creates it on first start; if it was renamed, rename it back.',
    })
  }
  if (!group.is_superuser) {
    throw refused(
      `The group "${ADMINS_GROUP}" does not grant superuser rights, so membership would not make ${input.username} an admin.`,
      `Turn "is superuser" back on for "${ADMINS_GROUP}" in Authentik, then plan again.`,
    )
  }
  const user = await calls.findUser(input.username)
  const akadmin = await calls.findUser(BOOTSTRAP_ADMIN)
  const identifier = tokenIdentifier(input.username)
  const token = await calls.findToken(identifier)
  const storedKey = await deps.secrets.get(GATEHOUSE_TOKEN_SECRET)
  const steps: HandoverStep[] = []
  const userTarget = `user ${input.username}`

  if (token && (!user || token.user !== user.pk)) {
    throw refused(
      `The token "${identifier}" already exists but does not belong to ${input.username}.`,
      `Delete the token "${identifier}" in Authentik (Directory → Tokens), then plan again.`,
      { identifier },
    )
  }
  // `expiring` defaults to true in Authentik, so a token that does not say is an expiring one.
  if (token && (token.intent !== 'api' || token.expiring !== false)) {
    throw refused(
      `The token "${identifier}" exists but is not a non-expiring API token.`,
      `Delete the token "${identifier}" in Authentik (Directory → Tokens), then plan again.`,
      { identifier, intent: token.intent ?? null, expiring: token.expiring ?? true },
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
    if ((user.email ?? '') !== input.email)
      changes.push({ field: 'email', before: user.email ?? '', after: input.email })
    if (user.type !== 'internal')
      changes.push({ field: 'type', before: user.type ?? null, after: 'internal' })
    if (user.is_active === false) changes.push({ field: 'is_active', before: false, after: true })
    if (changes.length) {
      steps.push({
        id: 'update-user',
        title: `Update the user ${input.username}`,
        target: userTarget,
        changes,
      })
    }
  }
  if (!user || !(user.groups ?? []).includes(group.pk)) {
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
  if (akadmin && akadmin.is_active !== false) {
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
