import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { createRequire } from 'node:module'
import type { Client, ClientChannel, ConnectConfig, SFTPWrapper } from 'ssh2'
import { GatehouseError } from '../../shared/errors'
import { fingerprintOf, keyTypeOf, knownHostKeys } from './host-keys'
import { formatSshTarget, type SshTarget } from './target'

// ssh2 is loaded on the first connection: a local-only Gatehouse never pays for it.
const load = createRequire(import.meta.url)
const ClientClass = (): typeof Client => (load('ssh2') as { Client: typeof Client }).Client

/** How Gatehouse proves who it is to the NAS. Key material comes from the caller (keychain/file). */
export type SshAuth =
  /** An SSH agent (SSH_AUTH_SOCK, Pageant, 1Password-style agents); socket defaults to the env. */
  | { kind: 'agent'; socket?: string }
  /** A private key (read from the file the admin chose, or the pair Gatehouse generated). */
  | { kind: 'key'; privateKey: string | Buffer; passphrase?: string }

/**
 * Which host keys are trusted: the fingerprint the admin accepted (pinned in settings), else what
 * `~/.ssh/known_hosts` lists. Anything else is refused — an unknown key until the admin accepts
 * it, a different key always (possible man-in-the-middle), never silently re-trusted.
 */
export interface SshTrust {
  pinned?: string
  /** Path of a known_hosts file; `false` to ignore it. Default ~/.ssh/known_hosts. */
  knownHosts?: string | false
}

export interface SshConnectionOptions {
  target: SshTarget
  auth: SshAuth
  trust: SshTrust
  /** Milliseconds for TCP connect + handshake + auth. */
  readyTimeoutMs?: number
}

export interface SshStats {
  /** Completed handshakes (connection setups) since this object was made. */
  handshakes: number
  /** Channels opened (engine requests, SFTP, forwards) over those connections. */
  channels: number
}

export interface SshConnection {
  readonly target: SshTarget
  /** "ssh://admin@nas:22" for messages. */
  readonly display: string
  readonly stats: SshStats
  /** The connected client, (re)connecting when there is none or the last one dropped. */
  client(): Promise<Client>
  /** A stream to a Unix socket on the NAS (direct-streamlocal@openssh.com). */
  openUnixSocket(path: string): Promise<Duplex>
  /** A stream to host:port as seen from the NAS (direct-tcpip). */
  openTcp(host: string, port: number): Promise<Duplex>
  /** The SFTP session of the current connection (one per connection, reopened after a drop). */
  sftp(): Promise<SFTPWrapper>
  /** Runs a command on the NAS (diagnostics only; the engine never needs a shell). */
  exec(command: string): Promise<{ code: number | null; stdout: string; stderr: string }>
  /**
   * Listens on 127.0.0.1 at a free port and forwards each connection to remoteHost:remotePort as
   * seen from the NAS (Authentik's published 127.0.0.1:9000 when auth.<domain> is not reachable).
   */
  forwardLocalPort(
    remoteHost: string,
    remotePort: number,
  ): Promise<{ port: number; url: string; close(): Promise<void> }>
  close(): Promise<void>
}

