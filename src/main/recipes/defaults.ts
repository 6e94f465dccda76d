/**
 * The objects a fresh Authentik install has, as recipes refer to them (names and slugs from
 * Authentik's default blueprints, API map section 3).
 */
import type { DesiredObject, FieldValue, Value } from '../reconcile/desired'
import { ref } from '../reconcile/desired'
import { kinds, type ResourceKind } from '../reconcile/kinds'

const restoreHint =
  "It belongs to Authentik's default blueprints: rename it back if it was renamed, or re-apply the default blueprints (System → Blueprints), then plan again."

export function existing(
  key: string,
  kind: ResourceKind,
  identity: Record<string, Value>,
  fields?: Record<string, FieldValue>,
  query?: Record<string, Value>,
): DesiredObject {
  return {
    key,
    kind,
    ensure: 'existing',
    identity,
    ...(query ? { query } : {}),
    ...(fields ? { fields } : {}),
    missingHint: restoreHint,
  }
}

export const existingFlow = (key: string, slug: string, fields?: Record<string, FieldValue>) =>
  existing(key, kinds.flow, { slug }, fields)

export const existingStage = (
  key: string,
  kind: ResourceKind,
  name: string,
  fields?: Record<string, FieldValue>,
) => existing(key, kind, { name }, fields)

/** A stage bound into a flow; a binding is identified by its flow and its stage. */
export function binding(
  key: string,
  flowKey: string,
  stageKey: string,
  order: number,
  ensure: 'present' | 'existing' | 'optional' = 'present',
): DesiredObject {
  return {
    key,
    kind: kinds.binding,
    ensure,
    identity: { target: ref(flowKey), stage: ref(stageKey) },
    ...(ensure === 'optional' ? {} : { fields: { order } }),
    title: `binding of ${stageKey.replace(/^stage:/, '')} in ${flowKey.replace(/^flow:/, '')}`,
    ...(ensure === 'existing' ? { missingHint: restoreHint } : {}),
  }
}

/** An application found by its slug (admins see every one with superuser_full_list). */
export const application = (
  key: string,
  slug: string,
  ensure: 'present' | 'absent',
  fields?: Record<string, FieldValue>,
): DesiredObject => ({
  key,
  kind: kinds.application,
  ensure,
  identity: { slug },
  query: { slug, superuser_full_list: true },
  ...(fields ? { fields } : {}),
})

/** The application of a provider the same recipe declares under `providerKey`. */
export const applicationOf = (providerKey: string, slug: string, name: string) =>
  application('application', slug, 'present', { name, provider: ref(providerKey) })

/** A group found by name with its members (the API lists them only when asked). */
export const groupWithUsers = (
  key: string,
  name: string,
  fields: Record<string, FieldValue>,
): DesiredObject => ({
  key,
  kind: kinds.group,
  ensure: 'present',
  identity: { name },
  query: { name, include_users: true },
  fields,
})

export const slugs = {
  implicitConsent: 'default-provider-authorization-implicit-consent',
  providerInvalidation: 'default-provider-invalidation-flow',
  authentication: 'default-authentication-flow',
  sourceEnrollment: 'default-source-enrollment',
  passwordChange: 'default-password-change',
} as const

export const stageNames = {
  identification: 'default-authentication-identification',
  password: 'default-authentication-password',
  mfaValidation: 'default-authentication-mfa-validation',
  enrollmentPrompt: 'default-source-enrollment-prompt',
  enrollmentLogin: 'default-source-enrollment-login',
  passwordChangePrompt: 'default-password-change-prompt',
  passwordChangeWrite: 'default-password-change-write',
  totpSetup: 'default-authenticator-totp-setup',
} as const

export const EMBEDDED_OUTPOST = 'goauthentik.io/outposts/embedded'

/** `example.org` → `example\.org` for Authentik's regex fields. */
export const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
