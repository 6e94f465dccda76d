import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import Docker from 'dockerode'
import { ensureFakeStackImage } from '../support/fake-stack-image'
import { writeGuideStack } from '../support/guide-stack'
import { invoke, startServeHost, type ServeHost } from '../support/serve-host'
import { removeProjectResources, removeTestNetwork, testProject } from '../support/stack-resources'

/**
 * #15 in Chromium: a stack brought up by hand with docker-compose 1.29 from the guide is found in
 * Settings → "Adopt a stack that already runs", adopted after its name is typed, and its secrets
 * land in the keychain exactly as the guide's .env has them.
 */
const api = new Docker()
const project = testProject()
const network = `${project}-proxy`
const root = mkdtempSync(join(tmpdir(), 'gh-e2e-adopt-'))
const folder = join(root, 'authentik')
const serverImage = `${project}/server:2025.6.3`
const PG_PASS = 'e2e+Pg/Pass0123456789abcdefghijklmnopqrstuvwxyzABCDEF+/=='
const keychainService = `gatehouse-e2e-adopt-${process.pid}`
let host: ServeHost

test.beforeAll(async () => {
  const stand = await ensureFakeStackImage(api)
  await api.getImage(stand).tag({ repo: `${project}/server`, tag: '2025.6.3' })
  writeGuideStack(folder, {
    stand,
    serverImage,
    network,
    pgPass: PG_PASS,
    secretKey: 'e2e+Secret/Key0123456789abcdefghijklmnopqrstuvwxyz+/==',
    smtpPass: 'mail+pw/1',
  })
  await api.createNetwork({ Name: network })
  execFileSync('docker-compose', ['-p', project, 'up', '-d'], { cwd: folder, stdio: 'pipe' })
  host = await startServeHost({ keychainService, env: { GATEHOUSE_TRAEFIK_NETWORK: network } })
})

test.afterAll(async () => {
  await host?.stop()
  await removeProjectResources(api, project)
  await removeTestNetwork(api, network)
  await api
    .getImage(serverImage)
    .remove()
    .catch(() => undefined)
  rmSync(root, { recursive: true, force: true })
})

test('Settings: find the hand-made stack, adopt it after typing its name', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 })
  await page.goto(host.url)
  await page.getByTestId('nav-settings').click()
  const card = page.getByTestId('adopt-card')
  await card.getByTestId('adopt-look').click()
  const found = card.getByTestId(`adopt-stack-${project}`)
  await expect(found).toContainText('Authentik 2025.6.3')
  await expect(found).toContainText(folder)
  await expect(found).toContainText('postgresPassword')
  await expect(found).not.toContainText(PG_PASS)
  await found.scrollIntoViewIfNeeded()
  await page.screenshot({ path: 'test-results/adopt-found-1440.png' })
  await page.setViewportSize({ width: 1024, height: 700 })
  await found.scrollIntoViewIfNeeded()
  await page.screenshot({ path: 'test-results/adopt-found-1024.png' })

  await card.getByTestId(`adopt-${project}`).click()
  const dialog = page.getByTestId('adopt-dialog')
  await expect(dialog).toBeVisible()
  await dialog.getByTestId('adopt-confirm').locator('input').fill(project)
  await dialog.getByTestId('adopt-confirm-button').click()
  await expect(page.getByText(`Adopted ${project} (Authentik 2025.6.3)`)).toBeVisible()

  const settings = (await invoke(host, 'settings.get', {})) as { project: string } | null
  expect(settings?.project).toBe(project)
  const stored = execFileSync('secret-tool', [
    'lookup',
    'service',
    keychainService,
    'username',
    'postgresPassword',
  ]).toString()
  expect(stored).toBe(PG_PASS)
})
