import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, test } from '@playwright/test'
import { startFakeAuthentik, type FakeAuthentik } from '../fakes/authentik/server'
import { invoke, startServeHost, type ServeHost } from '../support/serve-host'
import { sampleSettings } from '../support/sample-settings'

/**
 * The Integrations panel in Chromium against a browser host of its own and the fake Authentik:
 * add Immich (plan, apply), copy the client id from the app-side card (the clipboard holds
 * exactly what Authentik generated), then run the live check against a local server that plays
 * https://auth.example.test (the host's checks are sent there by GATEHOUSE_CHECK_BASE).
 */
let fake: FakeAuthentik
let host: ServeHost
let discovery: Server
const token = 'I'.repeat(60)
const AUTH = 'https://auth.example.test'

test.beforeAll(async () => {
  fake = await startFakeAuthentik({ version: '2026.8.3', bootstrapToken: token })
  discovery = createServer((req, res) => {
    if (
      req.headers.host === 'auth.example.test' &&
      req.url === '/application/o/immich/.well-known/openid-configuration'
    ) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          issuer: `${AUTH}/application/o/immich/`,
          authorization_endpoint: `${AUTH}/application/o/authorize/`,
          token_endpoint: `${AUTH}/application/o/token/`,
          userinfo_endpoint: `${AUTH}/application/o/userinfo/`,
          jwks_uri: `${AUTH}/application/o/immich/jwks/`,
        }),
      )
      return
    }
    res.writeHead(404)
    res.end()
  })
  await new Promise<void>((resolve) => discovery.listen(0, '127.0.0.1', resolve))
  const port = (discovery.address() as AddressInfo).port
  host = await startServeHost({
    keychainService: 'gatehouse-e2e-integrations',
    bootstrapToken: token,
    env: { GATEHOUSE_CHECK_BASE: `http://127.0.0.1:${port}` },
  })
  await invoke(
    host,
    'settings.save',
    sampleSettings(`${host.dataDir}/stack`, { authentikUrl: fake.url }),
  )
})

test.afterAll(async () => {
  // The integration's client secret went into this host's keychain service: remove it.
  if (host) await invoke(host, 'integrations.removeApply', { id: 'immich' }).catch(() => null)
  await host?.stop()
  await fake?.close()
  await new Promise((resolve) => discovery?.close(resolve))
})

test('Integrations: add Immich, copy the client id, run the check', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.origin })
  await page.goto(host.url)
  await page.getByTestId('nav-integrations').click()
  await page.getByTestId('add-immich').click()

  const form = page.getByTestId('integration-form-immich')
  await form.getByTestId('integration-plan').click()
  const diff = form.getByTestId('integration-diff')
  await expect(diff.locator('li[data-key="provider"]')).toHaveAttribute('data-action', 'create')
  await expect(diff.locator('li[data-key="provider"]')).toContainText('app.immich://oauth-callback')
  await expect(diff.locator('li[data-key="application"]')).toContainText('immich')
  await form.getByTestId('integration-apply').click()
  await expect(form.getByTestId('integration-applied')).toBeVisible({ timeout: 15_000 })
  await page.screenshot({ path: 'test-results/integrations-immich-applied.png', fullPage: true })
  await form.getByTestId('integration-done').click()

  const item = page.getByTestId('integration-immich')
  await expect(item).toHaveAttribute('data-status', 'applied')
  const clientId = item.getByTestId('card-value-clientId')
  await expect(clientId).toBeVisible()
  // The secret is not on the page until revealed.
  const response = await fetch(`${fake.url}/api/v3/providers/oauth2/?name=Immich%20Provider`, {
    headers: { authorization: `Bearer ${token}` },
  })
  const provider = (
    (await response.json()) as { results: { client_id: string; client_secret: string }[] }
  ).results[0]!
  await expect(page.locator('body')).not.toContainText(provider.client_secret)
  await expect(clientId).toContainText(provider.client_id)

  await item.getByTestId('copy-clientId').click()
  await expect
    .poll(() => page.evaluate(() => navigator.clipboard.readText()))
    .toBe(provider.client_id)

  await item.getByTestId('integration-check').click()
  const result = item.getByTestId('integration-check-result')
  await expect(result).toHaveAttribute('data-ok', 'true', { timeout: 15_000 })
  await expect(result).toContainText(`issuer ${AUTH}/application/o/immich/`)
  await page.screenshot({ path: 'test-results/integrations-immich-checked.png', fullPage: true })
  expect(fake.schemaViolations).toEqual([])
})