export function createSshConnection(options: SshConnectionOptions): SshConnection {
  const { target } = options
  const display = formatSshTarget(target)
  const stats: SshStats = { handshakes: 0, channels: 0 }
  let current: Promise<Client> | undefined
  let sftp: Promise<SFTPWrapper> | undefined
  let closed = false

  const connect = (): Promise<Client> =>
    new Promise((resolve, reject) => {
      const client = new (ClientClass())()
      let hostKeyProblem: GatehouseError | undefined
      let ready = false
      const config: ConnectConfig = {
        host: target.host,
        port: target.port,
        username: target.user,
        readyTimeout: options.readyTimeoutMs ?? 20_000,
        // Notices a NAS that vanished (sleep, cable) within ~45 s instead of hanging on a
        // dead TCP connection; the next call then reconnects.
        keepaliveInterval: 15_000,
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
          checkHostKey(target, key, options.trust).then(
            (problem) => {
              hostKeyProblem = problem ?? undefined
              verify(!problem)
            },
            () => verify(false),
          )
        },
        ...authConfig(options.auth),
      }
      client.once('ready', () => {
        ready = true
        stats.handshakes++
        resolve(client)
      })
      client.on('error', (error: Error & { level?: string; code?: string }) => {
        if (!ready) reject(hostKeyProblem ?? sshError(display, options.auth, error))
      })
      client.once('close', () => {
        if (!ready) reject(hostKeyProblem ?? sshError(display, options.auth, new Error('closed')))
      })
      try {
        client.connect(config)
      } catch (error) {
        // ssh2 parses the private key synchronously (wrong passphrase, not a key).
        reject(sshError(display, options.auth, error as Error))
      }
    })

  const client = (): Promise<Client> => {
    if (closed)
      return Promise.reject(sshError(display, options.auth, new Error('closed by Gatehouse')))
    if (!current) {
      const attempt = connect()
      current = attempt
      attempt.catch(() => {
        if (current === attempt) current = undefined
      })
      // A drop: the next call connects again instead of failing forever.
      void attempt.then(
        (c) => {
          c.once('close', () => {
            if (current === attempt) {
              current = undefined
              sftp = undefined
            }
          })
        },
        () => undefined,
      )
    }
    return current
  }

  const channel = async (
    open: (c: Client, cb: (err: Error | undefined, ch: ClientChannel) => void) => void,
  ): Promise<ClientChannel> => {
    const c = await client()
    return new Promise((resolve, reject) => {
      open(c, (err, ch) => {
        if (err) return reject(err)
        stats.channels++
        resolve(ch)
      })
    })
  }

  const exec: SshConnection['exec'] = async (command) => {
    const ch = await channel((c, cb) => c.exec(command, cb))
    return new Promise((resolve) => {
      let stdout = ''
      let stderr = ''
      ch.on('data', (d: Buffer) => (stdout += d.toString('utf8')))
      ch.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
      ch.once('close', (code: number | null) => resolve({ code, stdout, stderr }))
    })
  }

  const connection: SshConnection = {
    target,
    display,
    stats,
    client,
    async openUnixSocket(path) {
      try {
        return asSocket(await channel((c, cb) => c.openssh_forwardOutStreamLocal(path, cb)))
      } catch (error) {
        if (error instanceof GatehouseError) throw error
        throw await socketError(connection, path, error)
      }
    },
    async openTcp(host, port) {
      try {
        return asSocket(await channel((c, cb) => c.forwardOut('127.0.0.1', 0, host, port, cb)))
      } catch (error) {
        if (error instanceof GatehouseError) throw error
        throw new GatehouseError({
          code: 'SSH_FAILED',
          message: `The NAS (${display}) could not open a connection to ${host}:${port}: ${(error as Error).message}.`,
          hint: `Check that something listens on ${host}:${port} on the NAS and that its sshd allows TCP forwarding (AllowTcpForwarding yes).`,
          details: { host, port },
        })
      }
    },
    sftp() {
      if (!sftp) {
        const attempt = client().then(
          (c) =>
            new Promise<SFTPWrapper>((resolve, reject) =>
              c.sftp((err, s) => {
                if (err) return reject(err)
                stats.channels++
                s.once('close', () => {
                  if (sftp === attempt) sftp = undefined
                })
                resolve(s)
              }),
            ),
        )
        sftp = attempt
        attempt.catch(() => {
          if (sftp === attempt) sftp = undefined
        })
      }
      return sftp
    },
    exec,
    async forwardLocalPort(remoteHost, remotePort) {
      const open = new Set<Socket>()
      const server: Server = createServer((socket) => {
        open.add(socket)
        socket.once('close', () => open.delete(socket))
        connection.openTcp(remoteHost, remotePort).then(
          (remote) => {
            socket.pipe(remote).pipe(socket)
            socket.once('close', () => remote.destroy())
            remote.once('close', () => socket.destroy())
            remote.on('error', () => socket.destroy())
            socket.on('error', () => remote.destroy())
          },
          () => socket.destroy(),
        )
      })
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(0, '127.0.0.1', () => resolve())
      })
      const port = (server.address() as AddressInfo).port
      return {
        port,
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((resolve) => {
            // Keep-alive clients would hold server.close() open: end their connections too.
            server.close(() => resolve())
            for (const socket of open) socket.destroy()
          }),
      }
    },
    async close() {
      closed = true
      const c = current
      current = undefined
      sftp = undefined
      if (c) {
        const client = await c.catch(() => undefined)
        client?.end()
      }
    },
  }
  return connection
}

