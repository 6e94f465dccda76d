/**
 * The fake's whole state: users, groups and tokens (modelled, writable) and the read-only catalogue
 * of default objects a fresh install has. Everything starts from the seed files in ./seed.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { FakeVersion, JsonObject } from './types'
import core from './seed/core.json' with { type: 'json' }
import flowsSeed from './seed/flows.json' with { type: 'json' }
import stagesSeed from './seed/stages.json' with { type: 'json' }
import stageKinds from './seed/stage-kinds.json' with { type: 'json' }
import promptsSeed from './seed/prompts.json' with { type: 'json' }
import policiesSeed from './seed/policies.json' with { type: 'json' }
import scopeSeed from './seed/scope-mappings.json' with { type: 'json' }
import outpostsSeed from './seed/outposts.json' with { type: 'json' }
import brandsSeed from './seed/brands.json' with { type: 'json' }
import certificatesSeed from './seed/certificates.json' with { type: 'json' }

export type UserType = 'internal' | 'external' | 'service_account' | 'internal_service_account'
export type TokenIntent = 'verification' | 'api' | 'recovery' | 'app_password'

export interface UserRecord {
  pk: number
  uuid: string
  username: string
  name: string
  email: string
  isActive: boolean
  lastLogin: string | null
  dateJoined: string
  lastUpdated: string
  passwordChangeDate: string
  /** Plain text: the fake never needs to hide it. null = unusable password. */
  password: string | null
  path: string
  type: UserType
  attributes: JsonObject
  roles: string[]
}

export interface GroupRecord {
  pk: string
  numPk: number
  name: string
  isSuperuser: boolean
  /** 2025.6: at most one entry (`parent`); 2026: `parents`. */
  parents: string[]
  users: number[]
  attributes: JsonObject
  roles: string[]
}

export interface TokenRecord {
  pk: string
  identifier: string
  key: string
  intent: TokenIntent
  user: number
  description: string
  expires: string | null
  expiring: boolean
  managed: string | null
}

export type CatalogKind =
  | 'flows'
  | 'stages'
  | 'prompts'
  | 'passwordPolicies'
  | 'scopeMappings'
  | 'outposts'
  | 'brands'
  | 'certificates'

