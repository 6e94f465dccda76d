/**
 * Policies (password: writable; expression: the seeded defaults, writable too), `/policies/all/`
 * and policy bindings (exactly one of policy/group/user; target is any PolicyBindingModel: a flow,
 * a flow-stage binding or an application).
 */
import { handlersFor, type Meta, type Rec, type ResourceDef } from '../engine'
import { PASSWORD_POLICY_DEFAULTS, POLICY_BINDING_DEFAULTS } from '../defaults'
import { partialGroup, partialUser, serializeGroup, serializeUser } from '../serialize'
import type { FakeState } from '../state'
import { HttpError, type JsonObject } from '../types'
import type { HandlerMap } from './context'
import { hasFeature } from '../../../../src/shared/authentik-releases'

const POLICY_META: Record<string, Meta> = {
  password: {
    component: 'ak-policy-password-form',
    verbose_name: 'Password Policy',
    verbose_name_plural: 'Password Policies',
    meta_model_name: 'authentik_policies_password.passwordpolicy',
  },
  expression: {
    component: 'ak-policy-expression-form',
    verbose_name: 'Expression Policy',
    verbose_name_plural: 'Expression Policies',
    meta_model_name: 'authentik_policies_expression.expressionpolicy',
  },
}

function policyComputed(state: FakeState, rec: Rec): JsonObject {
  return {
    ...POLICY_META[String(rec._type)],
    bound_to: state.all('policyBindings').filter((pb) => pb.policy === rec.pk).length,
  }
}

/** The generic Policy representation (`policy_obj`, `/policies/all/`). */
function genericPolicy(state: FakeState, policy: Rec): JsonObject {
  const full = { ...policy, ...policyComputed(state, policy) }
  const fields = ['pk', 'name', 'execution_logging', 'component', 'verbose_name']
  fields.push('verbose_name_plural', 'meta_model_name', 'bound_to')
  return Object.fromEntries(fields.map((field) => [field, full[field]]))
}

function deletePolicy(state: FakeState, rec: Rec): void {
  for (const [key, binding] of state.store.policyBindings) {
    if (binding.policy === rec.pk) state.store.policyBindings.delete(key)
  }
  for (const stage of state.all('stages', 'prompt')) {
    stage.validation_policies = (stage.validation_policies as unknown[]).filter(
      (pk) => pk !== rec.pk,
    )
  }
}

const policyBase: Pick<
  ResourceDef,
  'collection' | 'param' | 'pk' | 'modelName' | 'unique' | 'ordering' | 'search' | 'onDelete'
> = {
  collection: 'policies',
  param: 'policy_uuid',
  pk: 'uuid',
  modelName: 'Policy',
  unique: ['name'],
  ordering: 'name',
  search: ['name'],
  onDelete: deletePolicy,
}

const touch = (_ctx: unknown, next: Rec, prev: Rec | null): void => {
  const now = new Date().toISOString()
  if (!prev) next.created = now
  next.last_updated = now
}

const passwordPolicyDef: ResourceDef = {
  ...policyBase,
  prefix: 'policies_password',
  type: 'password',
  defaults: PASSWORD_POLICY_DEFAULTS,
  computed: policyComputed,
  beforeSave: touch,
}

const expressionPolicyDef: ResourceDef = {
  ...policyBase,
  prefix: 'policies_expression',
  type: 'expression',
  defaults: () => ({ execution_logging: false }),
  computed: policyComputed,
  beforeSave: touch,
}

const allPoliciesDef: ResourceDef = {
  ...policyBase,
  prefix: 'policies_all',
  ops: ['list', 'retrieve', 'destroy'],
  computed: policyComputed,
  filters: {
    bindings__isnull: (item, value) => (item.bound_to === 0) === value,
    promptstage__isnull: (item, value) => (item._in_prompt_stage !== true) === value,
  },
}
allPoliciesDef.computed = (state, rec) => ({
  ...policyComputed(state, rec),
  _in_prompt_stage: state
    .all('stages', 'prompt')
    .some((stage) => (stage.validation_policies as unknown[]).includes(rec.pk)),
})

/** What a policy binding may target: every PolicyBindingModel the fake has. */
function targetExists(state: FakeState, pk: unknown): boolean {
  return (
    state.store.flows.has(pk as string) ||
    state.store.bindings.has(pk as string) ||
    state.store.applications.has(pk as string)
  )
}

const policyBindingDef: ResourceDef = {
  prefix: 'policies_bindings',
  collection: 'policyBindings',
  param: 'policy_binding_uuid',
  pk: 'uuid',
  modelName: 'Policy Binding',
  ordering: 'order',
  search: ['policy__name'],
  defaults: POLICY_BINDING_DEFAULTS,
  refs: { policy: { collection: 'policies' } },
  filters: {
    target_in: (item, value) => (value as unknown[]).includes(item.target),
  },
  validate: (ctx, next) => {
    const set = ['policy', 'group', 'user'].filter((f) => next[f] !== null && next[f] !== undefined)
    if (set.length > 1) {
      throw new HttpError(400, {
        non_field_errors: ["Only one of 'policy', 'group' or 'user' can be set."],
      })
    }
    if (set.length === 0) {
      throw new HttpError(400, {
        non_field_errors: ["One of 'policy', 'group' or 'user' must be set."],
      })
    }
    if (next.group != null && !ctx.state.groups.has(String(next.group))) {
      throw new HttpError(400, {
        group: [`Invalid pk "${String(next.group)}" - object does not exist.`],
      })
    }
    if (next.user != null && !ctx.state.users.has(Number(next.user))) {
      throw new HttpError(400, {
        user: [`Invalid pk "${String(next.user)}" - object does not exist.`],
      })
    }
    if (!targetExists(ctx.state, next.target)) {
      throw new HttpError(400, {
        target: [`Invalid pk "${String(next.target)}" - object does not exist.`],
      })
    }
  },
  computed: (state, rec) => {
    const policy = rec.policy ? state.store.policies.get(rec.policy as string) : undefined
    const group = rec.group ? state.groups.get(String(rec.group)) : undefined
    const user = rec.user != null ? state.users.get(Number(rec.user)) : undefined
    const old = !hasFeature(state.version, 'bindingPartialObjects')
    return {
      policy__name: policy?.name ?? '',
      policy_obj: policy ? genericPolicy(state, policy) : null,
      group_obj: group ? (old ? serializeGroup(state, group) : partialGroup(state, group)) : null,
      user_obj: user ? (old ? serializeUser(state, user) : partialUser(state, user)) : null,
    }
  },
}

export const policyHandlers: HandlerMap = handlersFor([
  passwordPolicyDef,
  expressionPolicyDef,
  allPoliciesDef,
  policyBindingDef,
])
