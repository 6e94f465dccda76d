import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { checkForwardAuth } from '../../src/main/integrations/checks/forward-auth'
import { rewriteToBase } from '../../src/main/integrations/checks/http'
import { checkOidc, redirectAccepted } from '../../src/main/integrations/checks/oidc'
import { redirectRegex } from '../../src/main/integrations/oauth2'
import { DOMAIN, planThenApplyIntegration, startRecipeHarness } from '../support/recipe-harness'
import { selfSignedCertificate } from '../support/tls-proxy'

/**
 * The live checks against servers this test starts on 127.0.0.1: an app behind forward auth (302
 * to the outpost), one that answers 200 without login, discovery documents with the right and a
 * wrong issuer, a TLS server with a self-signed certificate, a host that does not resolve, one
 * that never answers and a closed port. Requests to `https://<name>.example.test` are routed to the
 * plain-HTTP server by the test hook (the Host header is kept); TLS is never relaxed.
 */
const AUTH = `https://auth.${DOMAIN}`
const issuer = (slug: string) => `${AUTH}/application/o/${slug}/`

function discovery(slug: string, issuerValue = issuer(slug)) {
  return {
    issuer: issuerValue,
    authorization_endpoint: `${AUTH}/application/o/authorize/`,
    token_endpoint: `${AUTH}/application/o/token/`,
    userinfo_endpoint: `${AUTH}/application/o/userinfo/`,
    jwks_uri: `${AUTH}/application/o/${slug}/jwks/`,
    id_token_signing_alg_values_supported: ['RS256'],
  }
}

let plain: Server
let plainBase: string
let tls: Server
let tlsBase: string
let silent: Server
let silentBase: string
let closedBase: string

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

beforeAll(async () => {
  plain = createHttpServer((req, res) => {
    const host = (req.headers.host ?? '').split(':')[0]
    const path = req.url ?? '/'
    const json = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (host === `sonarr.${DOMAIN}`) {
      res.writeHead(302, {
        location: `https://sonarr.${DOMAIN}/outpost.goauthentik.io/start?rd=%2F`,
      })
      return res.end()
    }
    if (host === `radarr.${DOMAIN}`) {
      res.writeHead(307, { location: `${AUTH}/application/o/authorize/?client_id=x` })
      return res.end()
    }
    if (host === `open.${DOMAIN}`) {
      res.writeHead(200, { 'content-type': 'text/html' })
      return res.end('<h1>Welcome, no login needed</h1>')
    }
    if (host === `ownlogin.${DOMAIN}`) {
      res.writeHead(401, { 'www-authenticate': 'Basic' })
      return res.end()
    }
    if (host === `auth.${DOMAIN}`) {
      if (path === '/application/o/immich/.well-known/openid-configuration')
        return json(discovery('immich'))
      if (path === '/application/o/wrong/.well-known/openid-configuration')
        return json(discovery('wrong', `http://authentik-server:9000/application/o/wrong/`))
      if (path === '/application/o/nas/.well-known/openid-configuration')
        return json({ ...discovery('nas'), token_endpoint: 'http://authentik-server:9000/token/' })
    }
    res.writeHead(404)
    res.end()
  })
  plainBase = `http://127.0.0.1:${await listen(plain)}`

  const cert = selfSignedCertificate()
  tls = createHttpsServer({ key: cert.keyPem, cert: cert.certPem }, (_req, res) => {
    res.writeHead(200)
    res.end('{}')
  })
  tlsBase = `https://127.0.0.1:${await listen(tls)}`

  // Accepts connections and never answers.
  silent = createHttpServer(() => undefined)
  silentBase = `http://127.0.0.1:${await listen(silent)}`

  const closed = createHttpServer()
  const closedPort = await listen(closed)
  await new Promise((resolve) => closed.close(resolve))
  closedBase = `http://127.0.0.1:${closedPort}`
})

afterAll(async () => {
  silent.closeAllConnections()
  for (const server of [plain, tls, silent]) await new Promise((r) => server.close(r))
})

const viaPlain = () => ({ rewrite: rewriteToBase(plainBase), timeoutMs: 3000 })

