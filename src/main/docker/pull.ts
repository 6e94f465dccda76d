import { GatehouseError } from '../../shared/errors'
import { longRunningApi } from './clients'
import type { DockerEngine } from './engine'
import { engineMessage, isNotFound, isSocketFailure } from './failures'
import { unreachable } from './engine'
import { createPullFold, type PullEvent, type PullProgress } from './pull-progress'

export type { PullPhase, PullProgress } from './pull-progress'

/**
 * Pulls one image through the engine (the engine talks to the registry, not us), reporting one
 * folded progress figure per image. An image already present locally is not pulled again unless
 * forced: pinned Authentik tags never change, and a NAS without internet must still start.
 */

export interface PullOptions {
  readonly onProgress?: (progress: PullProgress) => void
  /** Pull even when the image is present (refresh a moving tag). */
  readonly force?: boolean
  /** At most one progress event per this many ms, phase changes excepted. Default 100. */
  readonly throttleMs?: number
}

export interface PullResult {
  readonly image: string
  /** The local image id afterwards (sha256:…). */
  readonly imageId: string
  readonly pulled: boolean
}

export type PullFailureCause =
  | 'not-found'
  | 'registry-unreachable'
  | 'disk-full'
  /** The download arrived but its content does not match its digest (proxy, mirror, flaky link). */
  | 'damaged'
  | 'other'

export async function localImageId(
  engine: DockerEngine,
  image: string,
): Promise<string | undefined> {
  try {
    return (await engine.api.getImage(image).inspect()).Id
  } catch (error) {
    if (isNotFound(error)) return undefined
    if (isSocketFailure(error))
      throw unreachable(engine.endpoint, error, {
        action: `pull the image ${image}`,
        details: { image },
      })
    throw pullFailure(image, engineMessage(error))
  }
}

export async function pullImage(
  engine: DockerEngine,
  image: string,
  options: PullOptions = {},
): Promise<PullResult> {
  const emit = throttle(options.onProgress, options.throttleMs ?? 100)
  const fold = createPullFold(image)

  if (!options.force) {
    const present = await localImageId(engine, image)
    if (present) {
      emit({ ...fold.snapshot(), phase: 'present', percent: 100 }, true)
      return { image, imageId: present, pulled: false }
    }
  }

  emit(fold.snapshot(), true)
  const api = longRunningApi(engine)
  let stream: NodeJS.ReadableStream
  try {
    stream = await api.pull(image)
  } catch (error) {
    if (isSocketFailure(error))
      throw unreachable(engine.endpoint, error, {
        action: `pull the image ${image}`,
        details: { image },
      })
    throw pullFailure(image, engineMessage(error))
  }

  await new Promise<void>((resolve, reject) => {
    api.modem.followProgress(
      stream,
      (error: Error | null) => {
        if (error)
          reject(
            isSocketFailure(error)
              ? unreachable(engine.endpoint, error, {
                  action: `pull the image ${image}`,
                  details: { image },
                })
              : error,
          )
        else resolve()
      },
      (event: PullEvent) => {
        const phaseChanged = fold.apply(event)
        emit(fold.snapshot(), phaseChanged)
      },
    )
  }).catch((error: unknown) => {
    emit.cancel()
    if (error instanceof GatehouseError) throw error
    throw pullFailure(image, engineMessage(error))
  })

  // The engine reports registry and disk failures inside a 200 stream, not as an HTTP error.
  if (fold.error) {
    emit.cancel()
    throw pullFailure(image, fold.error)
  }
  const imageId = await localImageId(engine, image)
  if (!imageId) {
    emit.cancel()
    throw pullFailure(image, 'the engine reported success but the image is not present')
  }
  emit(fold.finish(), true)
  return { image, imageId, pulled: true }
}

export function classifyPullFailure(message: string): PullFailureCause {
  if (/no space left on device|disk quota exceeded/i.test(message)) return 'disk-full'
  if (/verification failed|digest did not match|unexpected digest|digest mismatch/i.test(message))
    return 'damaged'
  if (
    /dial tcp|no such host|connection refused|i\/o timeout|TLS handshake|network is unreachable|context deadline exceeded|Client\.Timeout|server misbehaving|temporary failure in name resolution|x509:|connection reset|\bEOF\b/i.test(
      message,
    )
  )
    return 'registry-unreachable'
  if (
    /manifest unknown|not found|does not exist|pull access denied|unauthorized|authentication required|name unknown/i.test(
      message,
    )
  )
    return 'not-found'
  return 'other'
}

const hints: Record<PullFailureCause, string> = {
  'not-found':
    'Check the image name and tag (the Authentik version in Settings, or an image override). ' +
    'A private image needs `docker login` on the Docker host first.',
  'registry-unreachable':
    'The Docker engine could not reach the registry: check the internet connection, DNS and ' +
    'proxy settings of the Docker host, then retry.',
  'disk-full':
    'The Docker host ran out of disk space: free some (`docker system df`, `docker image prune`) ' +
    'and retry.',
  damaged:
    'The download was damaged on the way (often a proxy, a registry mirror or a flaky ' +
    'connection of the Docker host). Retry; if it persists, check the proxy and mirror settings ' +
    'of the Docker host (`/etc/docker/daemon.json`). Nothing was started with the damaged image.',
  other: 'Retry; if it persists, the Docker engine log (`journalctl -u docker`) says more.',
}

export function pullFailure(image: string, cause: string): GatehouseError {
  const kind = classifyPullFailure(cause)
  const what: Record<PullFailureCause, string> = {
    'not-found': 'was not found in its registry',
    'registry-unreachable': 'could not be pulled: the registry is unreachable',
    'disk-full': 'could not be pulled: no space left on the Docker host',
    damaged: 'could not be pulled: the download arrived damaged',
    other: 'could not be pulled',
  }
  return new GatehouseError({
    code: 'DOCKER_PULL_FAILED',
    message: `The image ${image} ${what[kind]} (${cause}).`,
    hint: hints[kind],
    details: { image, cause: kind, engineMessage: cause },
  })
}

interface Throttled {
  (progress: PullProgress, immediate: boolean): void
  cancel(): void
}

/**
 * Per-layer events come many times a second per layer; a progress bar needs a few per second.
 * The latest figure always wins (trailing edge), and phase changes go out at once.
 */
function throttle(
  sink: ((progress: PullProgress) => void) | undefined,
  intervalMs: number,
): Throttled {
  let last = 0
  let pending: PullProgress | undefined
  let timer: NodeJS.Timeout | undefined
  const flush = () => {
    timer = undefined
    if (pending && sink) {
      last = Date.now()
      const p = pending
      pending = undefined
      sink(p)
    }
  }
  const fn = ((progress: PullProgress, immediate: boolean) => {
    if (!sink) return
    pending = progress
    const wait = last + intervalMs - Date.now()
    if (immediate || wait <= 0) {
      if (timer) clearTimeout(timer)
      flush()
    } else if (!timer) {
      timer = setTimeout(flush, wait)
    }
  }) as Throttled
  fn.cancel = () => {
    if (timer) clearTimeout(timer)
    timer = undefined
    pending = undefined
  }
  return fn
}
