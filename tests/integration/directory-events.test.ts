import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createKeychainStore } from '../../src/main/secrets/store'
import { hasFeature } from '../../src/shared/authentik-releases'
import { caught } from '../support/caught'
import { recordEvent } from '../fakes/authentik/events'
import {
  BOOTSTRAP_TOKEN,
  startDirectoryHarness,
  type DirectoryHarness,
} from '../support/directory-harness'
import { describeVersions, edgeVersions } from '../support/versions'

const bin = join(import.meta.dirname, '..', '..', 'bin', 'gatehouse.mjs')
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString()

/** The Events panel's data, through the contract, against the oldest and newest release. */
describeVersions('events against Authentik %s', edgeVersions, (version) => {
  let h: DirectoryHarness

  beforeAll(async () => {
    h = await startDirectoryHarness(version)
    const s = h.fake.state
    // Last night: a guessing run from one address (6 failures in 5 minutes), one lone typo.
    for (let i = 0; i < 6; i++) {
      recordEvent(s, {
        action: 'login_failed',
        username: `guess${i}`,
        clientIp: '203.0.113.9',
        created: minutesAgo(600 - i),
      })
    }
    recordEvent(s, {
      action: 'login_failed',
      username: 'alice',
      clientIp: '192.0.2.5',
      created: minutesAgo(300),
    })
    recordEvent(s, {
      action: 'login',
      username: 'alice',
      clientIp: '192.0.2.5',
      app: 'jellyfin',
      created: minutesAgo(299),
    })
    recordEvent(s, {
      action: 'login',
      username: 'bob',
      clientIp: '192.0.2.6',
      app: 'grafana',
      created: minutesAgo(200),
    })
    // Sort order is by `created`: keep the seeded history strictly in the past.
    s.events.sort((a, b) => String(a.created).localeCompare(String(b.created)))
  })
  afterAll(async () => {
    expect(await h.close()).toEqual([])
  })

  test('a write through the API is an event (model_created), newest first', async () => {
    await h.api('POST', '/core/groups/', { name: 'events-family' })
    const page = await h.client.events.list({ actions: ['model_created'] })
    expect(page.results[0]).toMatchObject({ action: 'model_created', subject: 'group' })
    const all = await h.client.events.list({})
    const times = all.results.map((r) => r.created)
    expect(times).toEqual([...times].sort().reverse())
  })

  test('setting a password is a password_set event for that user', async () => {
    const user = await h.client.users.create({ username: 'events-pw', name: 'Events PW' })
    await h.client.users.setPassword({ pk: user.pk, password: 'correct horse battery' })
    const page = await h.client.events.list({ actions: ['password_set'] })
    expect(page.results.map((r) => r.username)).toEqual(['events-pw'])
  })

  test('who tried to get in last night: failed logins, bursts marked, the lone typo not', async () => {
    const page = await h.client.events.list({ actions: ['login_failed'] })
    expect(page.count).toBe(7)
    const burst = page.results.filter((r) => r.burst)
    expect(burst).toHaveLength(6)
    expect(new Set(burst.map((r) => r.client_ip))).toEqual(new Set(['203.0.113.9']))
    expect(page.results.find((r) => r.username === 'alice')?.burst).toBe(false)
  })

  test('filters by user, client IP and application are applied by the server', async () => {
    const alice = await h.client.events.list({ username: 'alice' })
    expect(alice.results.map((r) => r.action)).toEqual(['login', 'login_failed'])
    const ip = await h.client.events.list({ client_ip: '192.0.2.6' })
    expect(ip.results.map((r) => r.username)).toEqual(['bob'])
    const app = await h.client.events.list({ application: 'jellyfin' })
    expect(app.results).toHaveLength(1)
    expect(app.results[0]).toMatchObject({ username: 'alice', application: 'jellyfin' })
  })

  test('server-side paging: count is the total, pages do not overlap', async () => {
    const first = await h.client.events.list({ actions: ['login_failed'], page_size: 3 })
    expect(first.count).toBe(7)
    expect(first.next).toBe(2)
    const third = await h.client.events.list({ actions: ['login_failed'], page_size: 3, page: 3 })
    expect(third.results).toHaveLength(1)
    expect(third.next).toBe(0)
    expect(third.cursor).toBeNull()
  })

  test('several actions at once: from 2025.8 by the server, before that refused with the reason', async () => {
    if (hasFeature(version, 'eventActionsFilter')) {
      const both = await h.client.events.list({ actions: ['login_failed', 'login'] })
      expect(both.count).toBe(9)
    } else {
      const error = await caught(h.client.events.list({ actions: ['login_failed', 'login'] }))
      expect(error).toMatchObject({ code: 'AUTHENTIK_FEATURE_MISSING' })
      expect(error.hint).toMatch(/one action/)
    }
  })

  test('the live feed returns only what is new, each event once, ties on the timestamp included', async () => {
    const top = await h.client.events.list({ actions: ['login'] })
    let cursor = top.cursor
    expect(cursor).not.toBeNull()
    expect((await h.client.events.poll({ actions: ['login'], cursor })).results).toEqual([])

    const at = new Date().toISOString()
    recordEvent(h.fake.state, { action: 'login', username: 'carol', created: at })
    recordEvent(h.fake.state, { action: 'login', username: 'dave', created: at })
    recordEvent(h.fake.state, { action: 'model_created', username: 'carol', created: at })
    const first = await h.client.events.poll({ actions: ['login'], cursor })
    expect(first.results.map((r) => r.username).sort()).toEqual(['carol', 'dave'])
    expect(first.truncated).toBe(false)
    cursor = first.cursor

    recordEvent(h.fake.state, { action: 'login', username: 'erin', created: at })
    const second = await h.client.events.poll({ actions: ['login'], cursor })
    expect(second.results.map((r) => r.username)).toEqual(['erin'])
    const third = await h.client.events.poll({
      actions: ['login'],
      cursor: second.cursor,
    })
    expect(third.results).toEqual([])
  })

  test('`gatehouse events list` prints a page', async () => {
    const service = `gatehouse-test-${randomUUID().slice(0, 8)}`
    const keychain = createKeychainStore({ service })
    await keychain.set('bootstrapToken', BOOTSTRAP_TOKEN)
    try {
      const run = await promisify(execFile)(
        process.execPath,
        [bin, 'events', 'list', '--json', JSON.stringify({ username: 'bob' })],
        {
          env: {
            ...process.env,
            GATEHOUSE_DATA_DIR: h.dataDir,
            GATEHOUSE_KEYCHAIN_SERVICE: service,
          },
          timeout: 30_000,
        },
      )
      // (stderr may carry the one-off build of out/ when it is stale.)
      const printed = JSON.parse(run.stdout) as { count: number; results: { action: string }[] }
      expect(printed.count).toBe(1)
      expect(printed.results[0]?.action).toBe('login')
    } finally {
      await keychain.delete('bootstrapToken')
    }
  })
})