describe('forward-auth check', () => {
  test('a redirect to the outpost or to Authentik passes', async () => {
    for (const app of ['sonarr', 'radarr']) {
      const result = await checkForwardAuth(
        { title: app, url: `https://${app}.${DOMAIN}` },
        AUTH,
        viaPlain(),
      )
      expect(result, app).toMatchObject({ ok: true, reason: 'ok' })
      expect(result.message).toMatch(/Protected: an anonymous request is redirected \(30[27]\)/)
    }
  })

  test('a 200 without login is NOT PROTECTED, with the label to add', async () => {
    const result = await checkForwardAuth(
      { title: 'open', url: `https://open.${DOMAIN}` },
      AUTH,
      viaPlain(),
    )
    expect(result).toMatchObject({ ok: false, reason: 'not-protected' })
    expect(result.message).toContain('NOT PROTECTED')
    expect(result.fix).toContain('traefik.http.routers.open.middlewares=authentik-http@file')
  })

  test('the app asking for its own login is a wrong status', async () => {
    const result = await checkForwardAuth(
      { title: 'own', url: `https://ownlogin.${DOMAIN}` },
      AUTH,
      viaPlain(),
    )
    expect(result).toMatchObject({ ok: false, reason: 'status' })
    expect(result.message).toContain('401')
  })

  test('a self-signed certificate fails as TLS (verification is never relaxed)', async () => {
    const result = await checkForwardAuth({ title: 'tls', url: tlsBase }, AUTH, { timeoutMs: 3000 })
    expect(result).toMatchObject({ ok: false, reason: 'tls' })
    expect(result.message).toMatch(/^TLS: .*SELF_SIGNED/)
    expect(result.fix).toMatch(/certificate/)
  })

  test('DNS, timeout and a refused connection are named', async () => {
    const dns = await checkForwardAuth(
      { title: 'dns', url: 'https://nothing-here.invalid' },
      AUTH,
      { timeoutMs: 3000 },
    )
    expect(dns).toMatchObject({ ok: false, reason: 'dns' })
    expect(dns.fix).toMatch(/DNS record/)

    const started = Date.now()
    const slow = await checkForwardAuth({ title: 'slow', url: silentBase }, AUTH, {
      timeoutMs: 400,
    })
    expect(slow).toMatchObject({ ok: false, reason: 'timeout' })
    expect(Date.now() - started).toBeLessThan(3000)

    const refused = await checkForwardAuth({ title: 'closed', url: closedBase }, AUTH, {
      timeoutMs: 2000,
    })
    expect(refused).toMatchObject({ ok: false, reason: 'refused' })
  })
})

describe('OIDC check', () => {
  const accepted = [
    { matching_mode: 'strict', url: `https://immich.${DOMAIN}/auth/login` },
    { matching_mode: 'regex', url: redirectRegex(`https://immich.${DOMAIN}/user-settings`) },
    { matching_mode: 'strict', url: 'app.immich://oauth-callback' },
  ]
  const target = {
    title: 'Immich',
    slug: 'immich',
    redirectUris: [
      `https://immich.${DOMAIN}/auth/login`,
      `https://immich.${DOMAIN}/user-settings`,
      'app.immich://oauth-callback',
    ],
  }

  test('the right issuer, endpoints and accepted redirect URIs pass', async () => {
    const result = await checkOidc(target, AUTH, accepted, viaPlain())
    expect(result).toMatchObject({ ok: true, reason: 'ok' })
    expect(result.url).toBe(`${AUTH}/application/o/immich/.well-known/openid-configuration`)
  })

  test('a wrong issuer fails with the issuer named', async () => {
    const result = await checkOidc({ ...target, slug: 'wrong' }, AUTH, accepted, viaPlain())
    expect(result).toMatchObject({ ok: false, reason: 'issuer' })
    expect(result.message).toContain('http://authentik-server:9000/application/o/wrong/')
    expect(result.message).toContain(`${AUTH}/application/o/wrong/`)
  })

  test('an endpoint on another host fails', async () => {
    const result = await checkOidc({ ...target, slug: 'nas' }, AUTH, accepted, viaPlain())
    expect(result).toMatchObject({ ok: false, reason: 'endpoints' })
    expect(result.message).toContain('token_endpoint')
  })

  test('a redirect URI the provider does not accept fails', async () => {
    const result = await checkOidc(target, AUTH, accepted.slice(0, 1), viaPlain())
    expect(result).toMatchObject({ ok: false, reason: 'redirect-uri' })
    expect(result.message).toContain('app.immich://oauth-callback')
  })

  test('no application (404) and a self-signed Authentik are named', async () => {
    const missing = await checkOidc({ ...target, slug: 'nope' }, AUTH, accepted, viaPlain())
    expect(missing).toMatchObject({ ok: false, reason: 'status' })
    expect(missing.fix).toContain('"nope"')
    const selfSigned = await checkOidc(target, tlsBase, accepted, { timeoutMs: 3000 })
    expect(selfSigned).toMatchObject({ ok: false, reason: 'tls' })
  })

  test('regex mode: the escaped, anchored pattern matches exactly its address', () => {
    fc.assert(
      fc.property(
        fc.webUrl({ withQueryParameters: true, withFragments: true }),
        fc.string({ minLength: 1, maxLength: 3 }),
        (url, extra) => {
          const pattern = [{ matching_mode: 'regex', url: redirectRegex(url) }]
          expect(redirectAccepted(url, pattern)).toBe(true)
          expect(redirectAccepted(url + extra, pattern)).toBe(false)
          // A dot is a dot, not "any character".
          if (url.includes('.'))
            expect(redirectAccepted(url.replace('.', 'x'), pattern)).toBe(false)
        },
      ),
    )
  })
})

