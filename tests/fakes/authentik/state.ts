/**
 * The fake's whole state: users, groups and tokens (modelled, writable) and the read-only catalogue
 * of default objects a fresh install has. Everything starts from the seed files in ./seed.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { FakeVersion, JsonObject } from './types'
import core from './seed/core.json' with { type: 'json' }
import { COLLECTIONS, type Collection, type Rec } from './engine'
import { Faults, type RequestLogEntry } from './faults'
import { buildStore } from './seed-store'

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
  /** Before 2025.12: at most one entry (`parent`); since: `parents`. */
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
  /** Every other modelled object, by collection and pk (see engine.ts). */
  readonly store: Record<Collection, Map<string | number, Rec>>
  /** `admin/settings` (the per-version field set is projected on read). */
  settings: JsonObject
  /** Every request answered: method, path, operationId (or `METHOD path`), status. */
  readonly requestLog: RequestLogEntry[] = []
  /** Fault injection for writes (`failWrite`). */
  readonly faults = new Faults()
  /** Authentik's event log, oldest first (events.ts records into it). */
  readonly events: JsonObject[] = []
  /** Mails "sent" by invitations' send_email (2026). */
  readonly sentMail: JsonObject[] = []
  /** What `/outposts/instances/{uuid}/health/` answers, per outpost pk (default: nothing connected). */
  readonly outpostHealth = new Map<string, JsonObject[]>()
  /** Bumped on every write, so list orderings can be cached between pages. */
  revision = 0
  private readonly intCounters = new Map<Collection, number>()
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
    this.store = Object.fromEntries(COLLECTIONS.map((c) => [c, new Map()])) as Record<
      Collection,
      Map<string | number, Rec>
    >
    this.settings = buildStore(this)
    this.seedCore()
  }

  now(): string {
    return new Date().toISOString()
  }

  /** Next integer pk of a collection (providers). */
  nextInt(collection: Collection): number {
    const next = (this.intCounters.get(collection) ?? 0) + 1
    this.intCounters.set(collection, next)
    return next
  }

  /** All records of a collection (optionally of one `_type`). */
  all(collection: Collection, type?: string): Rec[] {
    const records = [...this.store[collection].values()]
    return type === undefined ? records : records.filter((rec) => rec._type === type)
  }

  /** The first record of a collection whose `field` equals `value`. */
  findBy(collection: Collection, field: string, value: unknown): Rec | undefined {
    for (const rec of this.store[collection].values()) if (rec[field] === value) return rec
    return undefined
  }

  /**
   * Adds `count` ordinary internal users (`user00001`…) without going through the API, for
   * directory and benchmark tests. Returns the new records.
   */
  seedUsers(count: number, prefix = 'user'): UserRecord[] {
    const width = String(this.nextUserPk + count).length
    const added: UserRecord[] = []
    for (let i = 0; i < count; i++) {
      const n = String(this.nextUserPk).padStart(width, '0')
      added.push(
        this.addUser({
          username: `${prefix}${n}`,
          name: `User ${n}`,
          email: `${prefix}${n}@example.org`,
        }),
      )
    }
    return added
  }

  /** A device (authenticator) of a user, for `/authenticators/admin/all/?user=`. */
  addDevice(
    userPk: number,
    device: { type: 'totp' | 'static' | 'webauthn'; name: string; confirmed?: boolean },
  ): Rec {
    const pk = String(this.nextInt('devices'))
    const rec: Rec = {
      pk,
      user: userPk,
      name: device.name,
      _type: device.type,
      confirmed: device.confirmed ?? true,
      created: this.now(),
      last_updated: this.now(),
      last_used: null,
    }
    this.store.devices.set(pk, rec)
    this.revision++
    return rec
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
    this.revision++
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
    this.revision++
    this.users.delete(pk)
    for (const [key, binding] of this.store.policyBindings) {
      if (binding.user === pk) this.store.policyBindings.delete(key)
    }
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
    const outpost = this.all('outposts')[0]
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
