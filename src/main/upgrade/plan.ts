import { authentikReleases, releaseOf } from '../../shared/authentik-releases'
import {
  DEFAULT_AUTHENTIK_VERSION,
  type AuthentikVersion,
  type Settings,
} from '../../shared/settings'
import { unreadSecret } from '../docker/model'
import { authentikImage, buildStack, catalogue, type StackSecrets } from '../stack/catalogue'
import { upgradeSteps } from './path'
import { diffStacks, type StackChange } from './stack-diff'

/**
 * The upgrade plan: from the release that runs to the target (default: the newest Gatehouse
 * knows), one step per major release at its latest patch, each with what changes in the stack,
 * the image it needs and its release notes. Computing it touches nothing.
 */

export interface UpgradeStep {
  readonly version: AuthentikVersion
  readonly from: string
  readonly notesUrl: string
  readonly notes: string
  /** The server/worker image of this step (overrides with `{version}` filled). */
  readonly image: string
  readonly changes: StackChange[]
  /** Uploads move from `<data>/media` to `<data>/data/media` before this step starts. */
  readonly movesMedia: boolean
}

export interface PlannedImage {
  readonly ref: string
  /** Already on the Docker host (nothing to download). */
  readonly present: boolean
  /** Bytes as the engine reports them for a local image; null when not known before the pull. */
  readonly sizeBytes: number | null
}

export interface UpgradePlan {
  readonly current: string
  readonly target: AuthentikVersion
  readonly steps: UpgradeStep[]
  readonly images: PlannedImage[]
  /** Free disk the pulls need on the Docker host, and how that figure was reached. */
  readonly diskNeededBytes: number
  readonly diskBasis: string
}

/** What the plan asks the Docker host; the planner service passes the real engine's answers. */
export interface ImageFacts {
  /** `null` when the image is not on the host. */
  inspect(ref: string): Promise<{ sizeBytes: number } | null>
}

/**
 * Not measured: an image not on the host yet has no size until it is pulled (registries report
 * compressed layers only). One GiB per missing Authentik image is the planning figure.
 */
export const ASSUMED_IMAGE_BYTES = 1024 ** 3

// The plan only compares specs, so stand-ins take the secrets' place (never written anywhere).
const lookOnlySecrets: StackSecrets = {
  postgresPassword: unreadSecret('postgresPassword'),
  authentikSecretKey: unreadSecret('authentikSecretKey'),
  bootstrapPassword: unreadSecret('bootstrapPassword'),
  bootstrapToken: unreadSecret('bootstrapToken'),
}

/** The settings as they will be at `version` (everything else unchanged). */
export function settingsAt(settings: Settings, version: AuthentikVersion): Settings {
  return { ...settings, authentikVersion: version }
}

/** The steps with their stack changes; pure (no engine). */
export function planSteps(
  settings: Settings,
  current: string,
  target: AuthentikVersion = DEFAULT_AUTHENTIK_VERSION,
): UpgradeStep[] {
  const versions = upgradeSteps(current, target)
  const steps: UpgradeStep[] = []
  // The catalogue's own spec for the running major (a patch behind builds the same stack).
  let previous = (releaseOf(current)?.version ?? authentikReleases[0].version) as AuthentikVersion
  let from = current
  for (const version of versions) {
    const before = buildStack(settingsAt(settings, previous), lookOnlySecrets)
    const after = buildStack(settingsAt(settings, version), lookOnlySecrets)
    const release = releaseOf(version)
    steps.push({
      version,
      from,
      notesUrl: release?.notesUrl ?? '',
      notes: release?.notes ?? '',
      image: authentikImage(settingsAt(settings, version)),
      changes: diffStacks(before, after),
      movesMedia:
        catalogue[previous].dataMount.folder === 'media' &&
        catalogue[version].dataMount.folder === 'data',
    })
    previous = version
    from = version
  }
  return steps
}

/** The full plan: steps, every image they need (once each), and the disk the pulls need. */
export async function planUpgrade(
  settings: Settings,
  current: string,
  images: ImageFacts,
  target: AuthentikVersion = DEFAULT_AUTHENTIK_VERSION,
): Promise<UpgradePlan> {
  const steps = planSteps(settings, current, target)
  const refs = [...new Set(steps.map((s) => s.image))]
  const planned: PlannedImage[] = []
  for (const ref of refs) {
    const found = await images.inspect(ref)
    planned.push({ ref, present: found !== null, sizeBytes: found?.sizeBytes ?? null })
  }
  const missing = planned.filter((i) => !i.present).length
  return {
    current,
    target,
    steps,
    images: planned,
    diskNeededBytes: missing * ASSUMED_IMAGE_BYTES,
    diskBasis:
      missing === 0
        ? 'Every image is already on the Docker host; the upgrade downloads nothing.'
        : `${missing} image(s) to download, counted at 1 GiB each (an assumed figure: the size is known only after the pull).`,
  }
}
