/**
 * The Authentik releases Gatehouse supports, as data. One row per major release (Authentik calls
 * `YEAR.MINOR` a release and upgrades must pass through every one of them in order, each at its
 * latest patch). The stack catalogue, the API client, the fake Authentik and the test suites all
 * read this table; adding a release is one row here plus, if the release changes something the
 * code relies on, one feature flag below.
 *
 * `schemaPackage` is the plain-versioned `@goauthentik/api` package whose `schema.yml` is that
 * release's OpenAPI schema (client-ts generates the package from the tag's schema). 2025.6 has no
 * plain-versioned package; its schema is the tag's own `schema.yml`.
 */

export interface AuthentikRelease {
  /** The release Gatehouse runs and tests: the newest patch of the major that has a schema. */
  readonly version: string
  /** `YEAR.MINOR`, the unit of Authentik's upgrade path. */
  readonly major: string
  /** Where the schema the fake and the response checks use comes from. */
  readonly schemaSource: string
  /** Release notes, linked from the upgrade planner and the README. */
  readonly notesUrl: string
  /** What changed for Gatehouse in this release (API map §8–9). */
  readonly notes: string
}

export const authentikReleases = [
  {
    version: '2025.6.3',
    major: '2025.6',
    schemaSource: 'authentik tag version/2025.6.3, schema.yml',
    notesUrl: 'https://docs.goauthentik.io/docs/releases/2025.6',
    notes: 'The setup guide’s release. Redis in the stack, uploads in ./media.',
  },
  {
    version: '2025.8.6',
    major: '2025.8',
    schemaSource: '@goauthentik/api@2025.8.6 schema.yml',
    notesUrl: 'https://docs.goauthentik.io/docs/releases/2025.8',
    notes: 'Tasks move to PostgreSQL; Settings PUT needs `flags` (Gatehouse uses PATCH).',
  },
  {
    version: '2025.10.4',
    major: '2025.10',
    schemaSource: '@goauthentik/api@2025.10.4 schema.yml',
    notesUrl: 'https://docs.goauthentik.io/docs/releases/2025.10',
    notes: 'Redis is no longer used and leaves the stack.',
  },
  {
    version: '2025.12.6',
    major: '2025.12',
    schemaSource: '@goauthentik/api@2025.12.6 schema.yml',
    notesUrl: 'https://docs.goauthentik.io/docs/releases/2025.12',
    notes: 'Groups have several `parents`; uploads move from ./media to ./data/media.',
  },
  {
    version: '2026.2.0',
    major: '2026.2',
    schemaSource: '@goauthentik/api@2026.2.0 schema.yml',
    notesUrl: 'https://docs.goauthentik.io/docs/releases/2026.2',
    notes: 'compose.yml; shm_size 512 MB; recovery e-mail takes a JSON body.',
  },
  {
    version: '2026.5.6',
    major: '2026.5',
    schemaSource: '@goauthentik/api@2026.5.6 schema.yml',
    notesUrl: 'https://docs.goauthentik.io/docs/releases/2026.5',
    notes: 'Invitations can be sent by e-mail; flows import through blueprints.',
  },
  {
    version: '2026.8.3',
    major: '2026.8',
    schemaSource: '@goauthentik/api@2026.8.3 schema.yml',
    notesUrl: 'https://docs.goauthentik.io/docs/releases/2026.8',
    notes: 'The newest release Gatehouse knows.',
  },
] as const satisfies readonly AuthentikRelease[]

export type AuthentikVersion = (typeof authentikReleases)[number]['version']

/** Every release, oldest first: the order an upgrade walks. */
export const supportedAuthentikVersions = authentikReleases.map((r) => r.version) as [
  AuthentikVersion,
  ...AuthentikVersion[],
]

/** New stacks start on the newest supported release; 2025.6.3 stays for the guide's installs. */
export const DEFAULT_AUTHENTIK_VERSION: AuthentikVersion = '2026.8.3'
export const GUIDE_AUTHENTIK_VERSION: AuthentikVersion = '2025.6.3'

/** "2025.10.1" → [2025, 10]. */
export function majorOf(version: string): [number, number] {
  const [year, minor] = version.split('.').map(Number)
  return [year ?? 0, minor ?? 0]
}

/** True when `version` is at or after the major release `milestone` ("2025.12"). */
export function atLeast(version: string, milestone: string): boolean {
  const [y, m] = majorOf(version)
  const [my, mm] = majorOf(milestone)
  return y > my || (y === my && m >= mm)
}

/** The table's row for a server's version (any patch of a supported major), or undefined. */
export function releaseOf(version: string): AuthentikRelease | undefined {
  const [y, m] = majorOf(version)
  return authentikReleases.find((r) => r.major === `${y}.${m}`)
}

/**
 * What differs between releases for the calls Gatehouse makes (API map §8, schema diffs in
 * docs/authentik-schema-diff.md). Each is a milestone: the feature holds from that major on.
 */
export const apiMilestones = {
  /** Group `parent` (one uuid) becomes `parents` (list); group names become unique. */
  groupParents: '2025.12',
  /** Settings PUT needs `flags`; PATCH without it works everywhere. */
  settingsFlags: '2025.8',
  /** `recovery_email` takes a JSON body `{email_stage}` instead of a query parameter. */
  recoveryEmailBody: '2026.2',
  /** `POST /stages/invitation/invitations/{uuid}/send_email/`. */
  invitationEmail: '2026.5',
  /** Stage requests no longer accept `flow_set`. */
  stageFlowSetReadOnly: '2025.12',
  // Found by scripts/schema-diff.ts (docs/authentik-schema-diff.md); the fake models each.
  /** `SessionUser.users` (every session's user) and `UserSelf.is_current`: absent before 2026.8. */
  sessionUsers: '2026.8',
  /** Paginated lists carry `autocomplete`; User gains read-only `last_updated`. */
  listAutocomplete: '2025.8',
  /** Groups show `children`/`children_obj` (writable `children` until `groupParents`). */
  groupChildren: '2025.8',
  /** Outposts without a service connection show `service_connection_obj: null`. */
  outpostConnectionNullable: '2025.8',
  /** Redis gone: `/root/config/` loses `cache_timeout_reputation`; TOTP `friendly_name` not null. */
  redisRemoved: '2025.10',
  /** PolicyBinding `group_obj`/`user_obj` are PartialGroup/PartialUser instead of Group/User. */
  bindingPartialObjects: '2025.10',
  /** `/events/events/` takes `actions` (several); before, only one `action` (2025.6 ignores `actions`). */
  eventActionsFilter: '2025.8',
  /** Users have `roles`/`roles_obj`; `UserSelf.roles`. */
  userRoles: '2025.12',
  /** Flow `background` and Application `meta_icon` become writable strings (file API). */
  fileFieldsWritable: '2025.12',
  /** OAuth2 redirect URIs carry `redirect_uri_type` (`authorization` | `logout`). */
  redirectUriType: '2026.5',
} as const

export type ApiFeature = keyof typeof apiMilestones

export function hasFeature(version: string, feature: ApiFeature): boolean {
  return atLeast(version, apiMilestones[feature])
}
