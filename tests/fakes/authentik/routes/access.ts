/**
 * `GET /core/applications/{slug}/check_access/?for_user=`: Authentik's policy engine over the
 * application's bindings, as its docs describe it (Policies → Bindings): disabled bindings are
 * skipped; a group binding passes when the user is a member of the group or of a group below it
 * (Authentik's `Group.is_member` over the user's groups and their ancestors); a user binding
 * passes for that user; `negate` flips a result; the application's `policy_engine_mode` combines
 * them (`any`/`all`); no binding at all lets everyone in. Policy objects (expression, password…)
 * are not evaluated by the fake: a check that meets one is refused, so a test cannot pass on a
 * result the fake made up.
 */
import type { Rec } from '../engine'
import type { FakeState } from '../state'
import { HttpError, notFound } from '../types'
import { ok, requireSuperuser, type HandlerMap } from './context'

/** The user's groups and every ancestor of them (2025.12+ groups may have several parents). */
function memberGroups(state: FakeState, userPk: number): Set<string> {
  const found = new Set<string>()
  const visit = (pk: string): void => {
    if (found.has(pk)) return
    found.add(pk)
    for (const parent of state.groups.get(pk)?.parents ?? []) visit(parent)
  }
  for (const group of state.groupsOf(userPk)) visit(group.pk)
  return found
}

function bindingPasses(state: FakeState, binding: Rec, userPk: number): boolean {
  if (binding.policy != null) {
    throw new HttpError(400, {
      non_field_errors: [
        'The fake Authentik does not evaluate policy objects, only group/user bindings.',
      ],
    })
  }
  const result =
    binding.group != null
      ? memberGroups(state, userPk).has(String(binding.group))
      : Number(binding.user) === userPk
  return binding.negate === true ? !result : result
}

export const accessHandlers: HandlerMap = {
  core_applications_check_access_retrieve: (ctx) => {
    requireSuperuser(ctx)
    const app = ctx.state.all('applications').find((a) => a.slug === ctx.params.slug)
    if (!app) throw notFound()
    const userPk = ctx.query.for_user === undefined ? ctx.user?.pk : Number(ctx.query.for_user)
    if (userPk === undefined || !ctx.state.users.has(userPk)) throw notFound()
    const results = ctx.state
      .all('policyBindings')
      .filter((b) => b.target === app.pk && b.enabled !== false)
      .map((b) => bindingPasses(ctx.state, b, userPk))
    const passing =
      results.length === 0 ||
      (app.policy_engine_mode === 'all' ? results.every(Boolean) : results.some(Boolean))
    return ok({ passing, messages: [], log_messages: [] })
  },
}
