/**
 * One keychain read per secret per contract call: a recipe plan makes many requests to Authentik,
 * each asking for the API token; the composition root reads each secret once per call (and again
 * on the next call, so a token changed in between is used).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createMemoryStore, type SecretStore } from '../../src/main/secrets/store'
import {
  startGatehouseAgainstFake,
  type GatehouseAgainstFake,
} from '../support/gatehouse-against-fake'

const TOKEN = 'K'.repeat(60)

/** The in-memory store, counting every read by secret name. */
function countingStore(): SecretStore & { reads: Map<string, number> } {
  const inner = createMemoryStore({ bootstrapToken: TOKEN })
  const reads = new Map<string, number>()
  return {
    ...inner,
    reads,
    get: (name) => {
      reads.set(name, (reads.get(name) ?? 0) + 1)
      return inner.get(name)
    },
  }
}

describe('keychain reads per call', () => {
  let g: GatehouseAgainstFake
  let store: ReturnType<typeof countingStore>

  beforeAll(async () => {
    store = countingStore()
    g = await startGatehouseAgainstFake({
      fake: { version: '2026.8.3', bootstrapToken: TOKEN },
      secrets: store,
      name: 'keychain-reads',
    })
  })
  afterAll(async () => {
    expect(await g.close()).toEqual([])
  })

  test('a recipe plan of many requests reads each token once; the next call reads afresh', async () => {
    store.reads.clear()
    const before = g.fake.state.requestLog.length
    const plan = await g.client.recipes.plan({ id: 'r7' })
    expect(plan.steps.length).toBeGreaterThan(1)
    const requests = g.fake.state.requestLog.length - before
    expect(requests).toBeGreaterThan(3)
    // Gatehouse's own token first (absent before R1), then the bootstrap token: once each.
    expect(Object.fromEntries(store.reads)).toEqual({ gatehouseApiToken: 1, bootstrapToken: 1 })

    store.reads.clear()
    await g.client.users.list({})
    expect(Object.fromEntries(store.reads)).toEqual({ gatehouseApiToken: 1, bootstrapToken: 1 })
  })

  test('each call reads afresh, so a secret changed between calls is seen', async () => {
    await g.client.secrets.setSmtpPassword({ password: 'first-password' })
    store.reads.clear()
    const revealed = await g.client.secrets.reveal({ name: 'smtpPassword' })
    expect(revealed.value).toBe('first-password')
    await g.client.secrets.setSmtpPassword({ password: 'second-password' })
    expect((await g.client.secrets.reveal({ name: 'smtpPassword' })).value).toBe('second-password')
    expect(store.reads.get('smtpPassword')).toBe(2)
  })
})