describe('integrations.check through the contract', () => {
  test('Servarr: one protected app passes, one answering 200 is NOT PROTECTED', async () => {
    process.env.GATEHOUSE_CHECK_BASE = plainBase
    const h = await startRecipeHarness('2025.6.3')
    delete process.env.GATEHOUSE_CHECK_BASE
    try {
      const apps = [
        { kind: 'sonarr', name: 'Sonarr', slug: 'sonarr', username: 'u', password: 'secret-1' },
        { kind: 'custom', name: 'Open', slug: 'open', username: 'u', password: 'secret-2' },
      ]
      expect(
        (await planThenApplyIntegration(h.client, { id: 'servarr', params: { apps } })).completed,
      ).toBe(true)
      const result = await h.client.integrations.check({ id: 'servarr' })
      expect(result.ok).toBe(false)
      expect(result.results.map((r) => [r.url, r.ok, r.reason])).toEqual([
        [`https://sonarr.${DOMAIN}`, true, 'ok'],
        [`https://open.${DOMAIN}`, false, 'not-protected'],
      ])
    } finally {
      await h.close()
    }
  })

  test('Immich against the fake Authentik and a local discovery server; the result is kept', async () => {
    process.env.GATEHOUSE_CHECK_BASE = plainBase
    const h = await startRecipeHarness('2026.8.3')
    delete process.env.GATEHOUSE_CHECK_BASE
    try {
      const notYet = await h.client.integrations.check({ id: 'immich' }).catch((e: Error) => e)
      expect(notYet).toBeInstanceOf(Error)
      expect((await planThenApplyIntegration(h.client, { id: 'immich' })).completed).toBe(true)
      const result = await h.client.integrations.check({ id: 'immich' })
      expect(result.ok).toBe(true)
      expect(result.results).toHaveLength(1)
      expect(result.results[0]).toMatchObject({ ok: true, reason: 'ok' })
      const [listed] = await h.client.integrations.list()
      expect(listed?.lastCheck?.checkedAt).toBe(result.checkedAt)

      // The provider stops accepting the mobile app: the check names the refused URI.
      const page = (await h.api('GET', '/providers/oauth2/?name=Immich%20Provider')) as {
        results: { pk: number; redirect_uris: unknown[] }[]
      }
      const provider = page.results[0]!
      await h.api('PATCH', `/providers/oauth2/${provider.pk}/`, {
        redirect_uris: provider.redirect_uris.slice(0, 2),
      })
      const broken = await h.client.integrations.check({ id: 'immich' })
      expect(broken.ok).toBe(false)
      expect(broken.results[0]).toMatchObject({ reason: 'redirect-uri' })
      expect(broken.results[0]?.fix).toBeTruthy()
      expect(h.fake.schemaViolations).toEqual([])
    } finally {
      await h.close()
    }
  })
})
