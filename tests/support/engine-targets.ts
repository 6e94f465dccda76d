import { readFileSync } from 'node:fs'
import { createDockerEngine, type DockerEngine } from '../../src/main/docker/engine'
import { createSshConnection, type SshConnection } from '../../src/main/ssh/connection'
import { startTestSshd, type TestSshd } from './sshd'

/**
 * The engines a suite runs against (#15): the local socket, and the same engine reached over
 * ssh:// through the test sshd (one SSH connection for the whole suite). Suites use
 * `describe.each(engineKinds)` so every test runs both ways without being copied.
 */
export const engineKinds = ['local', 'ssh'] as const
export type EngineKind = (typeof engineKinds)[number]

export interface EngineTarget {
  readonly kind: EngineKind
  /** Starts what the kind needs (sshd); call in beforeAll. */
  setup(): Promise<void>
  /** An engine of this kind (a fresh object, the same transport). */
  engine(options?: { timeoutMs?: number }): DockerEngine
  /** The SSH connection (ssh kind only), e.g. to count handshakes. */
  readonly connection: SshConnection | undefined
  readonly sshd: TestSshd | undefined
  dispose(): Promise<void>
}

export function engineTarget(kind: EngineKind): EngineTarget {
  let sshd: TestSshd | undefined
  let connection: SshConnection | undefined
  return {
    kind,
    get connection() {
      return connection
    },
    get sshd() {
      return sshd
    },
    async setup() {
      if (kind !== 'ssh' || sshd) return
      sshd = await startTestSshd()
      connection = createSshConnection({
        target: { user: sshd.user, host: sshd.host, port: sshd.port },
        auth: { kind: 'key', privateKey: readFileSync(sshd.keyPath) },
        trust: { pinned: sshd.fingerprint, knownHosts: false },
      })
    },
    engine(options = {}) {
      if (kind === 'local') return createDockerEngine(options)
      if (!connection) throw new Error('engineTarget("ssh").setup() was not awaited')
      return createDockerEngine({ ...options, endpoint: connection.display, ssh: { connection } })
    },
    async dispose() {
      await connection?.close()
      await sshd?.dispose()
      connection = undefined
      sshd = undefined
    },
  }
}
