import { afterEach, describe, expect, test } from 'vitest'
import {
  connectAuthentik,
  createAuthentikClient,
  type AuthentikClient,
} from '../../src/main/authentik/client'
import { detectVersion } from '../../src/main/authentik/detect'
import { handoverCalls } from '../../src/main/recipes/r1-calls'
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
    const calls = handoverCalls(client)
    expect(client.support).toBe('supported')
    expect(client.features.groupParents).toBe(
      hasFeature(version, 'groupParents') ? 'parents' : 'parent',
    )
    expect(await client.adminVersion()).toBe(version)
    expect(await client.me()).toMatchObject({
      username: 'akadmin',
      is_active: true,
      is_superuser: true,
    })
    const admins = await calls.findGroup('authentik Admins')
    expect(admins).toMatchObject({ name: 'authentik Admins', is_superuser: true, parents: [] })
    expect(await calls.findGroup('no such group')).toBeNull()
    const akadmin = await calls.findUser('akadmin')
    expect(akadmin?.groups).toContain(admins?.pk)
    expect(await calls.findUser('nobody')).toBeNull()
    expect((await calls.listActiveSuperusers()).map((u) => u.username)).toEqual(['akadmin'])
  })

  test('token switch: a new user with a key chosen by Gatehouse', async () => {
    const f = await start()
    const client = await connect(f)
    const calls = handoverCalls(client)
    const user = await calls.createUser({
      username: 'alice',
      name: 'Alice',
      email: 'alice@example.org',
    })
    const admins = await calls.findGroup('authentik Admins')
    await calls.addUserToGroup(admins!.pk, user.pk)
    await calls.createToken({
      identifier: 'gatehouse-alice',
      user: user.pk,
      description: 'test',
    })
    const token = await calls.findToken('gatehouse-alice')
    expect(token).toMatchObject({
      identifier: 'gatehouse-alice',
      intent: 'api',
      user: user.pk,
      expiring: false,
    })
    const key = 'k'.repeat(64)
    await calls.setTokenKey('gatehouse-alice', key)
    client.switchToken(() => key)
    expect(await client.currentToken()).toBe(key)
    expect(await client.me()).toMatchObject({ username: 'alice', is_superuser: true })
    // The bootstrap token still works independently until akadmin is deactivated.
    expect((await client.withToken(() => BOOTSTRAP_TOKEN).me()).username).toBe('akadmin')
    const akadmin = await calls.findUser('akadmin')
    await calls.updateUser(akadmin!.pk, { is_active: false })
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
    const calls = handoverCalls(client)
    const duplicate = await caught(
      calls.createUser({ username: 'akadmin', name: 'x', email: 'x@example.org' }),
    )
    expect(duplicate.code).toBe('AUTHENTIK_REJECTED')
    expect(duplicate.details?.fields).toMatchObject({ username: [expect.any(String)] })
    expect(duplicate.message).toMatch(/username/)
    expect(duplicate.hint).toMatch(/username/)

    const missing = await caught(calls.setPassword(987_654, 'some-password-123'))
    expect(missing.code).toBe('AUTHENTIK_NOT_FOUND')
  })

  test('an older release is refused; a newer one is read-only with a clear message', async () => {
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
    const future = await connect(f)
    expect(future.support).toBe('newer')
    expect(future.version.raw).toBe('2026.11.1')
    // Reads work …
    expect((await future.me()).username).toBe('akadmin')
    const writesBefore = f.state.requestLog.filter((r) => r.method !== 'GET').length
    // … every write is refused before it is sent.
    const refused = await caught(
      handoverCalls(future).createUser({ username: 'bob', name: 'Bob', email: 'b@example.org' }),
    )
    expect(refused.code).toBe('AUTHENTIK_VERSION_NEWER')
    expect(refused.message).toBe(
      'Authentik 2026.11 is newer than this Gatehouse knows (it knows 2025.6.x to 2026.8.x); read-only features work, recipes are disabled until you update Gatehouse.',
    )
    expect(f.state.requestLog.filter((r) => r.method !== 'GET').length).toBe(writesBefore)
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
