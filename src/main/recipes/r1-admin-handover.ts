import { GatehouseError } from '../../shared/errors'
import type { AuthentikClient } from '../authentik/client'
import type { AkUser } from '../authentik/shapes'
import { handoverCalls } from './r1-calls'
import { generateSecret } from '../secrets/generate'
import type { SecretStore } from '../secrets/store'
import {
  ADMINS_GROUP,
  BOOTSTRAP_ADMIN,
  GATEHOUSE_TOKEN_SECRET,
  generatePassword,
  keyActsAs,
  observe,
  refused,
  type AdminHandoverInput,
  type HandoverDeps,
  type HandoverResult,
  type StepStatus,
} from './r1-plan'

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

export * from './r1-plan'

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
  if (me.username !== username || !me.is_active || !me.is_superuser) {
    throw refused(
      `Refusing to deactivate ${BOOTSTRAP_ADMIN}: Gatehouse's token acts as ${me.username}, which is not an active superuser ${username}.`,
      `Make sure ${username} is active and a member of "${ADMINS_GROUP}", then apply again.`,
      { tokenUser: me.username, isActive: me.is_active, isSuperuser: me.is_superuser },
    )
  }
  if ((await client.currentToken()) !== key) {
    throw refused(
      `Refusing to deactivate ${BOOTSTRAP_ADMIN}: Gatehouse has not switched to its own token yet.`,
      'Apply the handover again; it switches tokens before this step.',
    )
  }
  const others = (await handoverCalls(client.withToken(() => key)).listActiveSuperusers()).filter(
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
  const before = handoverCalls(client.withToken(() => startToken))
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
            is_active: true,
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
            user: requireUser().pk,
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
          if (observed.akadmin)
            await handoverCalls(client).updateUser(observed.akadmin.pk, { is_active: false })
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
      // Never half-applied silently: the result carries the re-plan of what is left.
      result.remaining = await observe(client, input, deps).then(
        ({ plan: left }) => left.steps,
        () => undefined,
      )
      if (result.remaining === undefined) delete result.remaining
      return result
    }
  }
  result.completed = true
  return result
}
