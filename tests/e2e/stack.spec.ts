import { readFileSync } from 'node:fs'
import { expect, test } from '@playwright/test'

/**
 * The first-run path a NAS admin takes: fill in Settings, click Start, watch the steps tick off,
 * see every service healthy, read the logs, send a test e-mail. Real engine, real keychain.
 */
test.describe.configure({ mode: 'serial' })

const url = () => process.env.GATEHOUSE_URL!
const project = () => process.env.GATEHOUSE_E2E_PROJECT!
const image = () => process.env.GATEHOUSE_E2E_IMAGE!
const authentikImage = () => process.env.GATEHOUSE_E2E_AUTHENTIK_IMAGE!

test('first run: the settings form shows field errors, then saves', async ({ page }) => {
  await page.goto(url())
  await page.getByTestId('nav-dashboard').click()
  await expect(page.getByTestId('stack-unconfigured')).toBeVisible()
  await page.getByTestId('nav-settings').click()
  await expect(page.getByTestId('first-run')).toBeVisible()

  const fill = (id: string, value: string) => page.getByTestId(id).locator('input').fill(value)
  await fill('f-baseDomain', 'https://example.test')
  await fill('f-adminEmail', 'admin@example.test')
  await fill('f-dataFolder', `${process.env.GATEHOUSE_E2E_DATA_DIR}/stack`)
  await fill('f-project', project())
  await fill('f-smtpHost', 'smtp.example.test')
  await fill('f-smtpPort', '70000')
  await fill('f-smtpFrom', 'authentik@example.test')
  await fill('f-smtpPassword', 'mail-password-123')
  await page.getByTestId('advanced').getByText('Advanced').click()
  await fill('f-imagePostgresql', image())
  // The Authentik server is the schema-checked fake, as a container on the real engine.
  await fill('f-imageAuthentik', authentikImage())
  await page.getByTestId('f-publishSetupPort').click()
  await page.getByTestId('settings-save').click()
  // Errors are sentences next to the field, and nothing was lost from the form.
  await expect(page.getByText('Ports run from 1 to 65535.')).toBeVisible()
  await expect(page.getByTestId('f-adminEmail').locator('input')).toHaveValue('admin@example.test')

  await fill('f-baseDomain', 'example.test')
  await fill('f-smtpPort', '587')
  await page.getByTestId('settings-save').click()
  await expect(page.getByText('Settings saved.')).toBeVisible()
  await expect(page.getByTestId('secret-smtpPassword')).toContainText('in keychain')
  await expect(page.getByTestId('secret-postgresPassword')).toContainText(
    'generated at first Start',
  )
})

test('Start: the steps tick off and every service turns healthy', async ({ page }) => {
  await page.goto(url())
  await page.getByTestId('stack-start').click()
  const run = page.getByTestId('stack-run')
  await expect(run).toBeVisible()
  await expect(run).toHaveAttribute('data-state', 'finished', { timeout: 90_000 })
  for (const step of ['network', 'volumes', 'images', 'containers', 'healthy'])
    await expect(page.getByTestId(`step-${step}`)).toHaveAttribute('data-step', 'done')
  for (const service of ['postgresql', 'server', 'worker']) {
    const row = page.getByTestId(`service-${service}`)
    await expect(row).toHaveAttribute('data-state', 'running')
    await expect(row).toHaveAttribute('data-health', 'healthy')
  }
  await expect(page.getByTestId('stack-card')).toContainText('https://auth.example.test')
  // The README's screenshot: the stack just started, its steps and its logs.
  await expect(page.getByTestId('logs-lines')).toContainText('fake service ready')
  await page.mouse.move(640, 790)
  await page.screenshot({ path: 'docs/screenshot.png', animations: 'disabled' })
})

test('logs of every service, with stdout and stderr told apart, searchable', async ({ page }) => {
  await page.goto(url())
  const lines = page.getByTestId('logs-lines')
  // The first load waits for the status and the engine's log tails (slow on a busy CI machine).
  await expect(lines).toContainText('fake service starting', { timeout: 15_000 })
  await expect(lines.locator('[data-stream="stderr"]').first()).toContainText('warning on stderr')
  await page.getByTestId('logs-service').click()
  await page.locator('.n-base-select-option').getByText('server', { exact: true }).click()
  await expect(lines).not.toContainText('fake service')
  await page.getByTestId('logs-service').click()
  await page.locator('.n-base-select-option').getByText('All services').click()
  await page.getByTestId('logs-search').locator('input').fill('service ready')
  await expect(lines).toContainText('fake service ready')
  await expect(lines).not.toContainText('fake service starting')
  // ANSI colours are rendered, never shown as escape codes.
  await expect(lines).not.toContainText('[32m')
  await expect(lines.locator('.fg-green').first()).toBeVisible()
})

