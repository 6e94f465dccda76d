import { createHash } from 'node:crypto'
import { basename, dirname, join, posix, resolve } from 'node:path'
import type {
  TraefikApplyResult,
  TraefikInclude,
  TraefikLabels,
  TraefikPlan,
} from '../../shared/contract/traefik'
import { GatehouseError } from '../../shared/errors'
import { domainProblem, traefikConfigPathProblem, type Settings } from '../../shared/settings'
import type { HostFiles } from '../hostfs/host-files'
import { localFiles } from '../hostfs/local-files'
import { unifiedDiff } from './diff'
import { composeLabelsBlock, appNameProblem, routerLabels } from './labels'
import { merge, type MergeResult } from './merge'
import {
  authentikServerProblem,
  chainFor,
  managedMiddlewares,
  SECURITY_HEADERS_MIDDLEWARE,
  suggestedSecurityHeaders,
  type AuthentikServer,
} from './middlewares'
import { entryYaml } from './render'

/**
 * Plan and apply the Traefik half of R2/R10 on a real file. The plan carries a hash of (path,
 * current bytes, merged result); apply recomputes it from the file as it is now and writes only
 * when it matches — so a file edited since the preview, or a caller (e.g. a script through the
 * browser host) that never saw a preview, cannot make Gatehouse write blind.
 */

export interface TraefikRequest {
  readonly path?: string | undefined
  readonly include: readonly TraefikInclude[]
  readonly securityHeaders: 'keep' | 'add-suggested'
  readonly server?: AuthentikServer | undefined
  readonly app?: string | undefined
  readonly domain?: string | undefined
}

export interface TraefikServiceDeps {
  /** The saved settings (for the default path and domain); null before the first-run form. */
  readonly loadSettings: () => Promise<Settings | null>
  /**
   * The Docker host's files (#15): this computer, or the NAS over SFTP on the engine's SSH
   * connection — the file Traefik reads lives where Traefik runs. Default: this computer.
   */
  readonly files?: () => Promise<HostFiles>
  readonly now?: () => Date
}

export interface TraefikService {
  plan(request: TraefikRequest): Promise<TraefikPlan>
  apply(request: TraefikRequest & { readonly planHash: string }): Promise<TraefikApplyResult>
}

/** Mode for a file Gatehouse creates: Traefik (often another user in its container) must read it. */
const NEW_FILE_MODE = 0o644

function fieldError(field: string, message: string, hint: string): GatehouseError {
  return new GatehouseError({
    code: 'VALIDATION_FAILED',
    message: `${field}: ${message}`,
    hint,
    details: { fields: { [field]: [message] } },
  })
}

function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

function ioFailed(action: string, path: string, error: unknown): GatehouseError {
  // The Docker host's file access already names the cause (permission, missing, SFTP failure).
  if (error instanceof GatehouseError)
    return new GatehouseError({
      code: 'TRAEFIK_CONFIG_IO_FAILED',
      message: `Could not ${action} ${path}: ${error.message}`,
      hint: error.hint,
      details: { path, cause: error.code },
    })
  const errno = errnoOf(error)
  return new GatehouseError({
    code: 'TRAEFIK_CONFIG_IO_FAILED',
    message: `Could not ${action} ${path} (${errno ?? String(error)}).`,
    hint:
      errno === 'EACCES' || errno === 'EPERM'
        ? 'Run Gatehouse as a user that may read and write the Traefik folder, or fix the file permissions.'
        : errno === 'ENOSPC'
          ? 'The disk is full: free some space and try again.'
          : 'Check the path and the folder, then try again.',
    details: { path, ...(errno ? { errno } : {}) },
  })
}

interface Current {
  /** The path as the admin gave it (shown back). */
  readonly path: string
  /** Where the bytes really are (a symlinked dynamic_config.yml is written through). */
  readonly target: string
  readonly text: string | null
  readonly mode: number | null
  readonly uid: number | null
  readonly gid: number | null
}

