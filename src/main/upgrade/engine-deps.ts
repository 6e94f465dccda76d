import { setTimeout as sleep } from 'node:timers/promises'
import { GatehouseError } from '../../shared/errors'
import type { AuthentikVersion, Settings } from '../../shared/settings'
import type { TokenProvider } from '../authentik/client'
import { detectVersion } from '../authentik/detect'
import { waitForAuthentik } from '../authentik/readiness'
import { containerName } from '../docker/compose'
import type { DockerEngine } from '../docker/engine'
import * as lifecycle from '../docker/lifecycle'
import { tailLogs } from '../docker/logs'
import { localImageId, pullImage } from '../docker/pull'
import type { HostFiles } from '../hostfs/host-files'
import { buildStack, type BuildOptions, type StackSecrets } from '../stack/catalogue'
import type { MakeVerifiedBackup, UpgradeDeps } from './apply'
import { moveMediaToData } from './media-move'
import { settingsAt } from './plan'

/**
 * The upgrade's dependencies on the real world: the Docker engine (pull, converge, logs), the
 * Docker host's files (the media move), Authentik's API (ready + exact version) and the settings
 * store. Only the backup comes from outside (#17's backup service).
 */

export interface EngineDepsOptions {
  readonly engine: DockerEngine
  /** The settings as saved before the upgrade; each step changes only `authentikVersion`. */
  readonly settings: Settings
  readonly secrets: StackSecrets
  readonly build?: BuildOptions
  /** Asked only when a step moves the uploads (TCP+TLS hosts have no file access). */
  readonly files: () => Promise<HostFiles>
  readonly makeVerifiedBackup: MakeVerifiedBackup
  readonly saveSettings: (settings: Settings) => Promise<void>
  /** Where Authentik answers after a step (the setup port, the public URL, or a test's address). */
  readonly authentikBaseUrl: () => Promise<string>
  readonly token: TokenProvider
  readonly freeDiskBytes: () => Promise<number | null>
  readonly otherOutposts: () => Promise<string[]>
  /** Per step: containers healthy, then ready with the version. Default 10 min (migrations). */
  readonly stepTimeoutMs?: number
}

export function engineUpgradeDeps(options: EngineDepsOptions): UpgradeDeps {
  const { engine } = options
  let settings = options.settings
  const timeoutMs = options.stepTimeoutMs ?? 600_000
  const specAt = (version: AuthentikVersion) =>
    buildStack(settingsAt(settings, version), options.secrets, options.build)

  return {
    makeVerifiedBackup: options.makeVerifiedBackup,
    freeDiskBytes: options.freeDiskBytes,
    otherOutposts: options.otherOutposts,

    async ensureImage(ref, onProgress) {
      if (await localImageId(engine, ref)) return onProgress('already on the host')
      await pullImage(engine, ref, {
        throttleMs: 1000,
        onProgress: (p) =>
          onProgress(`${p.phase}${p.percent === undefined ? '' : ` ${p.percent}%`}`),
      })
    },

    moveMedia: async () => {
      const result = await moveMediaToData(await options.files(), settings.dataFolder)
      return {
        moved: 'Uploads moved from media/ to data/media/ (files and owners kept).',
        'already-moved': 'Uploads are already in data/media/.',
        'nothing-to-move': 'No media/ folder: nothing to move.',
      }[result]
    },

    async converge(version, onProgress) {
      const spec = specAt(version)
      // Services the new release no longer has (Redis from 2025.10) go first.
      for (const name of await lifecycle.removeOrphans(engine, spec))
        onProgress(`removed ${name} (not part of ${version})`)
      await lifecycle.up(engine, spec, {
        healthTimeoutMs: timeoutMs,
        onProgress: (e) => {
          if (e.step === 'containers') onProgress(`${e.service}: ${e.action}`)
          else if (e.step === 'healthy' && e.health === 'ready') onProgress(`${e.service}: ready`)
        },
      })
    },

    async waitForVersion(version) {
      const started = Date.now()
      const baseUrl = await options.authentikBaseUrl()
      const client = await waitForAuthentik({ baseUrl, token: options.token, timeoutMs })
      let reported = client.version.raw
      // Only the exact release counts: the same major at another patch is a wrong image.
      while (reported !== version) {
        if (Date.now() - started > timeoutMs)
          throw new GatehouseError({
            code: 'AUTHENTIK_VERSION_UNSUPPORTED',
            message: `Authentik reports ${reported} after the step to ${version}.`,
            hint: 'The image of this step is not that release: check the image override in Settings.',
            details: { expected: version, reported },
          })
        await sleep(1000)
        reported = (await detectVersion({ baseUrl, token: options.token })).version.raw
      }
    },

    async saveVersion(version) {
      settings = settingsAt(settings, version)
      await options.saveSettings(settings)
    },

    async lastLogLines() {
      const lines: string[] = []
      for (const service of ['server', 'worker']) {
        const name = containerName(settings.project, service)
        const tail = await tailLogs(engine, name, { tail: 15 }).catch(() => [])
        lines.push(...tail.map((l) => `${service} | ${l.text}`))
      }
      return lines
    },
  }
}
