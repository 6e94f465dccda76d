import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { noHostSecrets, sharedSshConnection } from '../../src/main/ssh/pool'
import { GatehouseError } from '../../src/shared/errors'
import { caught } from '../support/caught'
import {
  startGatehouseAgainstFake,
  type GatehouseAgainstFake,
} from '../support/gatehouse-against-fake'
import { startTestSshd, type TestSshd } from '../support/sshd'
import { newestVersion } from '../support/versions'

/**
 * #15: the admin's computer cannot reach https://auth.<domain> yet (first start, split DNS), the
 * stack publishes Authentik's setup port on the NAS's own 127.0.0.1:9000, and the Docker host is
 * the NAS over SSH. Gatehouse then calls Authentik's API through a forward on the same SSH
 * connection and says so in the status. The test sshd is the NAS; the schema-checked fake listens
 * on 127.0.0.1:9000 as the published port would.
 */
const BOOTSTRAP = 'ssh-tunnel-bootstrap-token-0123456789abcdefghij'
let sshd: TestSshd
let g: GatehouseAgainstFake

beforeAll(async () => {
  sshd = await startTestSshd()
  g = await startGatehouseAgainstFake({
    fake: { version: newestVersion, bootstrapToken: BOOTSTRAP, port: 9000, host: '127.0.0.1' },
    settings: {
      authentikUrl: undefined,
      publishSetupPort: true,
      docker: {
        kind: 'ssh',
        ssh: {
          address: `ssh://${sshd.user}@${sshd.host}:${sshd.port}`,
          auth: 'generated',
          hostKey: sshd.fingerprint,
        },
      },
    },
  })
  await g.secrets.set('host:sshPrivateKey', readFileSync(sshd.keyPath, 'utf8'))
}, 60_000)

afterAll(async () => {
  const violations = await g?.close()
  await sshd?.dispose()
  expect(violations ?? []).toEqual([])
})

test('the API goes through an SSH tunnel to the NAS’s 127.0.0.1:9000, and the status says so', async () => {
  const status = await g.client.authentik.status()
  expect(status).toMatchObject({ reachable: true, version: newestVersion, tokenAccepted: true })
  expect(status.via).toBe(
    `SSH tunnel to ${sshd.user}@${sshd.host}:${sshd.port}, 127.0.0.1:9000 there`,
  )
  // The address Gatehouse calls is the tunnel's local end, not 9000 itself.
  expect(status.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  expect(status.baseUrl).not.toBe('http://127.0.0.1:9000')

  const users = await g.client.users.list({ search: 'akadmin' })
  expect(users.results.map((u) => u.username)).toContain('akadmin')
  const plan = await g.client.recipes.plan({ id: 'r7' })
  expect(plan.steps.length).toBeGreaterThan(0)

  const ssh = (await g.client.settings.get())?.docker.ssh
  if (!ssh) throw new Error('no ssh settings')
  const connection = await sharedSshConnection(ssh, noHostSecrets)
  // One login to the NAS; every API call was a channel on it.
  expect(connection.stats.handshakes).toBe(1)
  expect(connection.stats.channels).toBeGreaterThan(3)
})

test('with the NAS unreachable, the status says why instead of pretending', async () => {
  await sshd.kill()
  try {
    const status = await g.client.authentik.status()
    expect(status.reachable).toBe(false)
    const waited = await caught(g.client.authentik.waitReady({ timeoutMs: 3000 }))
    expect(waited).toBeInstanceOf(GatehouseError)
  } finally {
    await sshd.start()
  }
})
