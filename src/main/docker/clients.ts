import type Docker from 'dockerode'
import { loadDockerode } from './dockerode-loader'
import type { DockerEngine } from './engine'

/**
 * docker-modem applies the engine's `timeout` as a socket IDLE timeout on every request. With the
 * 5 s the status ping wants, a log follow that stays quiet for 5 s is cut off ("aborted"), a pull
 * waiting on a slow registry dies, and `container.stop({ t: 10 })` fails with ECONNRESET because
 * the engine answers only after the grace period. Long or streaming calls therefore go through a
 * second client to the same endpoint without that timeout; callers put their own deadline on top.
 */
const cache = new WeakMap<DockerEngine, Docker>()

export function longRunningApi(engine: DockerEngine): Docker {
  let api = cache.get(engine)
  if (!api) {
    api = new (loadDockerode())({ ...engine.endpoint.options })
    cache.set(engine, api)
  }
  return api
}
