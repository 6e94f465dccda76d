import { SessionUserFromJSON } from 'authentik-api-2026'
import { afterEach, describe, expect, test } from 'vitest'
import { connectAuthentik } from '../../src/main/authentik/client'
import { waitForAuthentik } from '../../src/main/authentik/readiness'
import { handoverCalls } from '../../src/main/recipes/r1-calls'
import { FAKE_VERSIONS } from '../fakes/authentik/types'
import { startFakeAuthentik, type FakeAuthentik, type FakeVersion } from '../fakes/authentik/server'
import { caught } from '../support/caught'
import { startDirectoryHarness, type DirectoryHarness } from '../support/directory-harness'

/**
 * The client reads answers by the fields Gatehouse uses (src/main/authentik/shapes.ts), so a
 * release's shape differences never crash it, and a wrong shape is a typed error that is not
 * mistaken for the network.
 */

const BOOTSTRAP_TOKEN = 'bootstrap-token-0123456789abcdefghijklmnopqrstuvwxyz'
const fastRetry = { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 }

/** `users/me` as a 2026.5.6 server sends it: no `users` (the 2026.8 schema added it). */
const as2026_5 = (body: unknown) => {
  const { users: _dropped, ...rest } = body as { users?: unknown }
  return rest
}

let fake: FakeAuthentik | undefined
/** Operations whose answers a test tampered with on purpose (their schema violations are the point). */
let tampered: string[] = []

async function start(version: FakeVersion): Promise<FakeAuthentik> {
  fake = await startFakeAuthentik({
    version,
    bootstrapToken: BOOTSTRAP_TOKEN,
    bootstrapPassword: 'bootstrap-password-123456',
    bootstrapEmail: 'root@example.org',
  })
  return fake
}

function tamper(f: FakeAuthentik, operation: string, change: (body: unknown) => unknown) {
  tampered.push(operation)
  f.state.responseTampering.set(operation, change)
}

afterEach(async () => {
  if (!fake) return
  const violations = [...fake.schemaViolations].filter(
    (v) => !tampered.some((op) => v.startsWith(`${op} `)),
  )
  await fake.close()
  fake = undefined
  tampered = []
  expect(violations).toEqual([])
})

