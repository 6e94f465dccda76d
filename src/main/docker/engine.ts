import { request as httpRequest } from 'node:http'
import type Docker from 'dockerode'
import type { DockerEngineInfo } from '../../shared/contract'
import { GatehouseError } from '../../shared/errors'
import type { SshConnection } from '../ssh/connection'
import { unixSocketAgent } from '../ssh/http-agent'
import { loadDockerode } from './dockerode-loader'
import { resolveEndpoint, type DockerEndpoint } from './endpoint'

// dockerode is loaded on the first real Engine API call, so `gatehouse docker ping` and the status
// indicator do not pay for it, and then without its unused gRPC and ssh2 parts (issue #16).
const DockerClass = (): typeof Docker => loadDockerode()

export interface DockerEngine {
  readonly endpoint: DockerEndpoint
  readonly api: Docker
  ping(): Promise<DockerEngineInfo>
}

export interface DockerEngineOptions {
  /** "unix:///path", "npipe:////./pipe/x", "tcp://host:2375" or a bare socket path. */
  endpoint?: string
  /** Milliseconds before a call counts as "not answering". */
  timeoutMs?: number
  /**
   * For an `ssh://` endpoint: the one SSH connection to the NAS (made by the caller with the
   * trusted host key and the keys from the keychain), and the engine's socket there.
   */
  ssh?: { connection: SshConnection; socketPath?: string }
  /** For an `https://` endpoint: PEM CA, client certificate and key (the key from the keychain). */
  tls?: { ca: string; cert: string; key: string }
  /** Plain tcp:// to a non-loopback host is refused unless the admin explicitly allowed it. */
  allowInsecureTcp?: boolean
}

/** The remote engine's socket when the settings name none: what every Linux NAS uses. */
export const DEFAULT_REMOTE_SOCKET = '/var/run/docker.sock'

export function createDockerEngine(options: DockerEngineOptions = {}): DockerEngine {
  const endpoint = withTransport(resolveEndpoint(options.endpoint), options)
  const timeout = options.timeoutMs ?? 5000
  let api: Docker | undefined
  return {
    endpoint,
    get api() {
      const Client = DockerClass()
      return (api ??= new Client({ ...endpoint.options, timeout }))
    },
    async ping() {
      try {
        const v = await engineVersion(endpoint, timeout, () => this.api)
        return {
          version: v.Version,
          apiVersion: v.ApiVersion,
          os: v.Os,
          arch: v.Arch,
          endpoint: endpoint.display,
        }
      } catch (error) {
        throw unreachable(endpoint, error)
      }
    },
  }
}

function withTransport(endpoint: DockerEndpoint, options: DockerEngineOptions): DockerEndpoint {
  if (endpoint.kind === 'tcp') {
    const { protocol, host } = endpoint.options
    if (protocol === 'https' && options.tls)
      return { ...endpoint, options: { ...endpoint.options, ...options.tls } }
    if (protocol !== 'https' && !options.allowInsecureTcp && !isLoopback(String(host ?? '')))
      throw new GatehouseError({
        code: 'DOCKER_INSECURE_TCP',
        message:
          `${endpoint.display} is the Docker engine without TLS: anyone on the network who can reach ` +
          'that port is root on that machine, and Gatehouse would send its secrets over it unencrypted.',
        hint:
          'Choose "Over SSH" (nothing to install on the NAS) or "TCP with TLS" in Settings → Docker host. ' +
          'Only on a network you fully control: allow unencrypted TCP there explicitly.',
        details: { endpoint: endpoint.display },
      })
    return endpoint
  }
  if (endpoint.kind !== 'ssh') return endpoint
  if (!options.ssh)
    throw new GatehouseError({
      code: 'SETTINGS_INVALID',
      message: `${endpoint.display} is an SSH address, but no SSH connection was set up for it.`,
      hint: 'Choose "Over SSH" in Settings → Docker host, accept the host key and pick how to log in.',
    })
  const socketPath = options.ssh.socketPath ?? DEFAULT_REMOTE_SOCKET
  return {
    ...endpoint,
    display: `${options.ssh.connection.display}${socketPath === DEFAULT_REMOTE_SOCKET ? '' : socketPath}`,
    options: { ...endpoint.options, agent: unixSocketAgent(options.ssh.connection, socketPath) },
  }
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase()
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h)
}

interface VersionAnswer {
  Version: string
  ApiVersion: string
  Os: string
  Arch: string
}

/**
 * `GET /version` with Node's own HTTP client over a socket or plain TCP (the same request
 * dockerode sends, without loading it); an https endpoint goes through dockerode.
 */
function engineVersion(
  endpoint: DockerEndpoint,
  timeout: number,
  api: () => Docker,
): Promise<VersionAnswer> {
  const { socketPath, host, port, protocol, agent } = endpoint.options
  if (protocol === 'https') return api().version() as Promise<VersionAnswer>
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        method: 'GET',
        path: '/version',
        ...(socketPath ? { socketPath } : { host, port: Number(port) }),
        ...(agent ? { agent } : {}),
        timeout,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('end', () => {
          if (res.statusCode !== 200)
            return reject(
              Object.assign(new Error('engine answered'), { statusCode: res.statusCode }),
            )
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as VersionAnswer)
          } catch (error) {
            reject(error)
          }
        })
      },
    )
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })))
    req.on('error', reject)
    req.end()
  })
}

/** What Gatehouse was doing when the engine went away, so the error can say so. */
export interface UnreachableContext {
  /** Completes "… while Gatehouse was trying to …" ("start the container authentik_server_1"). */
  readonly action?: string
  /** Names only (service, container, network), never values that may be secret. */
  readonly details?: Record<string, unknown>
}

