/// <reference lib="dom" />
import { expect, test } from '@playwright/test'
import { startServeHost, type ServeHost } from '../support/serve-host'

/** The Logs panel's empty states: it names what is missing instead of showing nothing. */
test.describe.configure({ timeout: 90_000 })

let down: ServeHost
let fresh: ServeHost

test.beforeAll(async () => {
  // An engine that is not there: a socket path nothing listens on.
  down = await startServeHost({ env: { DOCKER_HOST: 'unix:///nonexistent/gatehouse-e2e.sock' } })
  fresh = await startServeHost()
})
test.afterAll(async () => {
  await down?.stop()
  await fresh?.stop()
})

test('engine unreachable: the Logs panel says logs need the Docker engine and how to fix it', async ({
  page,
}) => {
  await page.goto(down.url)
  await page.getByTestId('nav-logs').click()
  const empty = page.getByTestId('logs-empty-engine')
  await expect(empty).toContainText('Logs need the Docker engine', { timeout: 30_000 })
  await expect(empty).toContainText('DOCKER_HOST')
})

test('engine up, no stack yet: the Logs panel says to set the stack up first', async ({ page }) => {
  await page.goto(fresh.url)
  await page.getByTestId('nav-logs').click()
  await expect(page.getByTestId('logs-empty-stack')).toContainText('No stack yet', {
    timeout: 30_000,
  })
})