describe('regression: a 2026.5-shaped users/me (issue #13)', () => {
  test('the official 2026.8.3 deserializer crashes on it; Gatehouse reads it', async () => {
    const f = await start('2026.8.3')
    const client = await connectAuthentik({
      baseUrl: f.url,
      token: () => BOOTSTRAP_TOKEN,
      retry: fastRetry,
    })
    const real = await fetch(`${f.url}/api/v3/core/users/me/`, {
      headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` },
    })
    const body2026_5 = as2026_5(await real.json())
    // The bug being guarded against: the generated model assumes `users`.
    expect(() => SessionUserFromJSON(body2026_5)).toThrow(TypeError)

    tamper(f, 'core_users_me_retrieve', as2026_5)
    expect(await client.me()).toMatchObject({ username: 'akadmin', is_superuser: true })
    // Readiness asks users/me for its token phase: it finishes instead of blaming the token.
    tamper(f, 'core_users_me_retrieve', as2026_5)
    const ready = await waitForAuthentik({
      baseUrl: f.url,
      token: () => BOOTSTRAP_TOKEN,
      intervalMs: 50,
      timeoutMs: 5000,
    })
    expect(ready.version.raw).toBe('2026.8.3')
  })

  const real2026_5 = (FAKE_VERSIONS as readonly string[]).includes('2026.5.6')
  test.runIf(real2026_5)('against the 2026.5.6 fake: me, waitReady and R1 plan work', async () => {
    const f = await start('2026.5.6' as FakeVersion)
    const client = await connectAuthentik({ baseUrl: f.url, token: () => BOOTSTRAP_TOKEN })
    expect(client.version.raw).toBe('2026.5.6')
    expect((await client.me()).username).toBe('akadmin')
    const ready = await waitForAuthentik({
      baseUrl: f.url,
      token: () => BOOTSTRAP_TOKEN,
      intervalMs: 50,
      timeoutMs: 5000,
    })
    expect(ready.version.raw).toBe('2026.5.6')
  })
})

describe.each(FAKE_VERSIONS)('answers of an unexpected shape, fake %s', (version) => {
  test('missing optional fields and unknown ones never crash a read', async () => {
    const f = await start(version)
    const client = await connectAuthentik({ baseUrl: f.url, token: () => BOOTSTRAP_TOKEN })
    tamper(f, 'core_users_list', (body) => {
      const page = body as { results: Record<string, unknown>[] }
      return {
        ...page,
        results: page.results.map(({ email: _e, is_active: _a, groups: _g, type: _t, ...row }) => ({
          ...row,
          a_field_from_the_future: { nested: [1, 2, 3] },
        })),
      }
    })
    const akadmin = await handoverCalls(client).findUser('akadmin')
    expect(akadmin).toMatchObject({ username: 'akadmin', is_superuser: true })
    expect(akadmin).not.toHaveProperty('a_field_from_the_future')
    expect(akadmin?.email).toBeUndefined()
    tamper(f, 'core_users_me_retrieve', (body) => ({ ...(body as object), brand_new: true }))
    expect((await client.me()).username).toBe('akadmin')
  })

  test('a malformed answer is AUTHENTIK_UNEXPECTED_RESPONSE naming operation, field and version', async () => {
    const f = await start(version)
    const client = await connectAuthentik({ baseUrl: f.url, token: () => BOOTSTRAP_TOKEN })
    tamper(f, 'core_users_me_retrieve', (body) => {
      const me = body as { user: object }
      return { ...me, user: { ...me.user, is_superuser: 'yes' } }
    })
    const wrongType = await caught(client.me())
    expect(wrongType.code).toBe('AUTHENTIK_UNEXPECTED_RESPONSE')
    expect(wrongType.code).not.toBe('AUTHENTIK_UNREACHABLE')
    expect(wrongType.details).toMatchObject({
      operation: 'read the current user',
      field: 'user.is_superuser',
      version,
    })
    expect(wrongType.message).toContain(version)

    tamper(f, 'core_groups_list', () => ({ oops: 'not a page' }))
    const notAPage = await caught(handoverCalls(client).findGroup('authentik Admins'))
    expect(notAPage.code).toBe('AUTHENTIK_UNEXPECTED_RESPONSE')
    expect(notAPage.details).toMatchObject({ operation: 'find group authentik Admins', version })

    // Readiness does not wait out a wrong shape as if the token were "not accepted yet".
    tamper(f, 'core_users_me_retrieve', () => ({ user: null }))
    const started = Date.now()
    const notWaited = await caught(
      waitForAuthentik({
        baseUrl: f.url,
        token: () => BOOTSTRAP_TOKEN,
        intervalMs: 50,
        timeoutMs: 10_000,
      }),
    )
    expect(notWaited.code).toBe('AUTHENTIK_UNEXPECTED_RESPONSE')
    expect(Date.now() - started).toBeLessThan(5000)
  })
})

describe.each(FAKE_VERSIONS)('through the services, fake %s', (version) => {
  let h: DirectoryHarness | undefined
  afterEach(async () => {
    if (!h) return
    const violations = (await h.close()).filter(
      (v) => !tampered.some((op) => v.startsWith(`${op} `)),
    )
    h = undefined
    tampered = []
    expect(violations).toEqual([])
  })

  test('authentik status proves the token with one small call and never re-downloads the schema', async () => {
    h = await startDirectoryHarness(version)
    const schemaDownloads = () =>
      h!.fake.state.requestLog.filter((r) => r.operationId === 'schema_retrieve').length
    const before = h.fake.state.requestLog.length
    const first = await h.client.authentik.status()
    expect(first).toMatchObject({ reachable: true, version, tokenAccepted: true })
    expect(first.support).toBe('supported')
    await h.client.authentik.status()
    expect(schemaDownloads()).toBe(0)
    // One request per status: /admin/version/ with the token.
    expect(h.fake.state.requestLog.slice(before).map((r) => r.operationId)).toEqual([
      'admin_version_retrieve',
      'admin_version_retrieve',
    ])

    // A token Authentik refuses: the version comes from the schema once, then from the cache.
    await h.secrets.set('bootstrapToken', 'not-the-bootstrap-token')
    const refused = await h.client.authentik.status()
    expect(refused).toMatchObject({ reachable: true, version, tokenAccepted: false })
    await h.client.authentik.status()
    await h.client.authentik.status()
    expect(schemaDownloads()).toBe(0)
  })

  test('a newer release: directory reads work, recipes and integrations apply refuse', async () => {
    h = await startDirectoryHarness(version)
    // Every /admin/version/ answer from now on reports a release after the table's newest.
    const fakeState = h.fake.state
    const reportNewer = (body: unknown): unknown => {
      fakeState.responseTampering.set('admin_version_retrieve', reportNewer)
      return { ...(body as object), version_current: '2026.11.0' }
    }
    tamper(h.fake, 'admin_version_retrieve', reportNewer)
    const status = await h.client.authentik.status()
    expect(status).toMatchObject({ version: '2026.11.0', support: 'newer', tokenAccepted: true })
    const users = await h.client.users.list({})
    expect(users.results.map((u) => u.username)).toContain('akadmin')
    const writesBefore = h.fake.state.requestLog.filter((r) => r.method !== 'GET').length

    const recipe = await caught(
      h.client.recipes.apply({ id: 'r5', params: {}, planId: '0'.repeat(64) }),
    )
    expect(recipe.code).toBe('AUTHENTIK_VERSION_NEWER')
    expect(recipe.message).toMatch(
      /^Authentik 2026\.11 is newer than this Gatehouse knows .*read-only features work, recipes are disabled until you update Gatehouse\.$/,
    )
    const handover = await caught(
      h.client.recipes.adminHandoverApply({
        username: 'alice',
        name: 'Alice',
        email: 'alice@example.test',
      }),
    )
    expect(handover.code).toBe('AUTHENTIK_VERSION_NEWER')
    const integration = await caught(
      h.client.integrations.apply({ id: 'nextcloud', params: {}, planId: '0'.repeat(64) }),
    )
    expect(integration.code).toBe('AUTHENTIK_VERSION_NEWER')
    const edit = await caught(
      h.client.users.create({ username: 'bob', name: 'Bob', email: 'bob@example.test' }),
    )
    expect(edit.code).toBe('AUTHENTIK_VERSION_NEWER')
    expect(h.fake.state.requestLog.filter((r) => r.method !== 'GET').length).toBe(writesBefore)
  })
})
