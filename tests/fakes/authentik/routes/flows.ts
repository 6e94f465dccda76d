/**
 * Flows, flow-stage bindings, stages (generic and per type), prompts and invitations, on the
 * generic engine. Cascades follow Django's foreign keys: deleting a flow deletes its bindings,
 * deleting a binding (or a stage, through its bindings) deletes the policy bindings on it.
 */
import {
  expand,
  handlersFor,
  project,
  type Meta,
  type Rec,
  type RefSpec,
  type ResourceDef,
} from '../engine'
import {
  BINDING_DEFAULTS,
  FLOW_DEFAULTS,
  INVITATION_DEFAULTS,
  PROMPT_DEFAULTS,
  STAGE_DEFAULTS,
  emailTemplates,
} from '../defaults'
import type { LoadedSchema } from '../openapi'
import { partialUser } from '../serialize'
import type { FakeState } from '../state'
import { HttpError, notFound, type JsonObject } from '../types'
import stageKinds from '../seed/stage-kinds.json' with { type: 'json' }
import { bodyObject, noContent, ok, requireSuperuser, type HandlerMap } from './context'
import { hasFeature } from '../../../../src/shared/authentik-releases'

const FLOW_BACKGROUND = '/static/dist/assets/images/flow_background.jpg'

/** Deletes the policy bindings whose target is `pk` (FK cascade on PolicyBindingModel). */
export function deletePolicyBindingsOn(state: FakeState, pk: unknown): void {
  for (const [key, binding] of state.store.policyBindings) {
    if (binding.target === pk) state.store.policyBindings.delete(key)
  }
}

function deleteBinding(state: FakeState, binding: Rec): void {
  deletePolicyBindingsOn(state, binding.pk)
  state.store.bindings.delete(binding.pk as string)
}

/** Django SET_NULL on every stored field that points at `pk`. */
function nullReferences(
  state: FakeState,
  collections: (keyof FakeState['store'])[],
  pk: unknown,
): void {
  for (const collection of collections) {
    for (const rec of state.store[collection].values()) {
      for (const [key, value] of Object.entries(rec)) {
        if (key !== 'pk' && value === pk) rec[key] = null
        else if (Array.isArray(value) && value.includes(pk))
          rec[key] = value.filter((v) => v !== pk)
      }
    }
  }
}

/** The computed part of a flow: both versions' read-only fields (projection picks). */
function flowComputed(state: FakeState, flow: Rec): JsonObject {
  const bindings = state.all('bindings').filter((b) => b.target === flow.pk)
  bindings.sort((a, b) => Number(a.order) - Number(b.order))
  const background = String(flow.background ?? '')
  return {
    policybindingmodel_ptr_id: flow.pk,
    stages: bindings.map((b) => b.stage),
    policies: state
      .all('policyBindings')
      .filter((pb) => pb.target === flow.pk && pb.policy)
      .map((pb) => pb.policy),
    cache_count: 0,
    export_url: `/api/v3/flows/instances/${String(flow.slug)}/export/`,
    background: hasFeature(state.version, 'fileFieldsWritable') ? background : FLOW_BACKGROUND,
    background_url: background === '' ? FLOW_BACKGROUND : background,
    background_themed_urls: null,
  }
}

export const flowDef: ResourceDef = {
  prefix: 'flows_instances',
  collection: 'flows',
  param: 'slug',
  lookup: 'slug',
  pk: 'uuid',
  modelName: 'Flow',
  unique: ['slug'],
  ordering: 'slug',
  search: ['slug', 'name', 'title'],
  defaults: FLOW_DEFAULTS,
  computed: flowComputed,
  onDelete: (state, flow) => {
    for (const binding of state.all('bindings'))
      if (binding.target === flow.pk) deleteBinding(state, binding)
    deletePolicyBindingsOn(state, flow.pk)
    nullReferences(state, ['stages', 'brands', 'invitations'], flow.pk)
  },
}

const kinds = stageKinds as Record<string, { component: string; verbose: string; model: string }>

export function stageMeta(type: string): Meta {
  const kind = kinds[type]
  if (!kind) throw new Error(`unknown stage kind ${type}`)
  return {
    component: kind.component,
    verbose_name: kind.verbose,
    verbose_name_plural: `${kind.verbose}s`,
    meta_model_name: kind.model,
  }
}

/** Flows the stage is bound into, as FlowSet. */
function flowSet(state: FakeState, schema: LoadedSchema, stagePk: unknown): JsonObject[] {
  const flowPks = new Set(
    state
      .all('bindings')
      .filter((b) => b.stage === stagePk)
      .map((b) => b.target),
  )
  return state
    .all('flows')
    .filter((flow) => flowPks.has(flow.pk))
    .map((flow) => project(schema, 'FlowSet', expand(state, schema, flowDef, flow)))
}

