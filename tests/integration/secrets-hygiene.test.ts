/**
 * Secrets hygiene: every secret Gatehouse holds carries a canary, the main flows run through the
 * real browser host (settings, secrets status, a Start that fails on a dead engine, the export,
 * Authentik status and readiness, R1 plan + apply against the schema-checked fake), and the canary
 * must then be nowhere it does not belong: not in a file of the data folder, not in a response
 * (except `secrets.reveal`, whose job it is), not in an error message, hint or details, not in a
 * WebSocket event, not on the process's stdout/stderr, and not in docker-compose.yml. The exported
 * `.env` is the one deliberate exception (mode 0600, it is how docker-compose gets the secrets).
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import WebSocket from 'ws'
import { startBrowserHost, type BrowserHost } from '../../src/main/hosts/browser/server'
import { createMemoryStore, type SecretStore } from '../../src/main/secrets/store'
import { createServices, type Services } from '../../src/main/services'
import { topics } from '../../src/shared/contract'
import { startFakeAuthentik, type FakeAuthentik } from '../fakes/authentik/server'

const CANARY = `GH-SECRET-CANARY-${randomBytes(8).toString('hex')}`
const secretValues = {
  postgresPassword: `${CANARY}-postgres`,
  authentikSecretKey: `${CANARY}-secret-key`,
  bootstrapPassword: `${CANARY}-bootstrap-password`,
  bootstrapToken: `${CANARY}-bootstrap-token`,
}
const SMTP_PASSWORD = `${CANARY}-smtp`

function walkFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name)
    return entry.isDirectory() ? walkFiles(full) : [full]
  })
}

describe('secrets hygiene: a canary secret leaks nowhere', () => {
  const root = mkdtempSync(join(tmpdir(), 'gh-canary-'))
  const dataDir = join(root, 'data')
  const exportDir = join(root, 'export')
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Gatehouse</title>')
  let fake: FakeAuthentik
  let fakeClosed = false
  let services: Services
  let host: BrowserHost
  let store: SecretStore
  const responses: { method: string; body: string }[] = []
  const socketMessages: string[] = []
  const output: string[] = []
  let sockets: WebSocket[] = []
  const restore: (() => void)[] = []

  /** Everything the process prints while the flows run is kept and searched. */
  function captureOutput() {
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream)
      stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
        output.push(String(chunk))
        return original(chunk, ...rest)
      }) as typeof stream.write
      restore.push(() => (stream.write = original))
    }
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      const original = console[level]
      console[level] = (...args: unknown[]) => {
        output.push(args.map(String).join(' '))
        original(...args)
      }
      restore.push(() => (console[level] = original))
    }
  }

  const invoke = (method: string, input: unknown = {}) =>
    new Promise<{ ok: boolean; value?: unknown; error?: { code: string } }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: host.port,
          path: '/api/invoke',
          method: 'POST',
          headers: {
            host: `127.0.0.1:${host.port}`,
            authorization: `Bearer ${host.token}`,
            'content-type': 'application/json',
          },
        },
        (res) => {
          let body = ''
          res.on('data', (c: Buffer) => (body += c.toString()))
          res.on('end', () => {
            responses.push({ method, body })
            resolve(JSON.parse(body))
          })
        },
      )
      req.on('error', reject)
      req.end(JSON.stringify({ method, input }))
    })

  beforeAll(async () => {
    captureOutput()
    fake = await startFakeAuthentik({
      version: '2026.8.3',
      bootstrapToken: secretValues.bootstrapToken,
      bootstrapPassword: secretValues.bootstrapPassword,
    })
    store = createMemoryStore(secretValues)
    services = createServices({
      host: 'browser',
      dataDir,
      dockerEndpoint: 'tcp://127.0.0.1:1',
      secretStore: store,
      statusIntervalMs: 200,
      healthTimeoutMs: 2000,
      onInternalError: (method, error) => console.error(`internal error in ${method}`, error),
    })
    host = await startBrowserHost({
      dispatcher: services.dispatcher,
      bus: services.bus,
      staticDir: root,
    })
    // One socket per topic, listening through all the flows.
    sockets = await Promise.all(
      topics.map(
        (topic) =>
          new Promise<WebSocket>((resolve) => {
            const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api/events`, {
              headers: { authorization: `Bearer ${host.token}` },
            })
            ws.on('message', (data) => socketMessages.push(String(data)))
            ws.once('open', () => {
              ws.send(JSON.stringify({ type: 'subscribe', topic }))
              resolve(ws)
            })
          }),
      ),
    )
  })

  afterAll(async () => {
    for (const ws of sockets) ws.close()
    for (const undo of restore.reverse()) undo()
    services?.dispose()
    await host?.close()
    if (!fakeClosed) await fake?.close()
    rmSync(root, { recursive: true, force: true })
  })

  test('the main flows run', async () => {
    expect(
      await invoke('settings.save', {
        baseDomain: 'canary.example.test',
        adminEmail: 'admin@example.test',
        smtp: {
          host: 'smtp.example.test',
          port: 587,
          username: 'mailer',
          from: 'ak@example.test',
          tls: 'starttls',
        },
        dataFolder: join(root, 'authentik-data'),
        timezone: 'UTC',
        authentikUrl: fake.url,
        docker: { endpoint: 'tcp://127.0.0.1:1' },
      }),
    ).toMatchObject({ ok: true })
    expect(await invoke('secrets.setSmtpPassword', { password: SMTP_PASSWORD })).toMatchObject({
      ok: true,
    })
    expect(await invoke('secrets.status')).toMatchObject({ ok: true })
    expect(await invoke('settings.get')).toMatchObject({ ok: true })
    // A Start on a dead engine fails, with a message that must not quote the stack's secrets.
    expect(await invoke('stack.up')).toMatchObject({
      ok: false,
      error: { code: 'DOCKER_UNREACHABLE' },
    })
    expect(await invoke('stack.status')).toMatchObject({ ok: false })
    expect(await invoke('stack.testEmail', { to: 'you@example.test' })).toMatchObject({ ok: false })
    expect(await invoke('stack.export', { folder: exportDir })).toMatchObject({ ok: true })
    expect(await invoke('authentik.waitReady', { timeoutMs: 10_000 })).toMatchObject({ ok: true })
    expect(await invoke('authentik.status')).toMatchObject({
      ok: true,
      value: { reachable: true, tokenSource: 'bootstrap' },
    })
    const who = { username: 'canary-admin', name: 'Canary Admin', email: 'canary@example.test' }
    expect(await invoke('recipes.adminHandoverPlan', who)).toMatchObject({ ok: true })
    // A password the admin typed is a secret too: it must not come back or be logged.
    const typed = { ...who, password: `${CANARY}-typed-admin-password` }
    expect(await invoke('recipes.adminHandoverApply', typed)).toMatchObject({ ok: true })
    expect(await invoke('authentik.status')).toMatchObject({
      ok: true,
      value: { tokenSource: 'gatehouse' },
    })
    // A failing Authentik call: the error must name the problem, not the token.
    await fake.close()
    fakeClosed = true
    expect(await invoke('authentik.status')).toMatchObject({ ok: true })
    expect(await invoke('users.list')).toMatchObject({ ok: false })
    // The one place a secret may be shown, on explicit request.
    const revealed = await invoke('secrets.reveal', { name: 'bootstrapToken' })
    expect(revealed).toMatchObject({ ok: true, value: { value: secretValues.bootstrapToken } })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(fake.schemaViolations).toEqual([])
  })

  test('no response but secrets.reveal carries a secret (messages, hints and details included)', async () => {
    const ownToken = await store.get('gatehouseApiToken')
    expect(ownToken).toBeTruthy()
    const leaks = responses.filter(
      (r) =>
        r.method !== 'secrets.reveal' && (r.body.includes(CANARY) || r.body.includes(ownToken!)),
    )
    expect(leaks).toEqual([])
    expect(responses.filter((r) => r.method === 'secrets.reveal')).toHaveLength(1)
  })

  test('no WebSocket event carries a secret', async () => {
    const ownToken = (await store.get('gatehouseApiToken'))!
    expect(socketMessages.length).toBeGreaterThan(0)
    expect(socketMessages.filter((m) => m.includes(CANARY) || m.includes(ownToken))).toEqual([])
  })

  test('no file of the data folder carries a secret (settings, logs, trust)', async () => {
    const ownToken = (await store.get('gatehouseApiToken'))!
    const files = walkFiles(dataDir)
    expect(files.length).toBeGreaterThan(0)
    for (const file of files) {
      const text = readFileSync(file, 'latin1')
      expect(text.includes(CANARY), file).toBe(false)
      expect(text.includes(ownToken), file).toBe(false)
    }
  })

  test('the export: docker-compose.yml refers to the secrets, only .env (0600) holds them', () => {
    const compose = readFileSync(join(exportDir, 'docker-compose.yml'), 'utf8')
    expect(compose).not.toContain(CANARY)
    const env = readFileSync(join(exportDir, '.env'), 'utf8')
    expect(env).toContain(secretValues.postgresPassword)
    expect(statSync(join(exportDir, '.env')).mode & 0o777).toBe(0o600)
  })

  test('nothing the process printed carries a secret', async () => {
    const ownToken = (await store.get('gatehouseApiToken'))!
    const printed = output.join('\n')
    expect(printed.includes(CANARY)).toBe(false)
    expect(printed.includes(ownToken)).toBe(false)
  })
})
