import { execFileSync } from 'node:child_process'
import { expect, test } from '@playwright/test'
import { startFakeAuthentik, type FakeAuthentik } from '../fakes/authentik/server'
import { invoke, startServeHost, type ServeHost } from '../support/serve-host'
import { sampleSettings } from '../support/sample-settings'

/**
 * #15 in Chromium: Gatehouse holds no token (the admin set Authentik up by hand), the Setup
 * panel's Authentik card offers "Connect an existing Authentik"; a refused token says so next to
 * the form, a superuser's token connects, the keychain holds it, and the Users panel lists
 * Authentik's users.
 */
let fake: FakeAuthentik
let host: ServeHost
const bootstrap = 'C'.repeat(60)
const keychainService = 'gatehouse-e2e-connect'

test.beforeAll(async () => {
  fake = await startFakeAuthentik({ version: '2026.8.3', bootstrapToken: bootstrap })
  host = await startServeHost({ keychainService })
  await invoke(
    host,
    'settings.save',
    sampleSettings(`${host.dataDir}/stack`, { authentikUrl: fake.url }),
  )
})

test.afterAll(async () => {
  await host?.stop()
  await fake?.close()
})

async function adminToken(): Promise<string> {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${fake.url}/api/v3${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bootstrap}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    return (await response.json()) as Record<string, unknown>
  }
  const users = (await call('GET', '/core/users/?username=akadmin')) as {
    results: { pk: number }[]
  }
  await call('POST', '/core/tokens/', {
    identifier: 'e2e-pasted',
    intent: 'api',
    user: users.results[0]!.pk,
    expiring: false,
  })
  return String((await call('GET', '/core/tokens/e2e-pasted/view_key/')).key)
}

test('connect an existing Authentik with a pasted token', async ({ page }) => {
  await page.goto(host.url)
  await page.getByTestId('nav-setup').click()
  const card = page.getByTestId('authentik-card')
  const form = card.getByTestId('connect-authentik')
  // No token at all: the form is offered without asking, with where to create a token.
  await expect(form).toBeVisible()
  await expect(form).toContainText('Directory → Tokens and App passwords')
  await expect(card.getByTestId('connect-url').locator('input')).toHaveValue(fake.url)

  await card.getByTestId('connect-token').locator('input').fill('not-a-real-token-0123456789')
  await card.getByTestId('connect-submit').click()
  await expect(card.getByTestId('connect-error')).toContainText('refused this token')
  // The field is emptied whatever happened: the token never stays on screen.
  await expect(card.getByTestId('connect-token').locator('input')).toHaveValue('')

  const token = await adminToken()
  await card.getByTestId('connect-token').locator('input').fill(token)
  await card.getByTestId('connect-submit').click()
  await expect(page.getByText('Connected as akadmin')).toBeVisible()
  await expect(card.getByTestId('authentik-version')).toContainText('2026.8.3')
  await expect(form).toBeHidden()
  await page.screenshot({ path: 'test-results/connect-authentik.png', fullPage: true })

  const stored = execFileSync('secret-tool', [
    'lookup',
    'service',
    keychainService,
    'username',
    'gatehouseApiToken',
  ]).toString()
  expect(stored).toBe(token)

  await page.getByTestId('nav-users').click()
  await expect(page.getByText('akadmin').first()).toBeVisible()
})
