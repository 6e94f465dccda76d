import {
  authentikReleases,
  majorOf,
  releaseOf,
  type AuthentikRelease,
  type AuthentikVersion,
} from '../../shared/authentik-releases'
import { GatehouseError } from '../../shared/errors'

/**
 * The upgrade path: Authentik upgrades must pass through every major release in order, each at its
 * latest patch, and never go back (its migrations change the schema one way only). This is the one
 * place that turns "from → to" into the list of steps; everything else walks that list.
 */

/** -1, 0, 1 like a comparator, on the `YEAR.MINOR` major only. */
export function compareMajor(a: string, b: string): number {
  const [ay, am] = majorOf(a)
  const [by, bm] = majorOf(b)
  return ay !== by ? Math.sign(ay - by) : Math.sign(am - bm)
}

function patchOf(version: string): number {
  return Number(version.split('.')[2] ?? 0) || 0
}

function knownRelease(version: string, role: 'current' | 'target'): AuthentikRelease {
  const release = releaseOf(version)
  if (!release)
    throw new GatehouseError({
      code: 'AUTHENTIK_VERSION_UNSUPPORTED',
      message: `The ${role} version ${version} is not a release Gatehouse knows (${authentikReleases[0].version} to ${authentikReleases.at(-1)?.version ?? ''}).`,
      hint:
        role === 'current'
          ? 'Upgrade Authentik by hand to a supported release first, or update Gatehouse.'
          : 'Choose one of the releases listed in the upgrade planner.',
      details: { version },
    })
  return release
}

/**
 * The releases to install after `current`, oldest first, ending at `target`'s major (at the
 * catalogue's patch). Empty when `current` already is the target release at its latest patch.
 * A target older than `current` is refused: Authentik does not downgrade.
 */
export function upgradeSteps(current: string, target: string): AuthentikVersion[] {
  knownRelease(current, 'current')
  const to = knownRelease(target, 'target')
  if (compareMajor(target, current) < 0)
    throw new GatehouseError({
      code: 'UPGRADE_DOWNGRADE_REFUSED',
      message: `Authentik ${current} cannot go back to ${target}: its database migrations only go forward.`,
      hint: 'To return to an older release, restore a backup that was made on that release.',
      details: { current, target },
    })
  return authentikReleases
    .filter((r) => {
      const afterCurrent = compareMajor(r.version, current) > 0
      // The current major at an older patch: its latest patch is the first step.
      const samePatchBehind =
        compareMajor(r.version, current) === 0 && patchOf(r.version) > patchOf(current)
      return (afterCurrent || samePatchBehind) && compareMajor(r.version, to.version) <= 0
    })
    .map((r) => r.version as AuthentikVersion)
}