export function createTraefikService(deps: TraefikServiceDeps): TraefikService {
  const now = deps.now ?? (() => new Date())
  const hostFiles = deps.files ?? (async () => localFiles())
  let queue: Promise<unknown> = Promise.resolve()

  const savedSettings = () => deps.loadSettings().catch(() => null)

  async function resolvePath(files: HostFiles, given: string | undefined): Promise<string> {
    const fallback = given === undefined ? (await savedSettings())?.traefikDynamicConfig : given
    const path = fallback?.trim()
    if (!path)
      throw fieldError(
        'path',
        'Enter the path of Traefik’s dynamic configuration file.',
        'Give the full path of dynamic_config.yml, or save it once in Settings (Traefik dynamic configuration).',
      )
    const problem = traefikConfigPathProblem(path)
    if (problem) throw fieldError('path', problem, 'Correct the path and plan again.')
    // On the NAS the path is POSIX whatever this computer is; locally the OS's own rules apply.
    const absolute = path.startsWith('/') ? posix.normalize(path) : resolve(path)
    const folder = path.startsWith('/') ? posix.dirname(absolute) : dirname(absolute)
    const folderStat = await files.stat(folder).catch(() => null)
    if (!folderStat?.isDirectory)
      throw fieldError(
        'path',
        `The folder ${folder} does not exist on ${files.where}.`,
        'Check the path: it must be the folder Traefik’s file provider reads (usually next to traefik.yml).',
      )
    return absolute
  }

  async function readCurrent(files: HostFiles, path: string): Promise<Current> {
    let target = path
    try {
      target = (await files.realpath(path)) ?? path
    } catch (error) {
      throw ioFailed('resolve', path, error)
    }
    let info
    try {
      info = await files.stat(target)
    } catch (error) {
      throw ioFailed('read', path, error)
    }
    if (!info) return { path, target, text: null, mode: null, uid: null, gid: null }
    if (info.isDirectory)
      throw fieldError(
        'path',
        'This is not a regular file.',
        'Choose the dynamic_config.yml file itself.',
      )
    let bytes: Buffer
    try {
      bytes = await files.readFile(target)
    } catch (error) {
      throw ioFailed('read', path, error)
    }
    const text = bytes.toString('utf8')
    // Writing back text that is not the same bytes would silently damage the file.
    if (!Buffer.from(text, 'utf8').equals(bytes))
      throw new GatehouseError({
        code: 'TRAEFIK_CONFIG_INVALID',
        message: `${path} is not UTF-8 text.`,
        hint: 'Save the file as UTF-8 (Traefik reads YAML as UTF-8), then plan again.',
        details: { reason: 'encoding' },
      })
    return { path, target, text, mode: info.mode, uid: info.uid, gid: info.gid }
  }

  function compute(request: TraefikRequest, current: Current) {
    const server = request.server
    if (server) {
      const problem = authentikServerProblem(server)
      if (problem)
        throw fieldError('server', problem, 'Correct the Authentik server and plan again.')
    }
    const managed = managedMiddlewares({ include: request.include, ...(server ? { server } : {}) })
    const suggested = suggestedSecurityHeaders()
    const result: MergeResult = merge(
      current.text,
      managed,
      request.securityHeaders === 'add-suggested' ? { ifMissing: [suggested] } : {},
    )
    const planHash = createHash('sha256')
      .update(
        JSON.stringify([
          current.path,
          current.text === null ? null : sha256(current.text),
          sha256(result.text),
        ]),
      )
      .digest('hex')
    return { result, planHash, suggested }
  }

  async function labelsFor(request: TraefikRequest): Promise<TraefikLabels[]> {
    const app = request.app ?? 'app'
    const appProblem = appNameProblem(app)
    if (appProblem) throw fieldError('app', appProblem, 'Correct the app name and plan again.')
    const domain = request.domain ?? (await savedSettings())?.baseDomain ?? 'example.com'
    const problem = domainProblem(domain)
    if (problem) throw fieldError('domain', problem, 'Correct the domain and plan again.')
    const sets: TraefikInclude[] = request.include.includes('r10') ? ['r2', 'r10'] : ['r2']
    return sets.map((set) => {
      const labels = routerLabels({ app, domain, set })
      return {
        include: set,
        middleware: `${chainFor(set)}@file`,
        labels,
        compose: composeLabelsBlock(labels),
      }
    })
  }

  async function plan(request: TraefikRequest): Promise<TraefikPlan> {
    const files = await hostFiles()
    const path = await resolvePath(files, request.path)
    const labels = await labelsFor(request)
    const current = await readCurrent(files, path)
    const { result, planHash, suggested } = compute(request, current)
    const hasSecurityHeaders = result.existingNames.includes(SECURITY_HEADERS_MIDDLEWARE)
    const notes: string[] = []
    if (!hasSecurityHeaders && request.securityHeaders === 'keep')
      notes.push(
        `This file defines no ${SECURITY_HEADERS_MIDDLEWARE} middleware, but the authentik chain${request.include.includes('r10') ? 's name' : ' names'} it: Traefik refuses a router whose chain points to a missing middleware. Add the suggested one (or define your own) unless another file of the same file-provider folder defines it.`,
      )
    if (result.text !== (current.text ?? ''))
      notes.push(
        'Traefik reloads the file by itself when its file provider watches the folder. If the Traefik container mounts this single file (not its folder), restart Traefik after applying: the file is replaced atomically, and a single-file bind mount keeps showing the old one.',
      )
    return {
      path,
      exists: current.text !== null,
      changes: result.changes,
      diff: unifiedDiff(current.text ?? '', result.text, {
        fromLabel: `${basename(path)} (now)`,
        toLabel: `${basename(path)} (after apply)`,
      }),
      hasSecurityHeaders,
      suggestedSecurityHeaders: entryYaml(suggested),
      labels,
      notes,
      planHash,
    }
  }

  async function applyNow(
    request: TraefikRequest & { readonly planHash: string },
  ): Promise<TraefikApplyResult> {
    const files = await hostFiles()
    const path = await resolvePath(files, request.path)
    const current = await readCurrent(files, path)
    const { result, planHash } = compute(request, current)
    if (planHash !== request.planHash)
      throw new GatehouseError({
        code: 'TRAEFIK_CONFIG_CHANGED',
        message: `${path} changed since the plan (or the plan was made for other options); nothing was written.`,
        hint: 'Plan again, check the new preview, then apply that plan.',
        details: { path },
      })
    if (current.text !== null && result.text === current.text)
      return { path, backupPath: null, written: false, changes: result.changes }

    let backupPath: string | null = null
    if (current.text !== null) {
      // Colons are not allowed in Windows file names; milliseconds keep two applies apart.
      const stamp = now().toISOString().replace(/[-:]/g, '').replace('.', '')
      // `.bak`: Traefik's file provider loads only .yml/.yaml/.toml from a watched folder.
      backupPath = join(
        dirname(current.target),
        `${basename(current.target)}.gatehouse-${stamp}.bak`,
      )
      try {
        // Never over an older backup (the name carries milliseconds; this is the belt).
        if (await files.stat(backupPath))
          throw Object.assign(new Error('exists'), { code: 'EEXIST' })
        await files.writeFileAtomic(backupPath, current.text, {
          mode: current.mode ?? NEW_FILE_MODE,
        })
      } catch (error) {
        throw ioFailed('back up', path, error)
      }
    }
    try {
      await files.writeFileAtomic(current.target, result.text, {
        mode: current.mode ?? NEW_FILE_MODE,
      })
    } catch (error) {
      throw ioFailed('write', path, error)
    }
    await keepOwner(files, current)
    return { path, backupPath, written: true, changes: result.changes }
  }

  function apply(request: TraefikRequest & { readonly planHash: string }) {
    // One write at a time: two applies of the same plan must not both pass the hash check.
    const run = queue.then(() => applyNow(request))
    queue = run.catch(() => undefined)
    return run
  }

  return { plan, apply }
}

/**
 * The replaced file gets a new inode owned by whoever wrote it (this process, or the SSH user on
 * the NAS); give it back to its owner where that is allowed (root), and leave it otherwise.
 */
async function keepOwner(files: HostFiles, current: Current): Promise<void> {
  if (current.uid === null || current.gid === null) return
  const after = await files.stat(current.target).catch(() => null)
  if (!after || (after.uid === current.uid && after.gid === current.gid)) return
  await files.chown(current.target, current.uid, current.gid).catch(() => undefined)
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}