/** The generic Stage representation (`/stages/all/`, `stage_obj`). */
export function genericStage(state: FakeState, schema: LoadedSchema, stage: Rec): JsonObject {
  return project(schema, 'Stage', {
    ...stage,
    ...stageMeta(String(stage._type)),
    flow_set: flowSet(state, schema, stage.pk),
  })
}

export const bindingDef: ResourceDef = {
  prefix: 'flows_bindings',
  collection: 'bindings',
  param: 'fsb_uuid',
  pk: 'uuid',
  modelName: 'Flow Stage Binding',
  ordering: 'order',
  search: [],
  defaults: BINDING_DEFAULTS,
  refs: { target: { collection: 'flows' }, stage: { collection: 'stages' } },
  filters: {
    policies: (item, value) =>
      (item._policies as unknown[]).some((pk) => (value as unknown[]).includes(pk)),
  },
  computed: (state, rec, schema) => {
    const stage = state.store.stages.get(rec.stage as string)
    return {
      policybindingmodel_ptr_id: rec.pk,
      pbm_uuid: rec.pk,
      stage_obj: stage ? genericStage(state, schema, stage) : null,
      _policies: state
        .all('policyBindings')
        .filter((pb) => pb.target === rec.pk && pb.policy)
        .map((pb) => pb.policy),
    }
  },
  onDelete: (state, rec) => deletePolicyBindingsOn(state, rec.pk),
}

const flowRef: RefSpec = { collection: 'flows' }

interface StageKind {
  prefix: string
  type: string
  refs?: Record<string, RefSpec>
  filters?: ResourceDef['filters']
  validate?: ResourceDef['validate']
  computed?: ResourceDef['computed']
}

const STAGE_KINDS: StageKind[] = [
  {
    prefix: 'stages_identification',
    type: 'identification',
    refs: {
      password_stage: { collection: 'stages', type: 'password' },
      captcha_stage: { collection: 'stages', type: 'captcha' },
      webauthn_stage: { collection: 'stages', type: 'authenticator_webauthn' },
      enrollment_flow: flowRef,
      recovery_flow: flowRef,
      passwordless_flow: flowRef,
    },
  },
  { prefix: 'stages_password', type: 'password', refs: { configure_flow: flowRef } },
  {
    prefix: 'stages_prompt_stages',
    type: 'prompt',
    refs: {
      fields: { collection: 'prompts', many: true },
      validation_policies: { collection: 'policies', many: true },
    },
  },
  {
    prefix: 'stages_user_write',
    type: 'user_write',
    validate: (ctx, next) => {
      const group = next.create_users_group
      if (group !== null && group !== undefined && !ctx.state.groups.has(String(group))) {
        throw new HttpError(400, {
          create_users_group: [`Invalid pk "${String(group)}" - object does not exist.`],
        })
      }
    },
  },
  { prefix: 'stages_user_login', type: 'user_login' },
  { prefix: 'stages_user_logout', type: 'user_logout' },
  {
    prefix: 'stages_invitation_stages',
    type: 'invitation',
    filters: {
      no_flows: (item, value) => ((item.flow_set as unknown[]).length === 0) === value,
    },
  },
  { prefix: 'stages_email', type: 'email' },
  {
    prefix: 'stages_authenticator_validate',
    type: 'authenticator_validate',
    refs: { configuration_stages: { collection: 'stages', many: true } },
    // No WebAuthn device types are imported in the fake (the real list is the FIDO MDS).
    computed: () => ({ webauthn_allowed_device_types_obj: [] }),
  },
  {
    prefix: 'stages_authenticator_totp',
    type: 'authenticator_totp',
    refs: { configure_flow: flowRef },
    // Not nullable since 2025.10: the empty string stands for "none".
    computed: (state, rec) => ({
      friendly_name: rec.friendly_name ?? (hasFeature(state.version, 'redisRemoved') ? '' : null),
    }),
  },
]

function stageDef(kind: StageKind): ResourceDef {
  const defaults = STAGE_DEFAULTS[kind.type]
  if (!defaults) throw new Error(`no defaults for ${kind.type}`)
  return {
    prefix: kind.prefix,
    collection: 'stages',
    type: kind.type,
    param: 'stage_uuid',
    pk: 'uuid',
    modelName: 'Stage',
    unique: ['name'],
    ordering: 'name',
    search: ['name'],
    meta: stageMeta(kind.type),
    defaults,
    refs: kind.refs,
    filters: kind.filters,
    validate: kind.validate,
    computed: (state, rec, schema) => ({
      ...(kind.computed?.(state, rec, schema) ?? {}),
      flow_set: flowSet(state, schema, rec.pk),
    }),
    onDelete: deleteStageLinks,
  }
}