function authConfig(auth: SshAuth): Partial<ConnectConfig> {
  if (auth.kind === 'agent') {
    const socket = auth.socket ?? process.env.SSH_AUTH_SOCK
    if (!socket)
      throw new GatehouseError({
        code: 'SSH_AUTH_REFUSED',
        message: 'No SSH agent is running for Gatehouse (SSH_AUTH_SOCK is not set).',
        hint: 'Start your SSH agent (or 1Password/Pageant) and add your key, or choose a key file in Settings → Docker host.',
      })
    return { agent: socket }
  }
  return {
    privateKey: auth.privateKey,
    ...(auth.passphrase ? { passphrase: auth.passphrase } : {}),
  }
}

/** `null` when the key is trusted, else the error that says why not (with the fingerprint). */
async function checkHostKey(
  target: SshTarget,
  key: Buffer,
  trust: SshTrust,
): Promise<GatehouseError | null> {
  const fingerprint = fingerprintOf(key)
  const keyType = keyTypeOf(key)
  const display = formatSshTarget(target)
  const known =
    trust.knownHosts === false
      ? { trusted: [], revoked: [] }
      : await knownHostKeys(target.host, target.port, trust.knownHosts)
  const details = { fingerprint, keyType, host: target.host, port: target.port }
  const changed = (expected: string) =>
    new GatehouseError({
      code: 'SSH_HOST_KEY_CHANGED',
      message:
        `The host key of ${display} changed: it is now ${fingerprint}, but ${expected} was trusted. ` +
        'This is a possible man-in-the-middle attack; Gatehouse did not connect.',
      hint:
        'If the NAS was reinstalled or its SSH keys regenerated, compare the new fingerprint on the NAS ' +
        '(`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`) and then remove the old trust in Settings → Docker host. Otherwise, do not connect.',
      details: { ...details, expected },
    })
  if (known.revoked.includes(fingerprint)) return changed('a revoked key (@revoked in known_hosts)')
  if (trust.pinned) return trust.pinned === fingerprint ? null : changed(trust.pinned)
  if (known.trusted.includes(fingerprint)) return null
  if (known.trusted.length > 0) return changed(`${known.trusted[0]} (from ~/.ssh/known_hosts)`)
  return new GatehouseError({
    code: 'SSH_HOST_KEY_UNKNOWN',
    message: `Gatehouse does not know the host key of ${display} yet: ${keyType} ${fingerprint}.`,
    hint: 'Compare it with the NAS (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the NAS) and accept it in Settings → Docker host if it matches.',
    details,
  })
}

/** ssh2's errors → the cause an admin can act on. */
export function sshError(
  display: string,
  auth: SshAuth,
  error: Error & { level?: string; code?: string },
): GatehouseError {
  if (error instanceof GatehouseError) return error
  const code = error.code
  if (error.level === 'client-authentication')
    return new GatehouseError({
      code: 'SSH_AUTH_REFUSED',
      message: `${display} refused the login (${auth.kind === 'agent' ? 'keys from the SSH agent' : 'the private key'}).`,
      hint:
        auth.kind === 'agent'
          ? 'Add the key to your agent (`ssh-add`) and make sure its public key is in ~/.ssh/authorized_keys of that user on the NAS.'
          : 'Append the public key to ~/.ssh/authorized_keys of that user on the NAS (Settings → Docker host shows the line), and check the user name.',
      details: { cause: error.message },
    })
  if (/passphrase|decrypt|parse privatekey|Cannot parse/i.test(error.message))
    return new GatehouseError({
      code: 'SSH_AUTH_REFUSED',
      message: `Gatehouse could not use the private key for ${display}: ${error.message}.`,
      hint: 'Check the key file and its passphrase in Settings → Docker host.',
    })
  if (
    error.level === 'client-socket' ||
    error.level === 'client-timeout' ||
    [
      'ECONNREFUSED',
      'ENOTFOUND',
      'EAI_AGAIN',
      'ETIMEDOUT',
      'EHOSTUNREACH',
      'ENETUNREACH',
      'ECONNRESET',
    ].includes(code ?? '')
  ) {
    const why =
      code === 'ECONNREFUSED'
        ? 'nothing accepts SSH connections on that port'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'the host name cannot be resolved'
          : error.level === 'client-timeout' || code === 'ETIMEDOUT'
            ? 'it did not answer in time'
            : error.message
    return new GatehouseError({
      code: 'SSH_UNREACHABLE',
      message: `Gatehouse cannot reach ${display}: ${why}.`,
      hint: 'Check that the NAS is on, that its SSH service is enabled (on Synology: Control Panel → Terminal & SNMP → Enable SSH service) and the address and port in Settings → Docker host.',
      details: { cause: code ?? error.message },
    })
  }
  return new GatehouseError({
    code: 'SSH_FAILED',
    message: `The SSH connection to ${display} failed: ${error.message}.`,
    hint: "Retry; if it keeps failing, check the NAS's SSH service and its logs.",
    details: { cause: code ?? error.message },
  })
}

