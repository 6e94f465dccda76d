import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { connectAuthentik } from '../../src/main/authentik/client'
import { createDockerEngine } from '../../src/main/docker/engine'
import { createSshConnection, type SshAuth, type SshTrust } from '../../src/main/ssh/connection'
import { generateKeyPair } from '../../src/main/ssh/keypair'
import { caught } from '../support/caught'
import { freePort } from '../support/ports'
import { startTestSshd, type TestSshd } from '../support/sshd'
import { startFakeAuthentik } from '../fakes/authentik/server'
import { newestVersion } from '../support/versions'

/**
 * The SSH transport (#15) against a real OpenSSH server: host-key trust, the three ways to log in,
 * errors that name the cause, and one connection for many engine calls.
 */

let sshd: TestSshd
let scratch: string

beforeAll(async () => {
  sshd = await startTestSshd()
  scratch = mkdtempSync(join(tmpdir(), 'gh-ssh-test-'))
})
afterAll(async () => {
  await sshd?.dispose()
  rmSync(scratch, { recursive: true, force: true })
})

const keyAuth = (): SshAuth => ({ kind: 'key', privateKey: readFileSync(sshd.keyPath) })
const pinned = (): SshTrust => ({ pinned: sshd.fingerprint, knownHosts: false })

function connect(options: { user?: string; auth?: SshAuth; trust?: SshTrust; port?: number } = {}) {
  return createSshConnection({
    target: { user: options.user ?? sshd.user, host: sshd.host, port: options.port ?? sshd.port },
    auth: options.auth ?? keyAuth(),
    trust: options.trust ?? pinned(),
  })
}

function engineOver(connection: ReturnType<typeof connect>) {
  return createDockerEngine({ endpoint: connection.display, ssh: { connection } })
}

describe('host key', () => {
  test('an unknown host key is refused with its SHA-256 fingerprint as ssh-keygen -lf prints it', async () => {
    const conn = connect({ trust: { knownHosts: false } })
    const error = await caught(conn.client())
    expect(error.code).toBe('SSH_HOST_KEY_UNKNOWN')
    expect(error.details?.fingerprint).toBe(sshd.fingerprint)
    expect(sshd.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
    expect(error.message).toContain(sshd.fingerprint)
    expect(conn.stats.handshakes).toBe(0)
    await conn.close()
  })

  test('what ~/.ssh/known_hosts already lists is trusted, plain or hashed', async () => {
    const plain = join(scratch, 'known_hosts')
    writeFileSync(plain, `[${sshd.host}]:${sshd.port} ${sshd.hostKeyLine}\n`)
    const conn = connect({ trust: { knownHosts: plain } })
    await conn.client()
    expect(conn.stats.handshakes).toBe(1)
    await conn.close()

    const hashed = join(scratch, 'known_hosts_hashed')
    writeFileSync(hashed, `[${sshd.host}]:${sshd.port} ${sshd.hostKeyLine}\n`)
    execFileSync('ssh-keygen', ['-q', '-H', '-f', hashed])
    expect(readFileSync(hashed, 'utf8')).toMatch(/^\|1\|/)
    const conn2 = connect({ trust: { knownHosts: hashed } })
    await conn2.client()
    await conn2.close()
  })

  test('a known_hosts entry with another key for this host is refused as a changed key', async () => {
    const other = join(scratch, 'other_key')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other])
    const line = readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')
    const file = join(scratch, 'known_hosts_other')
    writeFileSync(file, `[${sshd.host}]:${sshd.port} ${line}\n`)
    const error = await caught(connect({ trust: { knownHosts: file } }).client())
    expect(error.code).toBe('SSH_HOST_KEY_CHANGED')
  })
})

describe('login', () => {
  test('a key file logs in; an encrypted one with its passphrase, and not without', async () => {
    const conn = connect()
    const engine = engineOver(conn)
    const info = await engine.ping()
    expect(info.version).toMatch(/^\d+\./)
    await conn.close()

    const enc = connect({
      auth: {
        kind: 'key',
        privateKey: readFileSync(sshd.encryptedKeyPath),
        passphrase: sshd.passphrase,
      },
    })
    await enc.client()
    await enc.close()

    const wrong = await caught(
      connect({
        auth: { kind: 'key', privateKey: readFileSync(sshd.encryptedKeyPath), passphrase: 'nope' },
      }).client(),
    )
    expect(wrong.code).toBe('SSH_AUTH_REFUSED')
  })

  test('the SSH agent logs in', async () => {
    const conn = connect({ auth: { kind: 'agent', socket: sshd.agentSocket } })
    await engineOver(conn).ping()
    expect(conn.stats.handshakes).toBe(1)
    await conn.close()
  })

  test('a generated key pair is refused until its authorized_keys line is on the NAS', async () => {
    const pair = generateKeyPair('gatehouse@test')
    expect(pair.authorizedKeysLine).toMatch(/^ssh-ed25519 AAAA\S+ gatehouse@test$/)
    const auth: SshAuth = { kind: 'key', privateKey: pair.privateKey }
    const refused = await caught(connect({ auth }).client())
    expect(refused.code).toBe('SSH_AUTH_REFUSED')
    expect(refused.hint).toContain('authorized_keys')
    sshd.authorize(pair.authorizedKeysLine)
    const conn = connect({ auth })
    await conn.client()
    await conn.close()
  })
})

