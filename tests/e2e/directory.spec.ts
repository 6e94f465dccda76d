/// <reference lib="dom" />
import { expect, test, type Page } from '@playwright/test'
import { startFakeAuthentik, type FakeAuthentik } from '../fakes/authentik/server'
import { connectServeHostToAuthentik, startServeHost, type ServeHost } from '../support/serve-host'

/**
 * The directory panels in Chromium against a browser host of their own, whose Authentik is the
 * schema-checked fake running in this process (2026.8.3) with 10 000 extra users.
 */
// 10 000 users make every list call of the fake slower than a real server's; room for that.
test.describe.configure({ timeout: 90_000 })

const TOKEN = 'e2e-directory-token-0123456789abcdefghijklmnopqrstuvwxyz'
let fake: FakeAuthentik
let host: ServeHost
let lastUsername: string

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${fake.url}/api/v3${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  if (response.status >= 400) throw new Error(`${method} ${path}: ${await response.text()}`)
  return (await response.json()) as T
}

test.beforeAll(async () => {
  fake = await startFakeAuthentik({ version: '2026.8.3', bootstrapToken: TOKEN })
  // An invitation-only enrollment flow, as R8 builds it.
  const stage = await api<{ pk: string }>('POST', '/stages/invitation/stages/', {
    name: 'enrollment-invitation',
    continue_flow_without_invitation: false,
  })
  const flow = await api<{ pk: string }>('POST', '/flows/instances/', {
    name: 'Enrollment Invitation',
    title: 'Enrollment Invitation',
    slug: 'enrollment-invitation',
    designation: 'enrollment',
  })
  await api('POST', '/flows/bindings/', { target: flow.pk, stage: stage.pk, order: 10 })
  fake.state.seedUsers(10_000)
  lastUsername = [...fake.state.users.values()]
    .map((u) => u.username)
    .filter((u) => u !== 'AnonymousUser')
    .sort()
    .at(-1)!
  host = await startServeHost()
  await connectServeHostToAuthentik(host, { url: fake.url, token: TOKEN })
})

test.afterAll(async () => {
  await host?.stop()
  const violations = fake ? [...fake.schemaViolations] : []
  await fake?.close()
  expect(violations).toEqual([])
})

async function open(page: Page, panel: string) {
  await page.goto(host.url)
  await expect(page.getByTestId('sidebar')).toBeVisible()
  await page.getByTestId(`nav-${panel}`).click()
}

async function choose(page: Page, testid: string, text: string, search?: string) {
  await page.getByTestId(testid).click()
  if (search) await page.keyboard.type(search)
  await page.locator('.n-base-select-option', { hasText: text }).first().click()
}

test('create a user and add it to a group', async ({ page }) => {
  await open(page, 'groups')
  await page.getByTestId('group-new').click()
  await page.getByTestId('group-name').locator('input').fill('e2e-family')
  await page.getByTestId('group-attributes').locator('textarea').fill('quota: [1, 2\n')
  await expect(page.getByTestId('group-form')).toContainText('Line 2, column 1')
  await page.getByTestId('group-attributes').locator('textarea').fill('quota: 10\n')
  await page.getByTestId('group-save').click()
  await expect(page.getByTestId('group-form')).toBeHidden()

  await page.getByTestId('nav-users').click()
  await expect(page.getByTestId('users-table-row').first()).toBeVisible()
  await page.getByTestId('user-new').click()
  await page.getByTestId('user-username').locator('input').fill('erin')
  await page.getByTestId('user-name').locator('input').fill('Erin Example')
  await page.getByTestId('user-email').locator('input').fill('erin@example.test')
  await page.getByTestId('user-save').click()
  await expect(page.getByTestId('user-form')).toBeHidden()
  expect(fake.state.userByUsername('erin')?.email).toBe('erin@example.test')

  // Authentik's own field error lands next to the field.
  await page.getByTestId('user-new').click()
  await page.getByTestId('user-username').locator('input').fill('erin')
  await page.getByTestId('user-name').locator('input').fill('Erin Again')
  await page.getByTestId('user-save').click()
  await expect(page.getByTestId('user-form').locator('.n-form-item-feedback')).toContainText(
    'already exists',
  )
  await page.keyboard.press('Escape')

  await page.getByTestId('users-search').locator('input').fill('erin')
  await expect(page.getByTestId('users-table-count')).toHaveText('1 item')
  await page.getByTestId('user-actions-erin').click()
  await page.locator('.n-dropdown-option', { hasText: 'Groups…' }).click()
  await choose(page, 'user-group-select', 'e2e-family', 'e2e')
  await page.getByTestId('user-group-add').click()
  await expect(page.getByTestId('user-group-tag')).toHaveText(['e2e-family'])
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('users-table-row').first()).toContainText('e2e-family')
  const erin = fake.state.userByUsername('erin')!
  expect(fake.state.groupsOf(erin.pk).map((g) => g.name)).toEqual(['e2e-family'])
})

test('create an invitation: copy the exact link, see the QR code, revoke it', async ({
  page,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.origin })
  await open(page, 'invitations')
  await choose(page, 'invitation-flow', 'enrollment-invitation')
  await page.getByTestId('invitation-name-input').locator('input').fill('for-grandma')
  await page.getByTestId('invitation-email').locator('input').fill('grandma@example.test')
  await page.getByTestId('invitation-create').click()
  await expect(page.getByTestId('invitation-link')).toBeVisible()

  const invitation = [...fake.state.all('invitations')].find((i) => i.name === 'for-grandma')!
  const expected = `https://auth.example.test/if/flow/enrollment-invitation/?itoken=${String(invitation.pk)}`
  await expect(page.getByTestId('invitation-link')).toHaveText(expected)
  await page.getByTestId('invitation-copy').click()
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(expected)

  const qr = page.getByTestId('qr-code')
  await expect(qr).toBeVisible()
  const dark = await qr.evaluate((canvas: HTMLCanvasElement) => {
    const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data
    let count = 0
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i]! < 64) count++
    return { count, width: canvas.width, height: canvas.height }
  })
  expect(dark.width).toBeGreaterThan(100)
  expect(dark.count).toBeGreaterThan(1000)

  await page.getByTestId('invitation-revoke-for-grandma').click()
  await page
    .locator('.n-popconfirm')
    .getByRole('button', { name: /confirm|ok|yes/i })
    .click()
  await expect(page.getByTestId('invitation-revoke-for-grandma')).toHaveCount(0)
  expect([...fake.state.all('invitations')].some((i) => i.name === 'for-grandma')).toBe(false)
})

test('the users panel with 10 000 users scrolls to the end', async ({ page }) => {
  await open(page, 'users')
  await expect(page.getByTestId('users-table-count')).toHaveText(/^10,0\d\d items$/)
  const scrollToEnd = () =>
    page.getByTestId('users-table').evaluate((table) => {
      const scrollers = [...table.querySelectorAll<HTMLElement>('*')].filter(
        (el) => el.scrollHeight > el.clientHeight + 40,
      )
      for (const el of scrollers) {
        el.scrollTop = el.scrollHeight
        el.dispatchEvent(new Event('scroll'))
      }
      return scrollers.length
    })
  expect(await scrollToEnd()).toBeGreaterThan(0)
  await expect(async () => {
    await scrollToEnd()
    await expect(
      page.getByTestId('user-username-cell').filter({ hasText: lastUsername }),
    ).toBeVisible({
      timeout: 1000,
    })
  }).toPass({ timeout: 15_000 })
  // Only the rows in view exist in the page, not 10 000.
  expect(await page.getByTestId('users-table-row').count()).toBeLessThan(200)
})