/**
 * Why the NAS would not open its Unix socket for us. sshd reports only "open failed", so we ask
 * the NAS (the socket's owner and mode, the user's groups) to tell "permission denied" from "no
 * engine there".
 */
async function socketError(
  conn: SshConnection,
  path: string,
  error: unknown,
): Promise<GatehouseError> {
  const q = `'${path.replace(/'/g, `'\\''`)}'`
  let probe: { code: number | null; stdout: string } = { code: null, stdout: '' }
  try {
    probe = await conn.exec(
      `if [ ! -S ${q} ]; then echo missing; elif [ -r ${q} ] && [ -w ${q} ]; then echo ok; else echo denied; stat -c '%U %G %a' ${q}; id -un; fi`,
    )
  } catch {
    // diagnostics are best effort
  }
  const [state, owner, user] = probe.stdout.trim().split('\n')
  if (state === 'denied') {
    const group = owner?.split(' ')[1] ?? 'docker'
    return new GatehouseError({
      code: 'SSH_SOCKET_PERMISSION',
      message: `Permission denied on the Docker socket ${path} on ${conn.display}: the user ${user ?? conn.target.user} may not use it (owner and mode: ${owner ?? 'unknown'}).`,
      hint:
        `Connect as a user in the group that owns the socket (${group}) or as root: on most Linux NAS systems ` +
        `\`sudo usermod -aG ${group} ${conn.target.user}\`, then reconnect. Unraid logs in as root by default.`,
      details: { path, owner, user },
    })
  }
  if (state === 'missing')
    return new GatehouseError({
      code: 'DOCKER_UNREACHABLE',
      message: `No Docker engine at ${path} on ${conn.display}: the socket does not exist.`,
      hint: 'Start Docker (Container Manager on Synology, Container Station on QNAP) on the NAS, or correct the socket path in Settings → Docker host.',
      details: { path },
    })
  return new GatehouseError({
    code: 'SSH_FAILED',
    message: `${conn.display} would not open ${path}: ${(error as Error)?.message ?? String(error)}.`,
    hint: "Check that the NAS's sshd allows stream-local forwarding (AllowStreamLocalForwarding, default yes).",
    details: { path },
  })
}

/**
 * Node's HTTP client treats its connection as a net.Socket (timeouts, Nagle, keep-alive): an SSH
 * channel has none of these, so they are provided (the idle timeout really fires).
 */
function asSocket(ch: ClientChannel): Duplex {
  const s = ch as ClientChannel & {
    setTimeout?: (ms: number, cb?: () => void) => unknown
    setNoDelay?: () => unknown
    setKeepAlive?: () => unknown
    ref?: () => unknown
    unref?: () => unknown
  }
  let timer: NodeJS.Timeout | undefined
  let idleMs = 0
  const arm = () => {
    if (timer) clearTimeout(timer)
    timer = idleMs > 0 ? setTimeout(() => s.emit('timeout'), idleMs) : undefined
  }
  s.setTimeout = (ms: number, cb?: () => void) => {
    idleMs = ms
    if (cb) s.once('timeout', cb)
    arm()
    return s
  }
  s.on('data', () => idleMs && arm())
  s.once('close', () => timer && clearTimeout(timer))
  s.setNoDelay = () => s
  s.setKeepAlive = () => s
  s.ref = () => s
  s.unref = () => s
  return s
}
