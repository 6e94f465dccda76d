import { GatehouseError, isGatehouseError } from '../../shared/errors'
import type { AuthentikVersion } from '../../shared/settings'
import type { UpgradePlan, UpgradeStep } from './plan'

/**
 * Applying an upgrade plan: the pre-flight first (nothing is stopped until every check passed),
 * then the steps in order, each one converged and proven (ready, and the API reports exactly
 * that step's version) before the next. A failing step stops the upgrade there; the stack stays on
 * that step's attempt and the settings on the last completed step, so planning again continues
 * from the version that runs.
 *
 * Everything that touches the world comes in as `UpgradeDeps` (the planner service wires the real
 * engine, host files, Authentik client and settings store; the backup service of #17 provides
 * `makeVerifiedBackup`).
 */

/** The pre-flight's named checks, in the order they run. */
export const preflightChecks = [
  'backup made and verified',
  'images of every step on the host',
  'enough free disk',
  'outposts',
] as const
export type PreflightCheck = (typeof preflightChecks)[number]

export type BackupOutcome =
  { readonly ok: true; readonly archive: string } | { readonly ok: false; readonly reason: string }

/**
 * The backup step's interface. The backup service (branch `backup`) makes an archive and verifies
 * it (checksums + `pg_restore --list`); until it is wired, the planner service refuses to apply.
 */
export type MakeVerifiedBackup = (onProgress: (message: string) => void) => Promise<BackupOutcome>

export interface UpgradeDeps {
  readonly makeVerifiedBackup: MakeVerifiedBackup
  /** Pulls `ref` unless the host has it; reports the pull's progress in words. */
  ensureImage(ref: string, onProgress: (message: string) => void): Promise<void>
  /** Free bytes on the Docker host's data disk, or null when it cannot be read. */
  freeDiskBytes(): Promise<number | null>
  /** Names of outposts other than the embedded one (they are not upgraded with the server). */
  otherOutposts(): Promise<string[]>
  /** Moves `media` → `data/media` on the Docker host (before the 2025.12 step). */
  moveMedia(): Promise<string>
  /** Converges the stack as the catalogue builds it for `version` (recreates server + worker). */
  converge(version: AuthentikVersion, onProgress: (message: string) => void): Promise<void>
  /** Resolves once /-/health/ready/ answers and the API reports exactly `version`. */
  waitForVersion(version: AuthentikVersion): Promise<void>
  /** Settings' `authentikVersion` follows each completed step. */
  saveVersion(version: AuthentikVersion): Promise<void>
  /** The last log lines of server and worker, for a failed step. */
  lastLogLines(): Promise<string[]>
}

export type UpgradeEvent =
  | {
      readonly phase: 'preflight'
      readonly check: PreflightCheck
      readonly state: 'running' | 'passed' | 'warning' | 'failed'
      readonly message: string
    }
  | {
      readonly phase: 'step'
      readonly index: number
      readonly total: number
      readonly version: AuthentikVersion
      readonly state: 'started' | 'progress' | 'done' | 'failed'
      readonly message: string
    }

export interface PreflightResult {
  readonly backupArchive: string
  readonly warnings: string[]
}

export interface UpgradeResult {
  readonly completed: boolean
  readonly reached: string
  readonly steps: { version: AuthentikVersion; state: 'done' }[]
  readonly backupArchive: string
  readonly warnings: string[]
}

function preflightFailure(check: PreflightCheck, message: string, hint: string): GatehouseError {
  return new GatehouseError({
    code: 'UPGRADE_PREFLIGHT_FAILED',
    message: `Pre-flight "${check}" failed: ${message} Nothing was stopped.`,
    hint,
    details: { check },
  })
}

const describe = (e: unknown) => (e instanceof Error ? e.message : String(e))

