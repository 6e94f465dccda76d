import { z } from 'zod'
import { supportedAuthentikVersions } from '../authentik-releases'
import { event, method } from './define'

/**
 * The upgrade planner (#17): from the Authentik release that runs to the target, through every
 * major release in order. `plan` touches nothing; `apply` runs the pre-flight (verified backup,
 * every image, disk, outposts) before anything stops, then the steps, with `upgrade.progress`.
 */

const Version = z.enum(supportedAuthentikVersions)

export const UpgradeInput = z.strictObject({
  /** Default: the newest release Gatehouse knows. */
  target: Version.optional(),
})
export type UpgradeInput = z.input<typeof UpgradeInput>

export const UpgradeChange = z.object({
  kind: z.enum([
    'service-added',
    'service-dropped',
    'mount-moved',
    'env-changed',
    'shm-size',
    'volume-dropped',
  ]),
  service: z.string(),
  text: z.string(),
})

export const UpgradeStep = z.object({
  version: Version,
  from: z.string(),
  notesUrl: z.string(),
  notes: z.string(),
  image: z.string(),
  changes: z.array(UpgradeChange),
  movesMedia: z.boolean(),
})
export type UpgradeStep = z.infer<typeof UpgradeStep>

export const UpgradePlan = z.object({
  current: z.string(),
  /** Where `current` was read: the running server's image tag, or the settings. */
  currentSource: z.enum(['running-image', 'settings']),
  target: Version,
  steps: z.array(UpgradeStep),
  images: z.array(
    z.object({ ref: z.string(), present: z.boolean(), sizeBytes: z.number().nullable() }),
  ),
  diskNeededBytes: z.number(),
  diskBasis: z.string(),
})
export type UpgradePlan = z.infer<typeof UpgradePlan>

export const UpgradeResult = z.object({
  completed: z.boolean(),
  reached: z.string(),
  steps: z.array(z.object({ version: Version, state: z.literal('done') })),
  backupArchive: z.string(),
  warnings: z.array(z.string()),
})
export type UpgradeResult = z.infer<typeof UpgradeResult>

export const UpgradeProgress = z.discriminatedUnion('phase', [
  z.object({
    phase: z.literal('preflight'),
    check: z.enum([
      'backup made and verified',
      'images of every step on the host',
      'enough free disk',
      'outposts',
    ]),
    state: z.enum(['running', 'passed', 'warning', 'failed']),
    message: z.string(),
  }),
  z.object({
    phase: z.literal('step'),
    index: z.int(),
    total: z.int(),
    version: Version,
    state: z.enum(['started', 'progress', 'done', 'failed']),
    message: z.string(),
  }),
])
export type UpgradeProgress = z.infer<typeof UpgradeProgress>

export const upgradeEvents = {
  'upgrade.progress': event({
    summary: 'Pre-flight checks and each upgrade step as they run',
    payload: UpgradeProgress,
  }),
}

export const upgrade = {
  plan: method({
    summary: 'The upgrade plan from the running Authentik to the target (default: newest)',
    input: UpgradeInput.optional(),
    output: UpgradePlan,
  }),
  apply: method({
    summary: 'Back up, pull every image, then upgrade step by step (progress: upgrade.progress)',
    input: UpgradeInput.optional(),
    output: UpgradeResult,
  }),
}
