import { afterEach, expect, test } from 'vitest'
import { createMemoryStore } from '../../src/main/secrets/store'
import { GatehouseError } from '../../src/shared/errors'
import { caught } from '../support/caught'
import {
  startGatehouseAgainstFake,
  type GatehouseAgainstFake,
} from '../support/gatehouse-against-fake'
import { allVersions, describeVersions } from '../support/versions'

/**
 * #15: an Authentik that Gatehouse did not start. The admin saved Settings, Gatehouse holds no
 * token, and Authentik runs (the schema-checked fake, from a fresh install). They paste its address
 * and a token; from then on the panels and recipes work, and a missing or refused token is said at
 * once instead of after a 180 s wait.
 */

const BOOTSTRAP = 'connect-existing-bootstrap-token-0123456789abcdef'
let g: GatehouseAgainstFake | undefined

afterEach(async () => {
  const violations = await g?.close()
  g = undefined
  expect(violations ?? []).toEqual([])
})

/** Gatehouse with saved settings pointing nowhere useful and an empty keychain. */
async function withoutToken(version: (typeof allVersions)[number]) {
  g = await startGatehouseAgainstFake({
    fake: { version, bootstrapToken: BOOTSTRAP, bootstrapPassword: 'bootstrap-password-123456' },
    secrets: createMemoryStore({}),
    settings: { authentikUrl: 'http://127.0.0.1:9' },
  })
  return g
}

/** An API token made the way the admin makes one in Authentik's UI, for `username`. */
async function apiTokenFor(h: GatehouseAgainstFake, userPk: number, identifier: string) {
  await h.api('POST', '/core/tokens/', { identifier, intent: 'api', user: userPk, expiring: false })
  const { key } = await h.api<{ key: string }>('GET', `/core/tokens/${identifier}/view_key/`)
  return key
}

describeVersions('connecting to an existing Authentik %s', allVersions, (version) => {
  test('a superuser token pasted with the address: panels and recipes work, the token is in the keychain', async () => {
    const h = await withoutToken(version)
    // Before: no token, so waiting for Authentik fails at once and says where to paste one.
    const started = Date.now()
    const missing = await caught(h.client.authentik.waitReady({ timeoutMs: 180_000 }))
    expect(missing).toBeInstanceOf(GatehouseError)
    expect((missing as GatehouseError).code).toBe('AUTHENTIK_TOKEN_MISSING')
    expect((missing as GatehouseError).hint).toContain('Connect an existing Authentik')
    expect(Date.now() - started).toBeLessThan(10_000)

    const admins = await h.api<{ results: { pk: number; username: string }[] }>(
      'GET',
      '/core/users/?username=akadmin',
    )
    const token = await apiTokenFor(h, admins.results[0]!.pk, 'pasted-by-admin')
    const connected = await h.client.authentik.connectExisting({ url: `${h.fake.url}/`, token })
    expect(connected).toMatchObject({ baseUrl: h.fake.url, username: 'akadmin' })
    expect(connected.version).toBe(version)
    expect(await h.secrets.get('gatehouseApiToken')).toBe(token)
    const settings = await h.client.settings.get()
    expect(settings?.authentikUrl).toBe(h.fake.url)

    const status = await h.client.authentik.status()
    expect(status).toMatchObject({ reachable: true, tokenSource: 'gatehouse', tokenAccepted: true })
    const users = await h.client.users.list({ search: 'akadmin' })
    expect(users.results.map((u) => u.username)).toContain('akadmin')
    const plan = await h.client.recipes.plan({ id: 'r7' })
    expect(plan.steps.length).toBeGreaterThan(0)
    // Every panel reads with the pasted token.
    expect((await h.client.groups.list({})).results.map((g) => g.name)).toContain(
      'authentik Admins',
    )
    expect((await h.client.flows.list({})).results.length).toBeGreaterThan(0)
    await h.client.invitations.list({})
    await h.client.events.list({})
    await h.client.integrations.list({})
    expect((await h.client.authentik.waitReady({ timeoutMs: 30_000 })).version).toBe(version)
  })

  test('a refused token and a non-superuser token are refused at once; nothing is kept', async () => {
    const h = await withoutToken(version)
    const bad = await caught(
      h.client.authentik.connectExisting({ url: h.fake.url, token: 'x'.repeat(40) }),
    )
    expect((bad as GatehouseError).code).toBe('AUTHENTIK_AUTH_FAILED')
    expect((bad as GatehouseError).hint).toMatch(/Paste a token here/)
    expect((bad as GatehouseError).hint).toMatch(/Directory → Tokens and App passwords/)

    const user = await h.api<{ pk: number }>('POST', '/core/users/', {
      username: 'plainuser',
      name: 'Plain User',
      path: 'users',
    })
    const token = await apiTokenFor(h, user.pk, 'plain-token')
    const plain = await caught(h.client.authentik.connectExisting({ url: h.fake.url, token }))
    expect((plain as GatehouseError).code).toBe('AUTHENTIK_NOT_SUPERUSER')
    expect((plain as GatehouseError).message).toContain('plainuser')
    expect(await h.secrets.get('gatehouseApiToken')).toBeNull()
    expect((await h.client.settings.get())?.authentikUrl).toBe('http://127.0.0.1:9')
  })

  test('a token that stops working fails the readiness wait at once, naming where to paste a new one', async () => {
    const h = await withoutToken(version)
    const admins = await h.api<{ results: { pk: number }[] }>(
      'GET',
      '/core/users/?username=akadmin',
    )
    const token = await apiTokenFor(h, admins.results[0]!.pk, 'soon-revoked')
    await h.client.authentik.connectExisting({ url: h.fake.url, token })
    await h.api('DELETE', '/core/tokens/soon-revoked/')
    const started = Date.now()
    const refused = await caught(h.client.authentik.waitReady({ timeoutMs: 180_000 }))
    expect((refused as GatehouseError).code).toBe('AUTHENTIK_AUTH_FAILED')
    expect((refused as GatehouseError).hint).toContain('Connect an existing Authentik')
    expect(Date.now() - started).toBeLessThan(15_000)
  })
})
