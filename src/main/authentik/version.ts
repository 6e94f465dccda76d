import { GatehouseError } from '../../shared/errors'

/**
 * Which Authentik releases Gatehouse talks to, and what differs between them for the calls it
 * makes. Authentik versions are `YEAR.MINOR.PATCH` (minors 2, 4, 5, 6, 8, 10, 12 …), sometimes
 * with a suffix such as `-rc1` or, in the 2025 npm builds, `-<unix time>`.
 */

export interface ServerVersion {
  readonly year: number
  readonly minor: number
  readonly patch: number
  /** As the server reported it, for messages. */
  readonly raw: string
}

/** Inclusive lower bound and exclusive upper bound, compared on (year, minor, patch). */
export const supportedRange = {
  lowest: { year: 2025, minor: 6, patch: 0 },
  /** 2026.8.x is the newest supported minor: anything from 2026.9 on is refused. */
  above: { year: 2026, minor: 9, patch: 0 },
  label: '2025.6.x to 2026.8.x',
} as const

const versionPattern = /^\s*v?(\d{4})\.(\d{1,2})\.(\d{1,4})(?:[-+.][0-9A-Za-z.-]*)?\s*$/

/** Parses a version string; null when it is not an Authentik release number at all. */
export function parseVersion(raw: string): ServerVersion | null {
  const match = versionPattern.exec(raw)
  if (!match) return null
  const [, year, minor, patch] = match
  return { year: Number(year), minor: Number(minor), patch: Number(patch), raw: raw.trim() }
}

type Triple = Pick<ServerVersion, 'year' | 'minor' | 'patch'>

export function compareVersions(a: Triple, b: Triple): number {
  return a.year - b.year || a.minor - b.minor || a.patch - b.patch
}

export function isSupported(version: Triple): boolean {
  return (
    compareVersions(version, supportedRange.lowest) >= 0 &&
    compareVersions(version, supportedRange.above) < 0
  )
}

/** Parses and range-checks what a server reported; the error says which version it saw. */
export function requireSupportedVersion(raw: string, source: string): ServerVersion {
  const version = parseVersion(raw)
  if (!version) {
    throw new GatehouseError({
      code: 'AUTHENTIK_VERSION_UNSUPPORTED',
      message: `The server at ${source} reported the version "${raw.slice(0, 60)}", which is not an Authentik release number.`,
      hint: 'Check that the address points at Authentik itself (not at Traefik or another app).',
      details: { reported: raw.slice(0, 60), supported: supportedRange.label },
    })
  }
  if (!isSupported(version)) {
    throw new GatehouseError({
      code: 'AUTHENTIK_VERSION_UNSUPPORTED',
      message: `Authentik ${version.raw} is outside the versions Gatehouse supports (${supportedRange.label}).`,
      hint:
        compareVersions(version, supportedRange.lowest) < 0
          ? 'Upgrade Authentik one minor release at a time to 2025.6 or later, then retry.'
          : 'Use a Gatehouse release that supports this Authentik version, or run a supported Authentik version.',
      details: { reported: version.raw, supported: supportedRange.label },
    })
  }
  return version
}

/**
 * Which generated client package matches the server's models. Request shapes of every call
 * Gatehouse makes are identical in both packages; the responses differ (Group `parent` vs
 * `parents`, User `roles`), so each server is read with the package built from its own schema
 * family: the 2025.6.3 main-branch build up to 2025.10, the 2026.8.3 build from 2025.12 on.
 */
export type ClientPackage = 'ak-2025.6' | 'ak-2026.8'

/** Per-version behaviour for the differences of API map section 8 that Gatehouse touches. */
export interface VersionFeatures {
  readonly clientPackage: ClientPackage
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
}

function atLeast(version: Triple, year: number, minor: number): boolean {
  return compareVersions(version, { year, minor, patch: 0 }) >= 0
}

export function featuresFor(version: Triple): VersionFeatures {
  const groupsReworked = atLeast(version, 2025, 12)
  return {
    clientPackage: groupsReworked ? 'ak-2026.8' : 'ak-2025.6',
    groupParents: groupsReworked ? 'parents' : 'parent',
    userRoles: groupsReworked,
    listAutocomplete: atLeast(version, 2025, 8),
    settingsPatchOnly: atLeast(version, 2025, 8),
    stageFlowSetWritable: !groupsReworked,
    recoveryEmailBody: atLeast(version, 2026, 2),
  }
}
