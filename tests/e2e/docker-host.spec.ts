import AxeBuilder from '@axe-core/playwright'
import { expect, test } from '@playwright/test'
import { join } from 'node:path'
import { createKeychainStore } from '../../src/main/secrets/store'
import { engineVersionFromDockerCli } from '../support/docker-cli'
import { sampleSettings } from '../support/sample-settings'
import { invoke, startServeHost, type ServeHost } from '../support/serve-host'
import { startTestSshd, type TestSshd } from '../support/sshd'

/**
 * Settings → Docker host in Chromium (#15): the NAS over SSH against a real sshd — the host key's
 * fingerprint shown and accepted, Gatehouse's own key pair made and its authorized_keys line
 * shown, "Test connection" with engine version, OS, architecture and free disk, then saved.
 */

let sshd: TestSshd
let host: ServeHost

test.beforeAll(async () => {
  sshd = await startTestSshd()
  host = await startServeHost()
  await invoke(host, 'settings.save', sampleSettings(join(sshd.scratch, 'authentik')))
})

test.afterAll(async () => {
  if (host) {
    await createKeychainStore({ service: host.keychainService })
      .delete('host:sshPrivateKey')
      .catch(() => false)
    await host.stop()
  }
  await sshd?.dispose()
})

test('Docker host over SSH: accept the host key, log in with a generated key, test, save', async ({
  page,
}) => {
  await page.goto(host.url)
  await page.getByTestId('nav-settings').click()
  const card = page.getByTestId('docker-host-card')
  await card.getByTestId('kind-ssh').click()
  const address = `ssh://${sshd.user}@${sshd.host}:${sshd.port}`
  await card.getByTestId('ssh-address').locator('input').fill(address)

  await card.getByTestId('ssh-check-key').click()
  await expect(card.getByTestId('ssh-fingerprint')).toHaveText(sshd.fingerprint)
  // Not trusted before the admin accepts it.
  await expect(card.getByTestId('ssh-trusted-key')).toHaveCount(0)
  await card.getByTestId('ssh-accept-key').click()
  await expect(card.getByTestId('ssh-trusted-key')).toContainText(sshd.fingerprint)

  await card.getByTestId('auth-generated').click()
  await card.getByTestId('ssh-generate').click()
  const line = card.getByTestId('ssh-authorized-line')
  await expect(line).toHaveText(/^ssh-ed25519 AAAA\S+ gatehouse@/)
  sshd.authorize((await line.textContent()) ?? '')

  await card.getByTestId('docker-host-test').click()
  const result = card.getByTestId('docker-host-result')
  await expect(result).toContainText(engineVersionFromDockerCli(), { timeout: 30_000 })
  await expect(result).toContainText('linux /')
  await expect(result).toContainText(address)
  await expect(card.getByTestId('docker-host-free')).toHaveText(/^\d+\.\d GiB$/)

  // The card with every SSH part shown passes axe (WCAG 2 A/AA). Naive UI's card header is a
  // role="heading" without aria-level on every card of the app (aria-required-attr): the shell's
  // concern (#18), left out here so this check is about the card's own content.
  const axe = await new AxeBuilder({ page })
    .include('[data-testid="docker-host-card"]')
    .exclude('[data-testid="docker-host-card"] > .n-card-header')
    .withTags(['wcag2a', 'wcag2aa'])
    .analyze()
  expect(
    axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
  ).toEqual([])

  await card.getByTestId('docker-host-save').click()
  await expect(card.getByTestId('docker-host-error')).toHaveCount(0)
  await expect
    .poll(async () => (await invoke(host, 'settings.get', {}))?.docker)
    .toMatchObject({
      kind: 'ssh',
      ssh: { address, auth: 'generated', hostKey: sshd.fingerprint },
    })
  // From now on the app's engine is the one over SSH.
  expect((await invoke(host, 'docker.ping', {})).endpoint).toBe(address)
})