describe('errors name the cause', () => {
  test('nothing listening: unreachable', async () => {
    const error = await caught(connect({ port: await freePort() }).client())
    expect(error.code).toBe('SSH_UNREACHABLE')
    expect(error.message).toContain('nothing accepts SSH connections')
  })

  test('a user outside the socket group: permission denied on the docker socket', async () => {
    const conn = connect({ user: sshd.outsider })
    const error = await caught(engineOver(conn).ping())
    expect(error.code).toBe('SSH_SOCKET_PERMISSION')
    expect(error.message).toContain('/var/run/docker.sock')
    expect(error.hint).toMatch(/usermod -aG \S+ /)
    await conn.close()
  })

  test('a socket path where no engine listens', async () => {
    const conn = connect()
    const engine = createDockerEngine({
      endpoint: conn.display,
      ssh: { connection: conn, socketPath: '/run/gh-no-such-engine.sock' },
    })
    const error = await caught(engine.ping())
    expect(error.code).toBe('DOCKER_UNREACHABLE')
    expect(error.message).toContain('/run/gh-no-such-engine.sock')
    await conn.close()
  })
})

describe('one connection', () => {
  test('many engine calls share one handshake; a drop is followed by one reconnect', async () => {
    const conn = connect()
    const engine = engineOver(conn)
    await engine.ping()
    await engine.api.listContainers({ all: true })
    await engine.api.info()
    await Promise.all([engine.api.version(), engine.api.listImages(), engine.api.listNetworks()])
    expect(conn.stats.handshakes).toBe(1)
    expect(conn.stats.channels).toBeGreaterThanOrEqual(6)

    await sshd.kill()
    await sshd.start()
    // The client notices the closed connection, then the next call connects again.
    const deadline = Date.now() + 30_000
    for (;;) {
      try {
        await engine.ping()
        break
      } catch (error) {
        if (Date.now() > deadline) throw error
        await new Promise((r) => setTimeout(r, 200))
      }
    }
    await engine.api.listContainers()
    expect(conn.stats.handshakes).toBe(2)
    await conn.close()
  })

  test('a changed host key after a restart is refused, never re-trusted', async () => {
    const conn = connect()
    await conn.client()
    const before = sshd.fingerprint
    await sshd.rotateHostKey()
    const deadline = Date.now() + 30_000
    let error: Awaited<ReturnType<typeof caught>> | undefined
    while (!error || error.code === 'SSH_FAILED' || error.code === 'SSH_UNREACHABLE') {
      error = await caught(engineOver(conn).ping())
      if (Date.now() > deadline) break
      if (error.code !== 'SSH_HOST_KEY_CHANGED') await new Promise((r) => setTimeout(r, 200))
    }
    expect(error?.code).toBe('SSH_HOST_KEY_CHANGED')
    expect(error?.message).toContain('man-in-the-middle')
    expect(error?.details?.expected).toBe(before)
    expect(error?.details?.fingerprint).toBe(sshd.fingerprint)
    await conn.close()
  })
})

describe('port forward', () => {
  test("Authentik's API through the NAS's 127.0.0.1:<port> on the same connection", async () => {
    const token = 'bootstrap-token-0123456789abcdefghijklmnopqrstuvwxyz'
    const fake = await startFakeAuthentik({
      version: newestVersion,
      bootstrapToken: token,
      bootstrapPassword: 'bootstrap-password-123456',
      bootstrapEmail: 'root@example.org',
    })
    const conn = connect()
    try {
      // As on a NAS: Authentik publishes 127.0.0.1:<port>, reachable from the NAS only.
      const forward = await conn.forwardLocalPort('127.0.0.1', fake.port)
      expect(forward.port).not.toBe(fake.port)
      const client = await connectAuthentik({
        baseUrl: forward.url,
        token: () => token,
        timeoutMs: 10_000,
      })
      expect(await client.adminVersion()).toBe(newestVersion)
      expect(await client.me()).toMatchObject({ username: 'akadmin' })
      await Promise.all([client.me(), client.me(), client.adminVersion()])
      // Every request was a channel on the one connection.
      expect(conn.stats.handshakes).toBe(1)
      expect(conn.stats.channels).toBeGreaterThanOrEqual(5)
      await forward.close()
      expect(fake.schemaViolations).toEqual([])
    } finally {
      await conn.close()
      await fake.close()
    }
  })
})
