/// <reference lib="dom" />
import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startFakeAuthentik, type FakeAuthentik } from '../fakes/authentik/server'
import { connectServeHostToAuthentik, startServeHost, type ServeHost } from '../support/serve-host'

/**
 * The layout tour of issue #18: every panel at 1440×900 and 1024×700, light and dark, against
 * the fake Authentik holding users with long names and many groups. Asserts what an admin would
 * notice (a table wider than its box, row actions off screen, raw error codes) and runs axe;
 * the screenshots land in .test-output/screens/ to be looked at.
 */
test.describe.configure({ timeout: 240_000 })

const TOKEN = 'e2e-layout-token-0123456789abcdefghijklmnopqrstuvwxyz'
const screens = join(import.meta.dirname, '..', '..', '.test-output', 'screens')
const panels = [
  'dashboard',
  'setup',
  'users',
  'groups',
  'flows',
  'invitations',
  'integrations',
  'events',
  'logs',
  'settings',
]
const sizes = [
  { width: 1440, height: 900 },
  { width: 1024, height: 700 },
]
const themes = ['light', 'dark'] as const

let fake: FakeAuthentik
let fakeClosed = false
let host: ServeHost

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
  const groups: string[] = []
  for (let i = 0; i < 12; i++) {
    const g = await api<{ pk: string }>('POST', '/core/groups/', {
      name: `household-members-with-a-long-group-name-${i}`,
    })
    groups.push(g.pk)
  }
  for (let i = 0; i < 5; i++) {
    await api('POST', '/core/users/', {
      username: `a-very-long-username-of-a-family-member-${i}`,
      name: `Maximiliane Theodora von Habsburg-Lothringen ${i}`,
      email: `maximiliane.theodora.${i}@an-unusually-long-domain-name.example.com`,
      groups,
    })
  }
  const flow = await api<{ pk: string }>('POST', '/flows/instances/', {
    name: 'Enrollment Invitation',
    title: 'Enrollment Invitation',
    slug: 'enrollment-invitation',
    designation: 'enrollment',
  })
  for (let i = 0; i < 3; i++) {
    await api('POST', '/stages/invitation/invitations/', {
      name: `invitation-for-a-relative-with-a-long-name-${i}`,
      flow: flow.pk,
      single_use: true,
    })
  }
  host = await startServeHost()
  await connectServeHostToAuthentik(host, { url: fake.url, token: TOKEN })
  mkdirSync(screens, { recursive: true })
})

test.afterAll(async () => {
  await host?.stop()
  const violations = fake ? [...fake.schemaViolations] : []
  if (!fakeClosed) await fake?.close()
  expect(violations).toEqual([])
})

/** Elements of the panel that stick out of the content box, and raw error codes on screen. */
async function defects(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = []
    const content = document.querySelector('.content') as HTMLElement | null
    const box = (content ?? document.body).getBoundingClientRect()
    for (const el of document.querySelectorAll<HTMLElement>('[data-testid$="-table"]')) {
      const r = el.getBoundingClientRect()
      if (r.width > 0 && r.right > box.right + 1)
        found.push(`${el.dataset.testid} ends at ${Math.round(r.right)} > ${Math.round(box.right)}`)
    }
    // Every row's last cell (the actions) is inside the window.
    for (const row of document.querySelectorAll<HTMLElement>('[data-testid$="-table-row"]')) {
      const last = row.lastElementChild?.getBoundingClientRect()
      if (last && last.right > window.innerWidth + 1)
        found.push(`${row.dataset.testid} actions end at ${Math.round(last.right)}`)
    }
    if (document.documentElement.scrollWidth > window.innerWidth + 1)
      found.push(`page is ${document.documentElement.scrollWidth} px wide`)
    const raw = /\b[A-Z][A-Z_]{5,}\b/.exec(document.body.innerText.replace(/\bHTTP\b/g, ''))
    if (raw && raw[0].includes('_')) found.push(`raw code on screen: ${raw[0]}`)
    return found
  })
}

for (const theme of themes) {
  test(`every panel at both sizes, ${theme}`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: theme })
    const report: Record<string, { defects: string[]; axe: string[] }> = {}
    for (const size of sizes) {
      await page.setViewportSize(size)
      await page.goto(host.url)
      await expect(page.getByTestId('sidebar')).toBeVisible()
      for (const panel of panels) {
        await page.getByTestId(`nav-${panel}`).click()
        await page.waitForLoadState('networkidle')
        if (panel === 'users' || panel === 'invitations')
          await expect(page.getByTestId(`${panel}-table-row`).first()).toBeVisible()
        await page.waitForTimeout(300)
        const name = `${panel}-${size.width}-${theme}`
        await page.screenshot({ path: join(screens, `${name}.png`) })
        const axe = await new AxeBuilder({ page }).analyze()
        report[name] = {
          defects: await defects(page),
          axe: axe.violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => `${v.id} (${v.nodes.length}): ${v.nodes[0]?.target.join(' ')}`),
        }
      }
      writeFileSync(join(screens, `report-${theme}.json`), JSON.stringify(report, null, 2))
      // The last action of the last user row is on screen and opens its menu.
      await page.getByTestId('nav-users').click()
      const menu = page.locator('[data-testid^="user-actions-a-very-long-username"]').last()
      await expect(menu).toBeInViewport()
      await menu.click()
      await expect(page.locator('.n-dropdown-option', { hasText: 'Delete' })).toBeVisible()
      await page.keyboard.press('Escape')
      await page.getByTestId('nav-invitations').click()
      const revoke = page.getByTestId('invitations-table').getByRole('button', { name: 'Revoke' })
      await revoke.first().scrollIntoViewIfNeeded()
      await expect(revoke.first()).toBeInViewport()
    }
    const layout = Object.entries(report).flatMap(([k, v]) => v.defects.map((d) => `${k}: ${d}`))
    expect(layout).toEqual([])
  })
}

// Last: it stops the fake the others use.
test('the Authentik indicator turns red within 10 s of Authentik going away', async ({ page }) => {
  await page.goto(host.url)
  const indicator = page.getByTestId('authentik-indicator')
  await expect(indicator).toHaveAttribute('data-state', 'up')
  await expect(indicator).toContainText('Authentik 2026.8.3')
  fakeClosed = true
  await fake.close()
  await expect(indicator).toHaveAttribute('data-state', 'down', { timeout: 10_000 })
  await expect(indicator).toContainText('not reachable')
  await expect(indicator.locator('.dot')).toHaveClass(/red/)
})