/** Turns a socket or HTTP failure into the one error an admin can act on. */
export function unreachable(
  endpoint: DockerEndpoint,
  error: unknown,
  context: UnreachableContext = {},
): GatehouseError {
  // The SSH layer already named the cause (host key, login, socket permission, NAS unreachable).
  if (
    error instanceof GatehouseError &&
    (error.code.startsWith('SSH_') || error.code === 'DOCKER_UNREACHABLE')
  )
    return context.action
      ? new GatehouseError({
          ...error.toData(),
          message: `${error.message} Gatehouse was trying to ${context.action}.`,
          details: { ...error.details, ...context.details, during: context.action },
        })
      : error
  const code = (error as { code?: string } | null)?.code
  const where = endpoint.display
  const tls = tlsProblem(endpoint, error)
  if (tls) return tls
  if (endpoint.kind === 'ssh' && (code === 'ECONNRESET' || code === 'EPIPE'))
    return new GatehouseError({
      code: 'SSH_UNREACHABLE',
      message:
        `The SSH connection to ${where} dropped in the middle of the operation` +
        (context.action ? `. Gatehouse was trying to ${context.action}.` : '.'),
      hint:
        'Check that the NAS is on and reachable (network, sleep, SSH service), then start the stack ' +
        'again: Gatehouse reconnects, continues where it stopped and reuses what was already created.',
      details: {
        ...context.details,
        endpoint: where,
        cause: code,
        ...(context.action ? { during: context.action } : {}),
      },
    })
  const start =
    'Start the Docker engine (`sudo systemctl start docker`; on a NAS, start Container Manager or ' +
    'Docker in its package centre)'
  const moved = `or set DOCKER_HOST if your engine listens somewhere else than ${where}.`
  let message: string
  let hint: string
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      message = `Permission denied on the Docker socket ${where}.`
      hint =
        'Add your user to the docker group (`sudo usermod -aG docker $USER`), then log out and back ' +
        `in; or run Gatehouse as a user that may use ${where}.`
      break
    case 'ENOENT':
      message = `No Docker engine at ${where}: the socket does not exist, so Docker is not running or not installed.`
      hint = `${start}, ${moved}`
      break
    case 'ECONNREFUSED':
      message = `The Docker engine at ${where} refused the connection: it is not running.`
      hint = `${start}, ${moved}`
      break
    // The connection was open and the engine vanished under it: stopped, crashed or restarted
    // in the middle of a call. What was created so far stays; the next Start reuses it.
    case 'ECONNRESET':
    case 'EPIPE':
      message = `The Docker engine at ${where} stopped answering in the middle of the operation: it was stopped, restarted or crashed.`
      hint =
        `${start}, then start the stack again: Gatehouse continues where it stopped and reuses ` +
        'the containers, volumes and networks already created.'
      break
    case 'ETIMEDOUT':
    case 'ESOCKETTIMEDOUT':
      message = `The Docker engine at ${where} did not answer in time.`
      hint = 'The engine may be starting or overloaded; wait a moment and retry, or restart Docker.'
      break
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      message = `The Docker host in ${where} cannot be found.`
      hint = 'Check the host name in DOCKER_HOST or in Settings → Docker connection.'
      break
    default: {
      const status = (error as { statusCode?: number } | null)?.statusCode
      message = status
        ? `The Docker engine at ${where} answered with HTTP ${status}.`
        : `Gatehouse could not talk to the Docker engine at ${where}.`
      hint = `Check that Docker is running and reachable at ${where}.`
    }
  }
  if (context.action) message += ` Gatehouse was trying to ${context.action}.`
  return new GatehouseError({
    code: 'DOCKER_UNREACHABLE',
    message,
    hint,
    details: {
      ...context.details,
      endpoint: where,
      cause: code ?? String((error as Error)?.message ?? error),
      ...(context.action ? { during: context.action } : {}),
    },
  })
}

const UNTRUSTED_CERT = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

/**
 * TLS failures of a tcp+TLS engine: our side does not trust the engine's certificate, or the
 * engine refused (or got no) client certificate. Node reports the latter as a TLS alert
 * ("certificate required", "unknown ca", "bad certificate") or a reset during the handshake.
 */
function tlsProblem(endpoint: DockerEndpoint, error: unknown): GatehouseError | null {
  if (endpoint.options.protocol !== 'https') return null
  const code = String((error as { code?: string } | null)?.code ?? '')
  const text = String((error as Error | null)?.message ?? '')
  const where = endpoint.display
  if (UNTRUSTED_CERT.has(code))
    return new GatehouseError({
      code: 'DOCKER_TLS_UNTRUSTED',
      message: `The Docker engine at ${where} presented a certificate the chosen CA did not sign (${code}): Gatehouse did not connect.`,
      hint: "Choose the CA file (ca.pem) that signed the engine's certificate in Settings → Docker host; if the NAS's certificates were just regenerated, copy the new ca.pem.",
      details: { endpoint: where, cause: code },
    })
  if (
    /ALERT_(CERTIFICATE_REQUIRED|UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|HANDSHAKE_FAILURE)/.test(
      code,
    ) ||
    /certificate required|unknown ca|bad certificate|handshake failure/i.test(text)
  )
    return new GatehouseError({
      code: 'DOCKER_TLS_CLIENT_REFUSED',
      message: `The Docker engine at ${where} refused Gatehouse's client certificate (${code || text}).`,
      hint: "Choose the client certificate (cert.pem) signed by the engine's CA and paste its key (key.pem) in Settings → Docker host.",
      details: { endpoint: where, cause: code || text },
    })
  return null
}
