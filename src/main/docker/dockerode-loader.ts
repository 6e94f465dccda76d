import Module, { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type Docker from 'dockerode'

/**
 * Loads dockerode without the two parts Gatehouse never uses, which are most of its load time
 * (~90 ms → ~25 ms on the CI machine, paid by every CLI call that talks to the engine, #16):
 * - `dockerode/lib/session.js` pulls in @grpc/grpc-js and protobufjs for BuildKit sessions
 *   (`docker.buildImage` with `version: '2'`); Gatehouse never builds images.
 * - `docker-modem/lib/ssh.js` pulls in ssh2 for docker-modem's own `ssh://` dialer; Gatehouse's
 *   SSH host goes through its one pooled connection (src/main/ssh) with an http agent instead, so
 *   docker-modem always sees `protocol: 'http'` or a socket.
 * Each is replaced, before dockerode is first required, by a stand-in that throws a clear error
 * if it is ever reached, so a future use fails loudly instead of silently misbehaving.
 */
const load = createRequire(import.meta.url)
let loaded: typeof Docker | undefined

interface CachedModule {
  id: string
  filename: string
  loaded: boolean
  exports: unknown
}

function standIn(file: string, what: string): void {
  const cache = load.cache as Record<string, CachedModule | undefined>
  if (cache[file]) return
  const module = new (Module as unknown as new (id: string) => CachedModule)(file)
  module.filename = file
  module.loaded = true
  module.exports = () => {
    throw new Error(`${what} is not part of Gatehouse's build of dockerode (dockerode-loader.ts).`)
  }
  cache[file] = module
}

export function loadDockerode(): typeof Docker {
  if (loaded) return loaded
  const dockerodeDir = dirname(load.resolve('dockerode/package.json'))
  const modemDir = dirname(
    createRequire(join(dockerodeDir, 'package.json')).resolve('docker-modem/package.json'),
  )
  standIn(join(dockerodeDir, 'lib', 'session.js'), 'BuildKit sessions (dockerode/lib/session)')
  standIn(join(modemDir, 'lib', 'ssh.js'), "docker-modem's own ssh:// dialer")
  loaded = load('dockerode') as typeof Docker
  return loaded
}