/** Every check before anything stops; throws UPGRADE_PREFLIGHT_FAILED naming the check. */
export async function preflight(
  plan: UpgradePlan,
  deps: UpgradeDeps,
  emit: (e: UpgradeEvent) => void,
): Promise<PreflightResult> {
  const report = (
    check: PreflightCheck,
    state: 'running' | 'passed' | 'warning' | 'failed',
    message: string,
  ) => emit({ phase: 'preflight', check, state, message })
  const warnings: string[] = []

  // Disk first: the backup itself needs room, and a full disk is cheap to find out.
  report('enough free disk', 'running', `Needs ${plan.diskNeededBytes} bytes. ${plan.diskBasis}`)
  const free = await deps.freeDiskBytes()
  if (free === null) {
    const text =
      'The free disk of the Docker host could not be read (needs SSH or the local socket).'
    warnings.push(text)
    report('enough free disk', 'warning', text)
  } else if (free < plan.diskNeededBytes) {
    report('enough free disk', 'failed', `${free} bytes free, ${plan.diskNeededBytes} needed.`)
    throw preflightFailure(
      'enough free disk',
      `the Docker host has ${free} bytes free and the images need about ${plan.diskNeededBytes}.`,
      'Free space on the NAS (e.g. remove unused images), then plan again.',
    )
  } else report('enough free disk', 'passed', `${free} bytes free.`)

  report('backup made and verified', 'running', 'Backing up the database and files…')
  let backup: BackupOutcome
  try {
    backup = await deps.makeVerifiedBackup((m) => report('backup made and verified', 'running', m))
  } catch (e) {
    backup = { ok: false, reason: describe(e) }
  }
  if (!backup.ok) {
    report('backup made and verified', 'failed', backup.reason)
    throw preflightFailure(
      'backup made and verified',
      backup.reason,
      'An upgrade cannot be undone without a verified backup: fix the backup, then plan again.',
    )
  }
  report('backup made and verified', 'passed', backup.archive)

  for (const image of plan.images) {
    report('images of every step on the host', 'running', image.ref)
    try {
      await deps.ensureImage(image.ref, (m) =>
        report('images of every step on the host', 'running', `${image.ref}: ${m}`),
      )
    } catch (e) {
      report('images of every step on the host', 'failed', `${image.ref}: ${describe(e)}`)
      throw preflightFailure(
        'images of every step on the host',
        `the image ${image.ref} could not be pulled (${describe(e)})`,
        isGatehouseError(e) ? e.hint : 'Check the registry and the image override in Settings.',
      )
    }
  }
  report('images of every step on the host', 'passed', `${plan.images.length} image(s) ready.`)

  const outposts = await deps
    .otherOutposts()
    .catch((e: unknown) => [`(not listed: ${describe(e)})`])
  if (outposts.length) {
    const text = `The embedded outpost is upgraded with the server; these are not and must be upgraded by hand to the same release: ${outposts.join(', ')}.`
    warnings.push(text)
    report('outposts', 'warning', text)
  } else report('outposts', 'passed', 'Only the embedded outpost, upgraded with the server.')
  return { backupArchive: backup.archive, warnings }
}

async function runStep(
  step: UpgradeStep,
  index: number,
  total: number,
  deps: UpgradeDeps,
  emit: (e: UpgradeEvent) => void,
): Promise<void> {
  const say = (state: 'started' | 'progress' | 'done', message: string) =>
    emit({ phase: 'step', index, total, version: step.version, state, message })
  say('started', `Step ${index + 1} of ${total}: ${step.from} → ${step.version}`)
  if (step.movesMedia) say('progress', await deps.moveMedia())
  await deps.converge(step.version, (m) => say('progress', m))
  say('progress', `Waiting until Authentik is ready and reports ${step.version} (migrations)…`)
  await deps.waitForVersion(step.version)
  await deps.saveVersion(step.version)
  say('done', `Authentik ${step.version} runs.`)
}

/** Pre-flight, then every step in order; a failed step stops the upgrade and is named. */
export async function applyUpgrade(
  plan: UpgradePlan,
  deps: UpgradeDeps,
  listener: (e: UpgradeEvent) => void = () => undefined,
): Promise<UpgradeResult> {
  // A listener that throws (a closed window) must not fail an upgrade half-way.
  const emit = (e: UpgradeEvent) => {
    try {
      listener(e)
    } catch {
      // progress is best effort; the result and the error carry the outcome
    }
  }
  const { backupArchive, warnings } = await preflight(plan, deps, emit)
  const done: { version: AuthentikVersion; state: 'done' }[] = []
  let reached = plan.current
  for (const [index, step] of plan.steps.entries()) {
    try {
      await runStep(step, index, plan.steps.length, deps, emit)
    } catch (e) {
      const logs = await deps.lastLogLines().catch(() => [])
      emit({
        phase: 'step',
        index,
        total: plan.steps.length,
        version: step.version,
        state: 'failed',
        message: describe(e),
      })
      throw new GatehouseError({
        code: 'UPGRADE_STEP_FAILED',
        message: `Step ${index + 1} of ${plan.steps.length} (${step.from} → ${step.version}) failed: ${describe(e)}`,
        hint: `Authentik ${reached} was the last release that ran. Read the log lines, fix the cause and plan again: the upgrade continues from the version that runs. The pre-flight backup is ${backupArchive}.`,
        details: {
          step: step.version,
          from: step.from,
          reached,
          backupArchive,
          logLines: logs.slice(-30),
          ...(isGatehouseError(e) ? { cause: e.code } : {}),
        },
      })
    }
    done.push({ version: step.version, state: 'done' })
    reached = step.version
  }
  return { completed: true, reached, steps: done, backupArchive, warnings }
}
