import { afterEach, describe, expect, test } from 'vitest'
import {
  connectAuthentik,
  createAuthentikClient,
  detectVersion,
  type AuthentikClient,
} from '../../src/main/authentik/client'
import { waitForAuthentik, type ReadinessProgress } from '../../src/main/authentik/readiness'
import { inspectCertificate } from '../../src/main/authentik/transport'
import { parseVersion } from '../../src/main/authentik/version'
import { hasFeature } from '../../src/shared/authentik-releases'
import { startFakeAuthentik, type FakeAuthentik, type FakeVersion } from '../fakes/authentik/server'
import { allVersions, describeVersions, edgeVersions } from '../support/versions'
import { freePort } from '../support/ports'
import { selfSignedCertificate, startTlsProxy } from '../support/tls-proxy'
import { caught } from '../support/caught'

const BOOTSTRAP_TOKEN = 'bootstrap-token-0123456789abcdefghijklmnopqrstuvwxyz'
const fastRetry = { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 }

/**
 * One fake per test of `version`, closed (and its violations checked) after each test. The
 * happy paths run on every release; readiness timing, retries and TLS are transport paths that do
 * not depend on the release's shapes and run on the oldest and newest (tests/support/versions.ts).
 */
function clientSuite(version: FakeVersion) {
  let fake: FakeAuthentik | undefined
  const cleanups: Array<() => Promise<void>> = []

  async function start(options: { slowStartMs?: number } = {}): Promise<FakeAuthentik> {
    fake = await startFakeAuthentik({
      version,
      bootstrapToken: BOOTSTRAP_TOKEN,
      bootstrapPassword: 'bootstrap-password-123456',
      bootstrapEmail: 'root@example.org',
      ...options,
    })
    return fake
  }
  const connect = (f: FakeAuthentik, token: string | null = BOOTSTRAP_TOKEN) =>
    connectAuthentik({ baseUrl: f.url, token: () => token, retry: fastRetry, timeoutMs: 5000 })

  /** Closes the current fake early (its violations checked), so a test can start another. */
  async function closeFake(): Promise<void> {
    if (!fake) return
    const violations = [...fake.schemaViolations]
    await fake.close()
    fake = undefined
    expect(violations).toEqual([])
  }
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup()
    await closeFake()
  })
  return { start, connect, cleanups, closeFake }
}

