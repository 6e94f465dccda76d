import { readFileSync, writeFileSync } from 'node:fs'
import { expect, test } from '@playwright/test'
import { startFakeAuthentik, type FakeAuthentik } from '../fakes/authentik/server'
import { invoke, startServeHost, type ServeHost } from '../support/serve-host'
import { sampleSettings } from '../support/sample-settings'

/**
 * The Setup panel's recipes in Chromium against a browser host of its own, pointed at the fake
 * Authentik: plan R8, read the diff, apply it, see every line done and the recipe applied, and a
 * second plan with nothing left to do.
 */
let fake: FakeAuthentik
let host: ServeHost
const token = 'E'.repeat(60)

test.beforeAll(async () => {
  fake = await startFakeAuthentik({ version: '2026.8.3', bootstrapToken: token })
  host = await startServeHost({ keychainService: 'gatehouse-e2e-recipes', bootstrapToken: token })
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

test('Setup: plan R8, read the diff, apply, see it applied', async ({ page }) => {
  await page.goto(host.url)
  await page.getByTestId('nav-setup').click()
  const card = page.getByTestId('recipe-r8')
  await expect(card).toBeVisible()
  await expect(card).toHaveAttribute('data-status', 'not-applied')

  await card.getByTestId('recipe-plan').click()
  const diff = card.getByTestId('recipe-diff')
  await expect(diff).toBeVisible()
  // The flow and the invitation stage are created, with the fields the guide asks for.
  const flow = diff.locator('li[data-key="flow"]')
  await expect(flow).toHaveAttribute('data-action', 'create')
  await expect(flow).toContainText('enrollment-invitation')
  await expect(flow).toContainText('compatibility_mode')
  const invitation = diff.locator('li[data-key="stage:invitation"]')
  await expect(invitation).toContainText('continue_flow_without_invitation')
  // The shared prompt stage is updated, not replaced: its fields are listed before and after.
  await expect(diff.locator('li[data-key="stage:prompt"]')).toHaveAttribute('data-action', 'update')
  const lines = await diff.locator(':scope > li').count()
  expect(lines).toBeGreaterThan(8)
  // R5 has not run, so the plan says its password policy is skipped for now.
  await expect(card.getByTestId('recipe-warning').first()).toContainText('password-complexity')

  const apply = card.getByTestId('recipe-apply')
  await expect(apply).toHaveText(`Apply ${lines} changes`)
  await page.screenshot({ path: 'test-results/setup-r8-plan.png', fullPage: true })
  await apply.click()

  await expect(card.getByTestId('recipe-applied')).toBeVisible({ timeout: 15_000 })
  await expect(card).toHaveAttribute('data-status', 'applied')
  // What was applied stays on screen, every line marked done, until the next plan.
  const applied = card.getByTestId('recipe-applied-diff').locator(':scope > li')
  await expect(applied).toHaveCount(lines)
  for (const line of await applied.all()) await expect(line).toHaveAttribute('data-status', 'done')
  await card.getByTestId('recipe-plan').click()
  await expect(card.getByTestId('recipe-nothing')).toBeVisible()

  // The Dashboard's next steps list what is still open, and no longer R8.
  await page.getByTestId('nav-dashboard').click()
  const next = page.getByTestId('next-steps')
  await expect(next.locator('li[data-recipe="r2"]')).toBeVisible()
  await expect(next.locator('li[data-recipe="r8"]')).toHaveCount(0)

  // Read back from the server: the flow exists once, with its five bindings in order.
  const api = async (path: string) =>
    (await (
      await fetch(`${fake.url}/api/v3${path}`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { results: { pk: string; order: number }[] }
  const flows = await api('/flows/instances/?slug=enrollment-invitation')
  expect(flows.results).toHaveLength(1)
  const bindings = await api(`/flows/bindings/?target=${flows.results[0]!.pk}&ordering=order`)
  expect(bindings.results.map((b) => b.order)).toEqual([10, 20, 30, 40, 50])
  expect(fake.schemaViolations).toEqual([])
})

test('Setup: the Traefik card merges the middlewares into an existing file and keeps the rest', async ({
  page,
}) => {
  const file = `${host.dataDir}/dynamic_config.yml`
  const original = [
    '# my own Traefik file',
    'http:',
    '  middlewares:',
    '    default-security-headers:',
    '      headers:',
    '        frameDeny: true # keep me',
    '  routers: {}',
    '',
  ].join('\n')
  writeFileSync(file, original)
  await page.goto(host.url)
  await page.getByTestId('nav-setup').click()
  const card = page.getByTestId('traefik-card')
  await card.getByTestId('traefik-path').locator('input').fill(file)
  await card.getByTestId('traefik-plan').click()
  const diff = card.getByTestId('traefik-diff')
  await expect(diff).toContainText('+    authentik-auth:')
  await expect(diff).toContainText('outpost.goauthentik.io/auth/traefik')
  // Nothing is written by a plan.
  expect(readFileSync(file, 'utf8')).toBe(original)
  await card.getByTestId('traefik-apply').click()
  await expect(card.getByTestId('traefik-written')).toContainText('.bak')
  const merged = readFileSync(file, 'utf8')
  expect(merged).toContain('# my own Traefik file')
  expect(merged).toContain('frameDeny: true # keep me')
  expect(merged).toContain('authentik-auth:')
  expect(merged).toContain('routers: {}')
})

test('Setup: editing a field after the plan withdraws the plan and its Apply button', async ({
  page,
}) => {
  await page.goto(host.url)
  await page.getByTestId('nav-setup').click()
  const card = page.getByTestId('recipe-r7')
  await card.getByTestId('recipe-plan').click()
  await expect(card.getByTestId('recipe-diff')).toBeVisible()
  await expect(card.getByTestId('recipe-apply')).toBeVisible()
  const writes = fake.state.requestLog.filter((r) => r.method !== 'GET').length
  await card.getByTestId('param-flowSlug').locator('input').fill('forgot')
  // The plan was of the old value: it is gone, and with it the button that would apply it.
  await expect(card.getByTestId('recipe-diff')).toHaveCount(0)
  await expect(card.getByTestId('recipe-apply')).toHaveCount(0)
  await card.getByTestId('recipe-plan').click()
  await expect(card.getByTestId('recipe-diff')).toContainText('forgot')
  expect(fake.state.requestLog.filter((r) => r.method !== 'GET').length).toBe(writes)

  // The Traefik card likewise: ticking a box after the preview withdraws the preview.
  const traefik = page.getByTestId('traefik-card')
  await traefik.getByTestId('traefik-path').locator('input').fill(`${host.dataDir}/t2.yml`)
  await traefik.getByTestId('traefik-plan').click()
  await expect(traefik.getByTestId('traefik-apply')).toBeVisible()
  await traefik.getByTestId('traefik-headers').click()
  await expect(traefik.getByTestId('traefik-apply')).toHaveCount(0)
  await expect(traefik.getByTestId('traefik-diff')).toHaveCount(0)
})

test('Setup: "Plan all" shows one combined plan with the MFA warning first; Cancel writes nothing', async ({
  page,
}) => {
  await page.goto(host.url)
  await page.getByTestId('nav-setup').click()
  const writes = fake.state.requestLog.filter((r) => r.method !== 'GET').length
  await page.getByTestId('recipes-apply-all').click()
  const dialog = page.getByTestId('apply-all-dialog')
  await expect(dialog).toBeVisible({ timeout: 15_000 })
  // R6 makes TOTP mandatory for the admins who have none: named before anything is written.
  const lockout = dialog.getByTestId('apply-all-lockout').first()
  await expect(lockout).toContainText('R6')
  await expect(lockout).toContainText('akadmin')
  await expect(dialog.getByTestId('apply-all-list').locator('li[data-recipe="r6"]')).toBeVisible()
  await expect(dialog.getByTestId('apply-all-skipped')).toContainText('R9')
  // Apply stays disabled until the warning is acknowledged.
  await expect(dialog.getByTestId('apply-all-confirm')).toBeDisabled()
  await page.screenshot({ path: 'test-results/setup-plan-all.png', fullPage: true })
  await dialog.getByTestId('apply-all-cancel').click()
  await expect(dialog).toHaveCount(0)
  expect(fake.state.requestLog.filter((r) => r.method !== 'GET').length).toBe(writes)
})

test('Setup: R2’s outpost change reads as one line per config key, names not broken', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1024, height: 700 })
  await page.goto(host.url)
  await page.getByTestId('nav-setup').click()
  const card = page.getByTestId('recipe-r2')
  await card.getByTestId('recipe-plan').click()
  const line = card.locator('tr[data-field="config.authentik_host"]')
  await expect(line).toBeVisible()
  await expect(line).toContainText('https://auth.')
  await expect(card.locator('tr[data-field="config"]')).toHaveCount(0)
  // A field name stays on one line (it used to wrap letter by letter in a narrow window).
  const name = card.locator('tr[data-field="providers"] td.field')
  const box = await name.boundingBox()
  expect(box!.height).toBeLessThan(30)
  await card.screenshot({ path: 'test-results/setup-r2-plan-1024.png' })
})
