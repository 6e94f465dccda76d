import {
  authentikReleases,
  hasFeature,
  releaseOf,
  type ApiFeature,
} from '../../shared/authentik-releases'
import { GatehouseError } from '../../shared/errors'

/**
 * Which Authentik a server is, and what Gatehouse may do with it. Authentik versions are
 * `YEAR.MINOR.PATCH` (minors 2, 4, 5, 6, 8, 10, 12 …), sometimes with a suffix such as `-rc1` or,
 * in the 2025 npm builds, `-<unix time>`. The releases Gatehouse knows are data
 * (src/shared/authentik-releases.ts); nothing here lists versions of its own.
 */

export interface ServerVersion {
  readonly year: number
  readonly minor: number
  readonly patch: number
  /** As the server reported it, for messages. */
  readonly raw: string
}

type Triple = Pick<ServerVersion, 'year' | 'minor' | 'patch'>

const versionPattern = /^\s*v?(\d{4})\.(\d{1,2})\.(\d{1,4})(?:[-+.][0-9A-Za-z.-]*)?\s*$/

/** Parses a version string; null when it is not an Authentik release number at all. */
export function parseVersion(raw: string): ServerVersion | null {
  const match = versionPattern.exec(raw)
  if (!match) return null
  const [, year, minor, patch] = match
  return { year: Number(year), minor: Number(minor), patch: Number(patch), raw: raw.trim() }
}

export function compareVersions(a: Triple, b: Triple): number {
  return a.year - b.year || a.minor - b.minor || a.patch - b.patch
}

const majorTriple = (major: string): Triple => {
  const [year, minor] = major.split('.').map(Number)
  return { year: year ?? 0, minor: minor ?? 0, patch: 0 }
}
const oldest = authentikReleases[0]
const newest = authentikReleases[authentikReleases.length - 1]!

/** "2025.6.x to 2026.8.x", from the table. */
export const supportedRangeLabel = `${oldest.major}.x to ${newest.major}.x`

/**
 * - `supported`: a major in the table (any patch of it);
 * - `newer`: after the newest major in the table: reads work, writes (recipes, integrations, the
 *   handover, directory edits) are refused until Gatehouse is updated;
 * - `older`: before the oldest major: refused, Authentik must be upgraded first;
 * - `unknown`: inside the range but not a release in the table (e.g. 2026.4): refused.
 */
export type VersionSupport = 'supported' | 'newer' | 'older' | 'unknown'

export function versionSupport(version: Triple): VersionSupport {
  if (releaseOf(`${version.year}.${version.minor}.${version.patch}`)) return 'supported'
  if (compareVersions(version, majorTriple(oldest.major)) < 0) return 'older'
  const afterNewest = { ...majorTriple(newest.major), minor: majorTriple(newest.major).minor + 1 }
  return compareVersions(version, afterNewest) >= 0 ? 'newer' : 'unknown'
}

export function isSupported(version: Triple): boolean {
  return versionSupport(version) === 'supported'
}

/** The typed refusal for a release Gatehouse does not write to (or does not talk to at all). */
export function versionError(version: ServerVersion, baseUrl: string): GatehouseError {
  const support = versionSupport(version)
  const details = { reported: version.raw, supported: supportedRangeLabel, baseUrl }
  if (support === 'newer') {
    return new GatehouseError({
      code: 'AUTHENTIK_VERSION_NEWER',
      message: `Authentik ${version.year}.${version.minor} is newer than this Gatehouse knows (it knows ${supportedRangeLabel}); read-only features work, recipes are disabled until you update Gatehouse.`,
      hint: 'Update Gatehouse to a release that knows this Authentik version; until then, browse the directory but make changes in Authentik’s own admin UI.',
      details,
    })
  }
  return new GatehouseError({
    code: 'AUTHENTIK_VERSION_UNSUPPORTED',
    message: `Authentik ${version.raw} is outside the releases Gatehouse supports (${supportedRangeLabel}).`,
    hint:
      support === 'older'
        ? `Upgrade Authentik one release at a time to ${oldest.major} or later, then retry.`
        : `This is not an Authentik release Gatehouse knows; run one of ${authentikReleases.map((r) => r.major).join(', ')}.`,
    details,
  })
}

/**
 * Parses what a server reported. Supported and newer releases are accepted (a newer one becomes
 * read-only, see AuthentikClient.support); older or unknown ones, and non-versions, are refused.
 */
export function requireKnownVersion(raw: string, baseUrl: string): ServerVersion {
  const version = parseVersion(raw)
  if (!version) {
    throw new GatehouseError({
      code: 'AUTHENTIK_VERSION_UNSUPPORTED',
      message: `The server at ${baseUrl} reported the version "${raw.slice(0, 60)}", which is not an Authentik release number.`,
      hint: 'Check that the address points at Authentik itself (not at Traefik or another app).',
      details: { reported: raw.slice(0, 60), supported: supportedRangeLabel, baseUrl },
    })
  }
  const support = versionSupport(version)
  if (support === 'older' || support === 'unknown') throw versionError(version, baseUrl)
  return version
}

/** Per-version behaviour for the differences of API map section 8 that Gatehouse touches. */
export interface VersionFeatures {
  /** Group hierarchy: a single writable `parent` before 2025.12, a `parents` list from 2025.12. */
  readonly groupParents: 'parent' | 'parents'
  /** Users carry a writable `roles` list from 2025.12 (permissions only through roles). */
  readonly userRoles: boolean
  /** Paginated lists carry `autocomplete` from 2025.8. */
  readonly listAutocomplete: boolean
  /** Settings must be changed by PATCH without `flags` from 2025.8 (PUT needs every flag). */
  readonly settingsPatchOnly: boolean
  /** Stage requests no longer accept `flow_set` from 2025.12. */
  readonly stageFlowSetWritable: boolean
  /** `recovery_email` takes a JSON body `{email_stage}` from 2026.2 (a query parameter before). */
  readonly recoveryEmailBody: boolean
  /** `POST /stages/invitation/invitations/{uuid}/send_email/` from 2026.5. */
  readonly invitationEmail: boolean
}

export function featuresFor(version: Triple): VersionFeatures {
  const has = (feature: ApiFeature) =>
    hasFeature(`${version.year}.${version.minor}.${version.patch}`, feature)
  return {
    groupParents: has('groupParents') ? 'parents' : 'parent',
    userRoles: has('userRoles'),
    listAutocomplete: has('listAutocomplete'),
    settingsPatchOnly: has('settingsFlags'),
    stageFlowSetWritable: !has('stageFlowSetReadOnly'),
    recoveryEmailBody: has('recoveryEmailBody'),
    invitationEmail: has('invitationEmail'),
  }
}