test('the Logs panel: the visible lines download as a text file; no error line, no jump', async ({
  page,
}) => {
  await page.goto(url())
  await page.getByTestId('nav-logs').click()
  const lines = page.getByTestId('logs-lines')
  await expect(lines).toContainText('fake service ready', { timeout: 15_000 })
  await page.getByTestId('logs-search').locator('input').fill('service ready')
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('logs-download').click(),
  ])
  expect(download.suggestedFilename()).toBe('gatehouse-logs.txt')
  const text = readFileSync((await download.path())!, 'utf8')
  expect(text).toContain('fake service ready')
  expect(text).not.toContain('starting')
  // The stand-in services print warnings, never an error line.
  await expect(page.getByTestId('logs-first-error')).toBeDisabled()
})

test('the e-mail test shows the worker’s answer', async ({ page }) => {
  await page.goto(url())
  await page.getByTestId('email-to').locator('input').fill('someone@example.test')
  await page.getByTestId('email-test').click()
  await expect(page.getByTestId('email-result')).toContainText(
    'Sent test email to someone@example.test',
  )
})

test('R1 in the Setup panel: Authentik ready, plan, apply, password shown once', async ({
  page,
}) => {
  // Authentik's API answers on the published 127.0.0.1:9000 of the server container, with the
  // bootstrap token Gatehouse generated into the keychain at Start.
  {
    await page.goto(url())
    await page.getByTestId('nav-setup').click()
    await page.getByTestId('authentik-wait').click()
    await expect(page.getByTestId('authentik-version')).toHaveText('Authentik 2026.8.3', {
      timeout: 30_000,
    })
    await expect(page.getByTestId('authentik-indicator')).toHaveAttribute('data-state', 'up')

    await page.getByTestId('r1-username').locator('input').fill('akadmin')
    await page.getByTestId('r1-name').locator('input').fill('Alice Admin')
    await page.getByTestId('r1-email').locator('input').fill('alice@example.test')
    await page.getByTestId('r1-plan').click()
    await expect(page.getByText('Choose a name other than akadmin')).toBeVisible()

    await page.getByTestId('r1-username').locator('input').fill('alice')
    await page.getByTestId('r1-plan').click()
    const steps = page.getByTestId('r1-steps')
    await expect(steps.locator('[data-step="create-user"]')).toHaveAttribute(
      'data-status',
      'planned',
    )
    await expect(steps.locator('[data-step="deactivate-akadmin"]')).toBeVisible()
    await page.getByTestId('r1-apply').click()
    await expect(steps.locator('[data-step="deactivate-akadmin"]')).toHaveAttribute(
      'data-status',
      'done',
    )
    const once = page.getByTestId('r1-password-once')
    await expect(once).toContainText(/[A-Za-z0-9]{24}/)
    const password = (await once.locator('code').textContent())!.trim()
    await expect(page.getByTestId('authentik-card')).toContainText('token: Gatehouse’s own token')
    await expect(page.getByTestId('r1-done')).toBeVisible()

    // Copy puts exactly the password on the clipboard.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: new URL(url()).origin,
    })
    await page.getByTestId('r1-password-copy').click()
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(password)
    // Leaving before saying it is stored asks first; declining keeps the password on screen.
    page.once('dialog', (dialog) => void dialog.dismiss())
    await page.getByTestId('nav-dashboard').click()
    await expect(once).toBeVisible()
    await page.getByTestId('r1-password-stored').click()
    await expect(once).toHaveCount(0)

    await page.getByTestId('r1-plan').click()
    await expect(page.getByTestId('r1-nothing')).toBeVisible()
    // After a reload R1 still says it is done.
    await page.reload()
    await page.getByTestId('nav-setup').click()
    await expect(page.getByTestId('r1-done')).toBeVisible()
  }
})

test('removing the data asks for the stack name', async ({ page }) => {
  await page.goto(url())
  await page.getByTestId('remove-open').click()
  const confirm = page.getByTestId('remove-confirm-button')
  await expect(confirm).toBeDisabled()
  await page.getByTestId('remove-confirm').locator('input').fill('wrong')
  await expect(confirm).toBeDisabled()
  await page.getByTestId('remove-confirm').locator('input').fill(project())
  await expect(confirm).toBeEnabled()
  await confirm.click()
  await expect(page.getByText(/Removed 3 containers and volumes/)).toBeVisible({ timeout: 30_000 })
  await expect(page.getByTestId('service-server')).toHaveAttribute('data-state', 'missing')
})
