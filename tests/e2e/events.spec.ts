/// <reference lib="dom" />
import { expect, test } from '@playwright/test'
import { recordEvent } from '../fakes/authentik/events'
import { startFakeAuthentik, type FakeAuthentik } from '../fakes/authentik/server'
import { connectServeHostToAuthentik, startServeHost, type ServeHost } from '../support/serve-host'

/** The Events panel in Chromium against the schema-checked fake (2026.8.3) with a night of events. */
test.describe.configure({ timeout: 90_000 })

const TOKEN = 'e2e-events-token-0123456789abcdefghijklmnopqrstuvwxyz012'
let fake: FakeAuthentik
let host: ServeHost
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString()

test.beforeAll(async () => {
  fake = await startFakeAuthentik({ version: '2026.8.3', bootstrapToken: TOKEN })
  for (let i = 0; i < 5; i++) {
    recordEvent(fake.state, {
      action: 'login_failed',
      username: 'admin',
      clientIp: '203.0.113.7',
      created: minutesAgo(480 - i),
    })
  }
  recordEvent(fake.state, {
    action: 'login',
    username: 'alice',
    clientIp: '192.0.2.5',
    created: minutesAgo(60),
  })
  fake.state.events.sort((a, b) => String(a.created).localeCompare(String(b.created)))
  host = await startServeHost()
  await connectServeHostToAuthentik(host, { url: fake.url, token: TOKEN })
})

test.afterAll(async () => {
  await host?.stop()
  const violations = fake ? [...fake.schemaViolations] : []
  await fake?.close()
  expect(violations).toEqual([])
})

test('who tried to get in last night: the burst is marked, filters work, new events arrive live', async ({
  page,
}) => {
  await page.goto(host.url)
  await page.getByTestId('nav-events').click()
  const table = page.getByTestId('events-table')
  await expect(table.locator('tr.burst')).toHaveCount(5)
  await expect(table).toContainText('203.0.113.7')

  await page.getByTestId('events-user').locator('input').fill('alice')
  await expect(table.locator('tbody tr')).toHaveCount(1)
  await expect(table).toContainText('192.0.2.5')

  // Live: a new login of alice's appears without a reload.
  recordEvent(fake.state, { action: 'login', username: 'alice', clientIp: '198.51.100.4' })
  await expect(table).toContainText('198.51.100.4', { timeout: 20_000 })
  await expect(table.locator('tbody tr')).toHaveCount(2)
})