describeVersions('Authentik client against fake %s', allVersions, (version) => {
  const { start, connect } = clientSuite(version)

  test('bootstrap: detects the version anonymously and works with the bootstrap token', async () => {
    const f = await start()
    const anonymous = await detectVersion({ baseUrl: f.url })
    expect(anonymous).toMatchObject({ source: 'schema', version: { raw: version } })
    const authenticated = await detectVersion({
      baseUrl: `${f.url}/`,
      token: () => BOOTSTRAP_TOKEN,
    })
    expect(authenticated.source).toBe('admin-version')
    expect(authenticated.version.raw).toBe(version)

    const client = await connect(f)
    expect(client.features.clientPackage).toBe(
      hasFeature(version, 'groupParents') ? 'ak-2026.8' : 'ak-2025.6',
    )
    expect(client.features.groupParents).toBe(
      hasFeature(version, 'groupParents') ? 'parents' : 'parent',
    )
    expect(await client.adminVersion()).toBe(version)
    expect(await client.me()).toMatchObject({
      username: 'akadmin',
      isActive: true,
      isSuperuser: true,
    })
    const admins = await client.findGroup('authentik Admins')
    expect(admins).toMatchObject({ name: 'authentik Admins', isSuperuser: true, parents: [] })
    expect(await client.findGroup('no such group')).toBeNull()
    const akadmin = await client.findUser('akadmin')
    expect(akadmin?.groups).toContain(admins?.pk)
    expect(await client.findUser('nobody')).toBeNull()
    expect((await client.listActiveSuperusers()).map((u) => u.username)).toEqual(['akadmin'])
  })

  test('token switch: a new user with a key chosen by Gatehouse', async () => {
    const f = await start()
    const client = await connect(f)
    const user = await client.createUser({
      username: 'alice',
      name: 'Alice',
      email: 'alice@example.org',
    })
    const admins = await client.findGroup('authentik Admins')
    await client.addUserToGroup(admins!.pk, user.pk)
    await client.createToken({
      identifier: 'gatehouse-alice',
      userPk: user.pk,
      description: 'test',
    })
    const token = await client.findToken('gatehouse-alice')
    expect(token).toMatchObject({
      identifier: 'gatehouse-alice',
      intent: 'api',
      userPk: user.pk,
      expiring: false,
    })
    const key = 'k'.repeat(64)
    await client.setTokenKey('gatehouse-alice', key)
    client.switchToken(() => key)
    expect(await client.currentToken()).toBe(key)
    expect(await client.me()).toMatchObject({ username: 'alice', isSuperuser: true })
    // The bootstrap token still works independently until akadmin is deactivated.
    expect((await client.withToken(() => BOOTSTRAP_TOKEN).me()).username).toBe('akadmin')
    const akadmin = await client.findUser('akadmin')
    await client.updateUser(akadmin!.pk, { isActive: false })
    const dead = await caught(client.withToken(() => BOOTSTRAP_TOKEN).me())
    expect(dead.code).toBe('AUTHENTIK_AUTH_FAILED')
    expect((await client.me()).username).toBe('alice')
  })

  test('bad input: wrong token, duplicate username, missing object are distinct typed errors', async () => {
    const f = await start()
    const wrong = await caught((await connect(f, 'wrong-token')).me())
    expect(wrong.code).toBe('AUTHENTIK_AUTH_FAILED')
    expect(wrong.details).toMatchObject({ status: 403, detail: 'Token invalid/expired' })

    const client = await connect(f)
    const duplicate = await caught(
      client.createUser({ username: 'akadmin', name: 'x', email: 'x@example.org' }),
    )
    expect(duplicate.code).toBe('AUTHENTIK_REJECTED')
    expect(duplicate.details?.fields).toMatchObject({ username: [expect.any(String)] })
    expect(duplicate.message).toMatch(/username/)
    expect(duplicate.hint).toMatch(/username/)

    const missing = await caught(client.setPassword(987_654, 'some-password-123'))
    expect(missing.code).toBe('AUTHENTIK_NOT_FOUND')
  })

  test('unsupported version is refused before anything else', async () => {
    const f = await start()
    f.state.responseTampering.set('schema_retrieve', (body) => ({
      ...(body as object),
      info: { ...(body as { info: object }).info, version: '2024.12.3' },
    }))
    const old = await caught(connect(f, null))
    expect(old.code).toBe('AUTHENTIK_VERSION_UNSUPPORTED')
    expect(old.details).toMatchObject({ reported: '2024.12.3' })

    f.state.responseTampering.set('admin_version_retrieve', (body) => ({
      ...(body as object),
      version_current: '2026.11.1',
    }))
    const future = await caught(connect(f))
    expect(future.code).toBe('AUTHENTIK_VERSION_UNSUPPORTED')
    expect(future.message).toMatch(/2026\.11\.1/)
  })
})

