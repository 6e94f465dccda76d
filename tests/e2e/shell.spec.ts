import { expect, request, test, type Page } from '@playwright/test'
import { mkdirSync } from 'node:fs'
import { engineVersionFromDockerCli } from '../support/docker-cli'

const url = () => {
  const value = process.env.GATEHOUSE_URL
  if (!value) throw new Error('global setup did not start the browser host')
  return value
}

const panels = [
  ['dashboard', 'Dashboard'],
  ['users', 'Users'],
  ['groups', 'Groups'],
  ['flows', 'Flows'],
  ['invitations', 'Invitations'],
  ['events', 'Events'],
  ['logs', 'Logs'],
  ['integrations', 'Integrations'],
  ['setup', 'Setup'],
  ['settings', 'Settings'],
] as const

async function open(page: Page) {
  await page.goto(url())
  await expect(page.getByTestId('sidebar')).toBeVisible()
}

test('the shell loads with every panel in the sidebar and no token left in the address', async ({
  page,
}) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(String(e)))
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  await open(page)
  expect(page.url()).not.toContain('token=')
  for (const [name, title] of panels)
    await expect(page.getByTestId(`nav-${name}`)).toHaveText(title)
  await expect(page.getByTestId('panel-title')).toHaveText('Dashboard')
  expect(errors).toEqual([])
})

test('navigation reaches every panel, each one built', async ({ page }) => {
  await open(page)
  for (const [name, title] of panels) {
    await page.getByTestId(`nav-${name}`).click()
    await expect(page.getByTestId('panel-title')).toHaveText(title)
    // The sidebar marks where the admin is.
    await expect(page.locator('.n-menu-item-content--selected')).toHaveText(title)
    // Every panel is built now: none may fall back to the "not built yet" placeholder.
    await expect(page.getByTestId('planned-panel')).toHaveCount(0)
  }
  await page.goBack()
  await expect(page.getByTestId('panel-title')).toHaveText('Setup')
})

test('the Docker indicator shows the real engine version', async ({ page }) => {
  await open(page)
  const indicator = page.getByTestId('docker-indicator')
  await expect(indicator).toHaveAttribute('data-state', 'up')
  await expect(indicator).toHaveText(`Docker ${engineVersionFromDockerCli()}`)
})

test('the keychain indicator shows the real Secret Service', async ({ page }) => {
  await open(page)
  await expect(page.getByTestId('keychain-indicator')).toHaveAttribute('data-state', 'up')
})

test('the About dialog shows app.info', async ({ page }) => {
  await open(page)
  await page.getByTestId('about-button').click()
  await expect(page.getByTestId('about-version')).toHaveText(/^\d+\.\d+\.\d+/)
  await expect(page.getByTestId('about-data-dir')).toHaveText(process.env.GATEHOUSE_E2E_DATA_DIR!)
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('about-version')).toBeHidden()
})

test('a request without the token gets 401', async () => {
  const origin = new URL(url()).origin
  const anonymous = await request.newContext()
  expect((await anonymous.get(origin + '/')).status()).toBe(401)
  const invoke = await anonymous.post(origin + '/api/invoke', {
    data: { method: 'docker.ping', input: {} },
  })
  expect(invoke.status()).toBe(401)
  await anonymous.dispose()
})

for (const scheme of ['light', 'dark'] as const) {
  test(`screenshots of every panel in the ${scheme} theme`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme })
    await open(page)
    await expect(page.getByTestId('docker-indicator')).toHaveAttribute('data-state', 'up')
    mkdirSync('test-results/screenshots', { recursive: true })
    for (const [name] of panels) {
      await page.getByTestId(`nav-${name}`).click()
      await expect(page.getByTestId('panel-title')).toBeVisible()
      await page.mouse.move(640, 790)
      await page.screenshot({
        path: `test-results/screenshots/${name}-${scheme}.png`,
        animations: 'disabled',
      })
    }
  })
}
