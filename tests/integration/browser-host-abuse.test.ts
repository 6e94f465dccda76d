/**
 * The browser host under abuse, beyond tests/integration/browser-host.test.ts: tokens that are
 * almost right, DNS-rebinding and foreign origins on the WebSocket too, a socket message over the
 * limit, garbage on the socket, and a flood of connections — each refused, and the process still
 * answers afterwards.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import WebSocket from 'ws'
import { startBrowserHost, type BrowserHost } from '../../src/main/hosts/browser/server'
import { createMemoryStore } from '../../src/main/secrets/store'
import { createServices, type Services } from '../../src/main/services'

const LIMIT = 16 * 1024

function http(
  port: number,
  options: { path?: string; method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: options.path ?? '/api/invoke',
        method: options.method ?? 'POST',
        headers: { host: `127.0.0.1:${port}`, ...options.headers },
      },
      (res) => {
        let body = ''
        res.on('data', (c: Buffer) => (body += c.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

function openSocket(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ ws?: WebSocket; status?: number }>((resolve) => {
    const ws = new WebSocket(url, { headers })
    ws.once('open', () => resolve({ ws }))
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode }))
    ws.once('error', () => resolve({ status: -1 }))
  })
}

describe('browser host abuse', () => {
  const root = mkdtempSync(join(tmpdir(), 'gh-abuse-'))
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Gatehouse</title>')
  let services: Services
  let host: BrowserHost

  beforeAll(async () => {
    services = createServices({
      host: 'browser',
      dataDir: join(root, 'data'),
      dockerEndpoint: 'tcp://127.0.0.1:1',
      secretStore: createMemoryStore(),
      statusIntervalMs: 60_000,
    })
    host = await startBrowserHost({
      dispatcher: services.dispatcher,
      bus: services.bus,
      staticDir: root,
      maxMessageBytes: LIMIT,
      maxSockets: 8,
    })
  })
  afterAll(async () => {
    services.dispose()
    await host.close()
    rmSync(root, { recursive: true, force: true })
  })

  const events = () => `ws://127.0.0.1:${host.port}/api/events`
  const auth = () => ({ authorization: `Bearer ${host.token}` })
  const stillAnswers = async () => {
    const res = await http(host.port, {
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'app.info', input: {} }),
    })
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toMatchObject({ ok: true, value: { host: 'browser' } })
  }

  test('a token that is almost right is refused, over HTTP and WebSocket alike', async () => {
    const t = host.token
    const flipped = (t[0] === 'A' ? 'B' : 'A') + t.slice(1)
    const nearMisses = [
      flipped,
      t.slice(0, -1),
      t + 'x',
      t.toUpperCase() === t ? t.toLowerCase() : t.toUpperCase(),
      `${t} ${t}`,
      encodeURIComponent(t) + '%00',
      'x'.repeat(5000),
    ]
    for (const wrong of nearMisses) {
      const res = await http(host.port, {
        headers: { authorization: `Bearer ${wrong}`, 'content-type': 'application/json' },
        body: JSON.stringify({ method: 'app.info', input: {} }),
      })
      expect(res.status, wrong.slice(0, 50)).toBe(401)
      expect(res.body).not.toContain(t)
      expect((await openSocket(`${events()}?token=${encodeURIComponent(wrong)}`)).status).toBe(401)
      expect((await openSocket(events(), { authorization: `Bearer ${wrong}` })).status).toBe(401)
    }
    // The cookie must carry the token of this very host (cookies ignore ports).
    const otherPort = await http(host.port, {
      headers: { cookie: `gatehouse_${host.port + 1}=${host.token}` },
      method: 'GET',
      path: '/',
    })
    expect(otherPort.status).toBe(401)
    await stillAnswers()
  })

  test('WebSocket: a DNS-rebinding Host or a foreign Origin is refused even with the token', async () => {
    const rebound = await openSocket(events(), { ...auth(), host: `evil.example:${host.port}` })
    expect(rebound.status).toBe(403)
    for (const origin of ['https://evil.example', 'null', `http://localhost.evil:${host.port}`]) {
      expect((await openSocket(events(), { ...auth(), origin })).status, origin).toBe(403)
    }
    const own = await openSocket(events(), { ...auth(), origin: `http://127.0.0.1:${host.port}` })
    expect(own.ws).toBeDefined()
    own.ws!.close()
  })

  test('a socket message over the limit closes that socket (1009), nothing else', async () => {
    const { ws } = await openSocket(events(), auth())
    const closed = new Promise<number>((resolve) => ws!.once('close', (code) => resolve(code)))
    ws!.send(
      JSON.stringify({ type: 'subscribe', topic: 'docker.status', pad: 'x'.repeat(LIMIT * 2) }),
    )
    expect(await closed).toBe(1009)
    await stillAnswers()
    const again = await openSocket(events(), auth())
    expect(again.ws).toBeDefined()
    again.ws!.close()
  })

  test('garbage on the socket gets typed errors, and the socket keeps working', async () => {
    const { ws } = await openSocket(events(), auth())
    const replies: { type: string; error?: { code: string } }[] = []
    ws!.on('message', (data) => replies.push(JSON.parse(String(data))))
    const garbage = [
      'not json',
      '[]',
      'null',
      '{"type":"subscribe","topic":{"__proto__":{"polluted":1}}}',
      '{"__proto__":{"polluted":1},"type":"subscribe","topic":"__proto__"}',
      '{"type":"subscribe","topic":"constructor"}',
      '{"type":"hack"}',
      Buffer.from([0xff, 0xfe, 0x00, 0x01]),
    ]
    for (const message of garbage) ws!.send(message)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(replies.length).toBeGreaterThanOrEqual(5)
    for (const reply of replies) {
      expect(reply.type).toBe('error')
      expect(['VALIDATION_FAILED', 'UNKNOWN_TOPIC']).toContain(reply.error?.code)
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(ws!.readyState).toBe(WebSocket.OPEN)
    ws!.close()
  })

  test('a flood of 200 connections is capped and the host answers afterwards', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, () => openSocket(events(), auth())),
    )
    const open = results.filter((r) => r.ws)
    expect(open.length).toBeLessThanOrEqual(8)
    expect(results.filter((r) => r.status === 503).length).toBeGreaterThanOrEqual(190)
    await stillAnswers()
    for (const r of open) r.ws!.close()
    // Once they are gone, new sockets are welcome again.
    await new Promise((resolve) => setTimeout(resolve, 200))
    const after = await openSocket(events(), auth())
    expect(after.ws).toBeDefined()
    after.ws!.close()
  })

  test('an oversized or streamed HTTP body is refused with 413, and the host answers after', async () => {
    const res = await http(host.port, {
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'app.info', input: { x: 'a'.repeat(LIMIT * 4) } }),
    })
    expect(res.status).toBe(413)
    const parallel = await Promise.all(
      Array.from({ length: 20 }, () =>
        http(host.port, {
          headers: { ...auth(), 'content-type': 'application/json' },
          body: 'x'.repeat(LIMIT + 1),
        }),
      ),
    )
    expect(parallel.every((r) => r.status === 413)).toBe(true)
    await stillAnswers()
  })
})