describeVersions('Authentik client transport against fake %s', edgeVersions, (version) => {
  const { start, cleanups, closeFake } = clientSuite(version)

  test('slow readiness: waits for /-/health/ready/, then for the token, with progress', async () => {
    const f = await start({ slowStartMs: 1200 })
    const progress: ReadinessProgress[] = []
    const started = Date.now()
    const client = await waitForAuthentik({
      baseUrl: f.url,
      token: () => BOOTSTRAP_TOKEN,
      intervalMs: 100,
      timeoutMs: 15_000,
      onProgress: (p) => progress.push(p),
    })
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
    expect(client.version.raw).toBe(version)
    expect(progress.some((p) => p.phase === 'server' && !p.done && p.observed === 'HTTP 503')).toBe(
      true,
    )
    const finals = progress.filter((p) => p.done).map((p) => p.phase)
    expect(finals).toEqual(['server', 'version', 'token'])
    expect((await client.me()).username).toBe('akadmin')
  })

  test('readiness timeout names what is missing: the server, or the token', async () => {
    const f = await start({ slowStartMs: 60_000 })
    const notReady = await caught(
      waitForAuthentik({
        baseUrl: f.url,
        token: () => BOOTSTRAP_TOKEN,
        intervalMs: 100,
        timeoutMs: 600,
      }),
    )
    expect(notReady.code).toBe('AUTHENTIK_NOT_READY')
    expect(notReady.details).toMatchObject({ missing: 'server', observed: 'HTTP 503' })
    expect(notReady.message).toMatch(/server is not ready/)
    await closeFake()

    const ready = await start()
    const noToken = await caught(
      waitForAuthentik({
        baseUrl: ready.url,
        token: () => 'not-the-bootstrap-token',
        intervalMs: 100,
        timeoutMs: 600,
      }),
    )
    expect(noToken.code).toBe('AUTHENTIK_NOT_READY')
    expect(noToken.details).toMatchObject({ missing: 'token', observed: 'HTTP 403' })
    expect(noToken.message).toMatch(/token is not accepted yet/)
  })

  test('reads are retried through 503 while the server starts', async () => {
    const f = await start({ slowStartMs: 700 })
    const retries: number[] = []
    const client = createAuthentikClient({
      baseUrl: f.url,
      token: () => BOOTSTRAP_TOKEN,
      version: parseVersion(version)!,
      retry: { maxAttempts: 20, baseDelayMs: 50, maxDelayMs: 200 },
      onRetry: (r) => retries.push(r.attempt),
    })
    expect((await client.me()).username).toBe('akadmin')
    expect(retries.length).toBeGreaterThan(0)
  })

  test('TLS: untrusted by default, accepted by pinned fingerprint or CA, refused on a wrong pin', async () => {
    const f = await start()
    const cert = selfSignedCertificate()
    const proxy = await startTlsProxy(f.port, cert)
    cleanups.push(proxy.close)

    const untrusted = await caught(connectAuthentik({ baseUrl: proxy.url, retry: fastRetry }))
    expect(untrusted.code).toBe('AUTHENTIK_TLS_UNTRUSTED')
    expect(untrusted.message).toMatch(/self-signed/)
    const shown = String(untrusted.details?.fingerprint)
    expect(shown.replace(/:/g, '')).toBe(cert.sha256)
    expect((await inspectCertificate(proxy.url)).fingerprint).toBe(shown)

    const pinned: AuthentikClient = await connectAuthentik({
      baseUrl: proxy.url,
      token: () => BOOTSTRAP_TOKEN,
      tls: { mode: 'fingerprint', sha256: shown },
    })
    expect((await pinned.me()).username).toBe('akadmin')

    const viaCa = await connectAuthentik({
      baseUrl: proxy.url,
      token: () => BOOTSTRAP_TOKEN,
      tls: { mode: 'ca', caPem: cert.certPem },
    })
    expect((await viaCa.me()).username).toBe('akadmin')

    const wrongPin = await caught(
      connectAuthentik({
        baseUrl: proxy.url,
        tls: { mode: 'fingerprint', sha256: 'AB'.repeat(32) },
      }),
    )
    expect(wrongPin.code).toBe('AUTHENTIK_TLS_UNTRUSTED')
    expect(wrongPin.details).toMatchObject({ reason: expect.stringMatching(/does not match/) })

    // A trusted CA does not excuse a certificate issued for another name.
    const otherName = selfSignedCertificate('DNS:gatehouse.invalid')
    const otherProxy = await startTlsProxy(f.port, otherName)
    cleanups.push(otherProxy.close)
    const wrongName = await caught(
      connectAuthentik({
        baseUrl: otherProxy.url,
        tls: { mode: 'ca', caPem: otherName.certPem },
      }),
    )
    expect(wrongName.code).toBe('AUTHENTIK_TLS_UNTRUSTED')
    expect(wrongName.details).toMatchObject({ cause: 'ERR_TLS_CERT_ALTNAME_INVALID' })
    expect(wrongName.message).toMatch(/another host name/)
  })
})

describe('Authentik client without a server', () => {
  test('an unreachable host is AUTHENTIK_UNREACHABLE, after retrying the read', async () => {
    const port = await freePort()
    const retries: number[] = []
    const error = await caught(
      connectAuthentik({
        baseUrl: `http://127.0.0.1:${port}`,
        retry: fastRetry,
        onRetry: (r) => retries.push(r.attempt),
      }),
    )
    expect(error.code).toBe('AUTHENTIK_UNREACHABLE')
    expect(error.details).toMatchObject({ cause: 'ECONNREFUSED' })
    expect(retries).toEqual([1, 2])
  })
})