/** A stage's bindings go with it (and their policy bindings); other stages' references clear. */
function deleteStageLinks(state: FakeState, stage: Rec): void {
  for (const binding of state.all('bindings'))
    if (binding.stage === stage.pk) deleteBinding(state, binding)
  nullReferences(state, ['stages'], stage.pk)
}

export const stageDefs = STAGE_KINDS.map(stageDef)

const stageDefByType = new Map(stageDefs.map((def) => [def.type, def]))

/** `/stages/all/`: every stage, whatever its type. */
const allStagesDef: ResourceDef = {
  prefix: 'stages_all',
  collection: 'stages',
  param: 'stage_uuid',
  pk: 'uuid',
  ops: ['list', 'retrieve', 'destroy'],
  modelName: 'Stage',
  ordering: 'name',
  search: ['name'],
  computed: (state, rec, schema) => ({
    ...stageMeta(String(rec._type)),
    flow_set: flowSet(state, schema, rec.pk),
  }),
  onDelete: deleteStageLinks,
}

export const promptDef: ResourceDef = {
  prefix: 'stages_prompt_prompts',
  collection: 'prompts',
  param: 'prompt_uuid',
  pk: 'uuid',
  modelName: 'Prompt',
  unique: ['name'],
  ordering: 'name',
  search: ['name', 'label', 'field_key'],
  defaults: PROMPT_DEFAULTS,
  computed: (state, rec, schema) => {
    const stages = state
      .all('stages', 'prompt')
      .filter((s) => (s.fields as unknown[]).includes(rec.pk))
    const promptDefinition = stageDefByType.get('prompt')!
    return {
      promptstage_set: stages.map((s) => genericStage(state, schema, s)),
      prompt_stages_obj: stages.map((s) =>
        project(schema, 'PromptStage', expand(state, schema, promptDefinition, s)),
      ),
    }
  },
  onDelete: (state, rec) => nullReferences(state, ['stages'], rec.pk),
}

/** Invitation.expires: ExpiringModel's default (now + default_token_duration, 30 minutes). */
export const invitationDef: ResourceDef = {
  prefix: 'stages_invitation_invitations',
  collection: 'invitations',
  param: 'invite_uuid',
  pk: 'uuid',
  ops: ['list', 'create', 'retrieve', 'update', 'partial_update', 'destroy'],
  modelName: 'Invitation',
  ordering: 'expires',
  search: ['name', 'created_by__username', 'expires', 'flow__slug'],
  defaults: () => ({
    ...INVITATION_DEFAULTS(),
    expires: new Date(Date.now() + 30 * 60_000).toISOString(),
  }),
  refs: { flow: flowRef },
  filters: {
    created_by__username: (item, value) => item.created_by__username === value,
    flow__slug: (item, value) => item.flow__slug === value,
  },
  beforeSave: (ctx, next, prev) => {
    if (!prev) next._created_by = ctx.user?.pk ?? null
  },
  computed: (state, rec, schema) => {
    const creator = state.users.get(Number(rec._created_by))
    const flow = rec.flow ? state.store.flows.get(rec.flow as string) : undefined
    return {
      created_by: creator ? partialUser(state, creator) : null,
      created_by__username: creator?.username ?? null,
      flow_obj: flow ? project(schema, 'Flow', expand(state, schema, flowDef, flow)) : null,
      flow__slug: flow?.slug ?? null,
    }
  },
}

const extraHandlers: HandlerMap = {
  stages_email_templates_list: (ctx) => {
    requireSuperuser(ctx)
    return ok(
      emailTemplates(ctx.state.version).map((template) =>
        project(ctx.schema, 'TypeCreate', { ...template, component: '', model_name: '' }),
      ),
    )
  },

  /** 2026: mails the invitation link; the fake records the mail in `state.sentMail`. */
  stages_invitation_invitations_send_email_create: (ctx) => {
    requireSuperuser(ctx)
    const invitation = ctx.state.store.invitations.get(String(ctx.params.invite_uuid))
    if (!invitation) throw notFound()
    const body = bodyObject(ctx)
    const flow = invitation.flow ? ctx.state.store.flows.get(invitation.flow as string) : undefined
    ctx.state.sentMail.push({
      kind: 'invitation',
      invitation: invitation.pk,
      to: body.email_addresses,
      cc: body.cc_addresses ?? [],
      bcc: body.bcc_addresses ?? [],
      template: body.template ?? 'invitation',
      link: flow
        ? `${ctx.origin}/if/flow/${String(flow.slug)}/?itoken=${String(invitation.pk)}`
        : null,
    })
    return noContent()
  },
}

export const flowHandlers: HandlerMap = {
  ...handlersFor([flowDef, bindingDef, ...stageDefs, allStagesDef, promptDef, invitationDef]),
  ...extraHandlers,
}
