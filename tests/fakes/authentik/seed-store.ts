/**
 * A fresh install's objects from ./seed: flows with their default stage bindings, stages with their
 * blueprint configuration, prompts, policies and their bindings, scope mappings, the embedded
 * outpost, the default brand, the self-signed certificate. Returns the admin settings.
 */
import { createHash } from 'node:crypto'
import type { Rec } from './engine'
import {
  BINDING_DEFAULTS,
  FLOW_DEFAULTS,
  PASSWORD_POLICY_DEFAULTS,
  POLICY_BINDING_DEFAULTS,
  PROMPT_DEFAULTS,
  SCOPE_MAPPING_DEFAULTS,
  SETTINGS_DEFAULTS,
  STAGE_DEFAULTS,
} from './defaults'
import { stableUuid, type FakeState } from './state'
import type { JsonObject } from './types'
import flowsSeed from './seed/flows.json' with { type: 'json' }
import stagesSeed from './seed/stages.json' with { type: 'json' }
import promptsSeed from './seed/prompts.json' with { type: 'json' }
import policiesSeed from './seed/policies.json' with { type: 'json' }
import policyBindingsSeed from './seed/policy-bindings.json' with { type: 'json' }
import scopeSeed from './seed/scope-mappings.json' with { type: 'json' }
import outpostsSeed from './seed/outposts.json' with { type: 'json' }
import brandsSeed from './seed/brands.json' with { type: 'json' }
import certificatesSeed from './seed/certificates.json' with { type: 'json' }

interface FlowSeed {
  slug: string
  name: string
  title: string
  designation: string
  authentication: string
  bindings: ({ stage: string; order: number } & JsonObject)[]
}

export const flowUuid = (slug: string): string => stableUuid(`flow:${slug}`)
export const stageUuid = (name: string): string => stableUuid(`stage:${name}`)
const bindingUuid = (flow: string, stage: string): string => stableUuid(`fsb:${flow}:${stage}`)
const promptUuid = (name: string): string => stableUuid(`prompt:${name}`)
const policyUuid = (name: string): string => stableUuid(`policy:${name}`)

/** `{flow: slug}` / `{prompt: name}` references in stage seeds → pks. */
function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve)
  if (typeof value === 'object' && value !== null) {
    const ref = value as Record<string, string>
    if (typeof ref.flow === 'string') return flowUuid(ref.flow)
    if (typeof ref.prompt === 'string') return promptUuid(ref.prompt)
  }
  return value
}

export function buildStore(state: FakeState): JsonObject {
  const put = (collection: keyof FakeState['store'], rec: Rec): void => {
    state.store[collection].set(rec.pk as string, rec)
  }
  const now = state.startedAt

  for (const flow of flowsSeed as FlowSeed[]) {
    const { bindings, ...fields } = flow
    put('flows', { ...FLOW_DEFAULTS(), ...fields, pk: flowUuid(flow.slug) })
    for (const { stage, order, ...attrs } of bindings) {
      put('bindings', {
        ...BINDING_DEFAULTS(),
        ...attrs,
        pk: bindingUuid(flow.slug, stage),
        target: flowUuid(flow.slug),
        stage: stageUuid(stage),
        order,
      })
    }
  }

  for (const stage of stagesSeed as { name: string; kind: string; attrs: JsonObject }[]) {
    const defaults = STAGE_DEFAULTS[stage.kind]
    if (!defaults) throw new Error(`no defaults for stage kind ${stage.kind}`)
    const attrs = Object.fromEntries(Object.entries(stage.attrs).map(([k, v]) => [k, resolve(v)]))
    put('stages', {
      ...defaults(),
      ...attrs,
      pk: stageUuid(stage.name),
      name: stage.name,
      _type: stage.kind,
    })
  }

  for (const prompt of promptsSeed) {
    put('prompts', { ...PROMPT_DEFAULTS(), ...prompt, pk: promptUuid(prompt.name) })
  }

  for (const { type, ...policy } of policiesSeed as ({
    type: string
    name: string
  } & JsonObject)[]) {
    const defaults = type === 'password' ? PASSWORD_POLICY_DEFAULTS() : { execution_logging: false }
    put('policies', {
      ...defaults,
      ...policy,
      pk: policyUuid(policy.name),
      _type: type,
      created: now,
      last_updated: now,
    })
  }

  for (const binding of policyBindingsSeed as {
    policy: string
    target: { flow: string; stage?: string }
    order: number
    failure_result?: boolean
  }[]) {
    const target = binding.target.stage
      ? bindingUuid(binding.target.flow, binding.target.stage)
      : flowUuid(binding.target.flow)
    put('policyBindings', {
      ...POLICY_BINDING_DEFAULTS(),
      pk: stableUuid(`pb:${binding.policy}:${target}`),
      policy: policyUuid(binding.policy),
      target,
      order: binding.order,
      failure_result: binding.failure_result ?? false,
    })
  }

  for (const mapping of scopeSeed) {
    put('propertyMappings', {
      ...SCOPE_MAPPING_DEFAULTS(),
      ...mapping,
      pk: stableUuid(`scope:${mapping.managed}`),
      _type: 'scope',
    })
  }

  for (const outpost of outpostsSeed) {
    const pk = stableUuid(`outpost:${outpost.name}`)
    put('outposts', { ...outpost, pk, token_identifier: `ak-outpost-${pk}-api` })
  }

  for (const { flows, ...brand } of brandsSeed) {
    const pk = stableUuid(`brand:${brand.domain}`)
    const flowFields = Object.fromEntries(
      Object.entries(flows).map(([field, slug]) => [field, flowUuid(slug)]),
    )
    put('brands', {
      flow_recovery: null,
      flow_unenrollment: null,
      flow_device_code: null,
      flow_user_switch: null,
      flow_lockdown: null,
      flow_request: null,
      default_application: null,
      web_certificate: null,
      branding_map_tiles: '',
      ...brand,
      ...flowFields,
      pk,
      brand_uuid: pk,
    })
  }

  for (const { valid_days: validDays, ...cert } of certificatesSeed) {
    const pk = stableUuid(`cert:${cert.name}`)
    const fingerprint = (algo: string, bytes: number): string =>
      (
        createHash(algo)
          .update(pk)
          .digest('hex')
          .slice(0, bytes * 2)
          .match(/../g) ?? []
      ).join(':')
    put('certificates', {
      pk,
      fingerprint_sha256: fingerprint('sha256', 32),
      fingerprint_sha1: fingerprint('sha1', 20),
      cert_expiry: new Date(Date.parse(now) + validDays * 86_400_000).toISOString(),
      certificate_download_url: `/api/v3/crypto/certificatekeypairs/${pk}/view_certificate/?download`,
      private_key_download_url: `/api/v3/crypto/certificatekeypairs/${pk}/view_private_key/?download`,
      ...cert,
    })
  }

  return SETTINGS_DEFAULTS()
}