/** A stable uuid derived from a name, so seed objects keep their pk across runs. */
export function stableUuid(name: string): string {
  const h = createHash('sha1').update(`gatehouse-fake-authentik:${name}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

export const randomUuid = (): string => crypto.randomUUID()

/** Django's default `Token.key` is 128 random characters. */
export const randomKey = (): string => randomBytes(96).toString('base64url').slice(0, 128)

export class FakeState {
  readonly installId = stableUuid('install')
  readonly users = new Map<number, UserRecord>()
  readonly groups = new Map<string, GroupRecord>()
  readonly tokens = new Map<string, TokenRecord>()
  readonly catalog: Record<CatalogKind, JsonObject[]>
  /** True once the bootstrap blueprint has "run" (after slowStartMs). */
  ready = false
  /** Tests can make the next response of one operation wrong to prove validation bites. */
  readonly responseTampering = new Map<string, (body: unknown) => unknown>()
  /** operationIds that were called but are not modelled (answered with 501). */
  readonly unimplementedCalls: string[] = []
  private nextUserPk = 2 // pk 1 is the hidden AnonymousUser of django-guardian
  private nextGroupNum = 1
  readonly startedAt: string

  constructor(readonly version: FakeVersion) {
    this.startedAt = new Date().toISOString()
    this.catalog = buildCatalog(this.startedAt)
    this.seedCore()
  }

  now(): string {
    return new Date().toISOString()
  }

  // ---- users -----------------------------------------------------------------------------------

  addUser(fields: Partial<UserRecord> & { username: string; name: string }): UserRecord {
    const now = this.now()
    const user: UserRecord = {
      pk: this.nextUserPk++,
      uuid: randomUuid(),
      email: '',
      isActive: true,
      lastLogin: null,
      dateJoined: now,
      lastUpdated: now,
      passwordChangeDate: now,
      password: null,
      path: 'users',
      type: 'internal',
      attributes: {},
      roles: [],
      ...fields,
    }
    this.users.set(user.pk, user)
    return user
  }

  userByUsername(username: string): UserRecord | undefined {
    for (const user of this.users.values()) if (user.username === username) return user
    return undefined
  }

  groupsOf(userPk: number): GroupRecord[] {
    return [...this.groups.values()].filter((group) => group.users.includes(userPk))
  }

  setUserGroups(userPk: number, groupPks: string[]): void {
    for (const group of this.groups.values()) {
      const member = group.users.includes(userPk)
      const wanted = groupPks.includes(group.pk)
      if (member && !wanted) group.users = group.users.filter((pk) => pk !== userPk)
      if (!member && wanted) group.users = [...group.users, userPk]
    }
  }

  /** Superuser through any group or any ancestor of one (2026 inherits through `parents`). */
  isSuperuser(userPk: number): boolean {
    const seen = new Set<string>()
    const visit = (group: GroupRecord): boolean => {
      if (seen.has(group.pk)) return false
      seen.add(group.pk)
      if (group.isSuperuser) return true
      return group.parents.some((pk) => {
        const parent = this.groups.get(pk)
        return parent ? visit(parent) : false
      })
    }
    return this.groupsOf(userPk).some(visit)
  }

  deleteUser(pk: number): void {
    this.users.delete(pk)
    for (const group of this.groups.values()) group.users = group.users.filter((u) => u !== pk)
    for (const [identifier, token] of this.tokens) {
      if (token.user === pk) this.tokens.delete(identifier)
    }
  }

  // ---- groups ----------------------------------------------------------------------------------

  addGroup(fields: Partial<GroupRecord> & { name: string }): GroupRecord {
    const group: GroupRecord = {
      pk: randomUuid(),
      numPk: this.nextGroupNum++,
      isSuperuser: false,
      parents: [],
      users: [],
      attributes: {},
      roles: [],
      ...fields,
    }
    this.groups.set(group.pk, group)
    return group
  }

  groupByName(name: string): GroupRecord | undefined {
    for (const group of this.groups.values()) if (group.name === name) return group
    return undefined
  }

  // ---- tokens ----------------------------------------------------------------------------------

  addToken(fields: Partial<TokenRecord> & { identifier: string; user: number }): TokenRecord {
    const token: TokenRecord = {
      pk: randomUuid(),
      key: randomKey(),
      intent: 'verification',
      description: '',
      expires: null,
      expiring: true,
      managed: null,
      ...fields,
    }
    this.tokens.set(token.identifier, token)
    return token
  }

  isExpired(token: TokenRecord): boolean {
    return token.expiring && token.expires !== null && Date.parse(token.expires) <= Date.now()
  }

  /** What `authentik/api/authentication.py` accepts as a Bearer key. */
  tokenForKey(key: string): TokenRecord | undefined {
    for (const token of this.tokens.values()) {
      if (token.key !== key) continue
      if (token.intent !== 'api' || this.isExpired(token)) return undefined
      const user = this.users.get(token.user)
      if (!user || !user.isActive) return undefined
      return token
    }
    return undefined
  }

  // ---- seed and bootstrap ---------------------------------------------------------------------

  private seedCore(): void {
    const outpost = this.catalog.outposts[0]
    if (!outpost) throw new Error('seed has no embedded outpost')
    // The embedded outpost's service account and API token exist on a fresh install.
    const outpostPk = String(outpost.pk)
    const outpostUser = this.addUser({
      username: `${core.outpostUser.usernamePrefix}${outpostPk.replaceAll('-', '')}`,
      name: core.outpostUser.name,
      path: core.outpostUser.path,
      type: core.outpostUser.type as UserType,
      attributes: { 'goauthentik.io/user/token-expires': false },
    })
    this.addToken({
      identifier: String(outpost.token_identifier),
      user: outpostUser.pk,
      intent: 'api',
      expiring: false,
      managed: `goauthentik.io/outpost/${outpost.token_identifier as string}`,
      description: `Autogenerated by authentik for Outpost ${String(outpost.name)}`,
    })
  }

  /** What the bootstrap blueprint does: admin group, akadmin, and the env-var password/e-mail/token. */
  runBootstrap(options: { password?: string; email?: string; token?: string }): void {
    const admin = this.addUser({
      username: core.admin.username,
      name: core.admin.name,
      email: options.email ?? core.admin.email,
      path: core.admin.path,
      type: core.admin.type as UserType,
      password: options.password ?? null,
    })
    this.addGroup({ name: core.adminGroup.name, isSuperuser: true, users: [admin.pk] })
    if (options.token) {
      this.addToken({
        identifier: core.bootstrapTokenIdentifier,
        key: options.token,
        intent: 'api',
        user: admin.pk,
        expiring: false,
        description: 'authentik bootstrap token',
      })
    }
    this.ready = true
  }
}

interface FlowSeed {
  slug: string
  name: string
  title: string
  designation: string
  authentication: string
  stages: string[]
}

function buildCatalog(installedAt: string): Record<CatalogKind, JsonObject[]> {
  const stageUuid = (name: string): string => stableUuid(`stage:${name}`)
  const flowUuid = (slug: string): string => stableUuid(`flow:${slug}`)
  const kinds = stageKinds as Record<string, { component: string; verbose: string; model: string }>

  const flows = (flowsSeed as FlowSeed[]).map((flow) => ({
    pk: flowUuid(flow.slug),
    policybindingmodel_ptr_id: flowUuid(flow.slug),
    name: flow.name,
    slug: flow.slug,
    title: flow.title,
    designation: flow.designation,
    stages: flow.stages.map(stageUuid),
    policies: [],
    cache_count: 0,
    policy_engine_mode: 'any',
    compatibility_mode: false,
    export_url: `/api/v3/flows/instances/${flow.slug}/export/`,
    layout: 'stacked',
    denied_action: 'message_continue',
    authentication: flow.authentication,
  }))

  const stages = stagesSeed.map((stage) => {
    const kind = kinds[stage.kind]
    if (!kind) throw new Error(`unknown stage kind ${stage.kind}`)
    return {
      pk: stageUuid(stage.name),
      name: stage.name,
      component: kind.component,
      verbose_name: kind.verbose,
      verbose_name_plural: `${kind.verbose}s`,
      meta_model_name: kind.model,
      flow_set: [],
    }
  })

  const prompts = promptsSeed.map((prompt) => ({
    pk: stableUuid(`prompt:${prompt.name}`),
    initial_value: '',
    sub_text: '',
    placeholder_expression: false,
    initial_value_expression: false,
    ...prompt,
  }))

  const passwordPolicies = policiesSeed.map((policy) => ({
    pk: stableUuid(`policy:${policy.name}`),
    component: 'ak-policy-password-form',
    verbose_name: 'Password Policy',
    verbose_name_plural: 'Password Policies',
    meta_model_name: 'authentik_policies_password.passwordpolicy',
    ...policy,
  }))

  const scopeMappings = scopeSeed.map((mapping) => ({
    pk: stableUuid(`scope:${mapping.managed}`),
    component: 'ak-property-mapping-provider-scope-form',
    verbose_name: 'Scope Mapping',
    verbose_name_plural: 'Scope Mappings',
    meta_model_name: 'authentik_providers_oauth2.scopemapping',
    ...mapping,
  }))

  const outposts = outpostsSeed.map((outpost) => {
    const pk = stableUuid(`outpost:${outpost.name}`)
    return { pk, token_identifier: `ak-outpost-${pk}-api`, providers_obj: [], ...outpost }
  })

  const brands = brandsSeed.map(({ flows: brandFlows, ...brand }) => ({
    brand_uuid: stableUuid(`brand:${brand.domain}`),
    ...brand,
    ...Object.fromEntries(
      Object.entries(brandFlows).map(([field, slug]) => [field, flowUuid(slug)]),
    ),
  }))

  const certificates = certificatesSeed.map(({ valid_days: validDays, ...cert }) => {
    const pk = stableUuid(`cert:${cert.name}`)
    const fingerprint = (algo: string, bytes: number): string =>
      (
        createHash(algo)
          .update(pk)
          .digest('hex')
          .slice(0, bytes * 2)
          .match(/../g) ?? []
      ).join(':')
    return {
      pk,
      fingerprint_sha256: fingerprint('sha256', 32),
      fingerprint_sha1: fingerprint('sha1', 20),
      cert_expiry: new Date(Date.parse(installedAt) + validDays * 86_400_000).toISOString(),
      certificate_download_url: `/api/v3/crypto/certificatekeypairs/${pk}/view_certificate/?download`,
      private_key_download_url: `/api/v3/crypto/certificatekeypairs/${pk}/view_private_key/?download`,
      ...cert,
    }
  })

  return {
    flows,
    stages,
    prompts,
    passwordPolicies,
    scopeMappings,
    outposts,
    brands,
    certificates,
  }
}
