import { mkdtempSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import WebSocket from 'ws'
import { startBrowserHost, type BrowserHost } from '../../src/main/hosts/browser/server'
import { createServices, type Services } from '../../src/main/services'
import { engineVersionFromDockerCli } from '../support/docker-cli'

/** Raw HTTP so we control Host and Origin exactly (fetch forbids setting Host). */
function http(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { host: `127.0.0.1:${port}`, ...options.headers },
      },
      (res) => {
        let body = ''
        res.on('data', (c: Buffer) => (body += c.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
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

describe('browser host on a real engine', () => {
  let services: Services
  let host: BrowserHost
  const staticDir = mkdtempSync(join(tmpdir(), 'gh-renderer-'))
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Gatehouse</title>')

  beforeAll(async () => {
    services = createServices({ host: 'browser', dataDir: staticDir, statusIntervalMs: 200 })
    host = await startBrowserHost({
      dispatcher: services.dispatcher,
      bus: services.bus,
      staticDir,
      maxMessageBytes: 64 * 1024,
      maxSockets: 4,
    })
  })
  afterAll(async () => {
    services.dispose()
    await host.close()
  })

  const auth = () => ({ authorization: `Bearer ${host.token}` })

  test('prints a 127.0.0.1 URL with a random token and a random port', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43}$/)
    expect(host.port).toBeGreaterThan(0)
  })

  test('answers 401 to requests without the token', async () => {
    expect((await http(host.port, '/')).status).toBe(401)
    expect((await http(host.port, '/assets/x.js')).status).toBe(401)
    const invoke = await http(host.port, '/api/invoke', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'app.info', input: {} }),
    })
    expect(invoke.status).toBe(401)
    expect(invoke.body).not.toContain('gatehouse')
    expect((await http(host.port, '/?token=wrong')).status).toBe(401)
    expect(
      (await http(host.port, '/', { headers: { authorization: 'Bearer wrong' } })).status,
    ).toBe(401)
  })

  test('trades the printed token for a same-site cookie and drops it from the URL', async () => {
    const first = await http(host.port, `/?token=${host.token}`)
    expect(first.status).toBe(303)
    expect(first.headers.location).toBe('/')
    const cookie = String(first.headers['set-cookie']).split(';')[0]!
    expect(String(first.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/)
    const page = await http(host.port, '/', { headers: { cookie } })
    expect(page.status).toBe(200)
    expect(page.body).toContain('<title>Gatehouse</title>')
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'")
  })

  test('serves docker.ping with the real engine version', async () => {
    const res = await http(host.port, '/api/invoke', {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'docker.ping', input: {} }),
    })
    expect(res.status).toBe(200)
    const envelope = JSON.parse(res.body) as { ok: boolean; value: { version: string } }
    expect(envelope).toMatchObject({ ok: true, value: { version: engineVersionFromDockerCli() } })
  })

  test('returns contract errors as data, not HTTP failures', async () => {
    const res = await http(host.port, '/api/invoke', {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'docker.rm', input: {} }),
    })
    expect(JSON.parse(res.body)).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_METHOD', hint: expect.any(String) },
    })
  })

  test('refuses DNS-rebinding Hosts and foreign Origins even with the token', async () => {
    const rebound = await http(host.port, '/', {
      headers: { ...auth(), host: `evil.example:${host.port}` },
    })
    expect(rebound.status).toBe(403)
    const foreign = await http(host.port, '/api/invoke', {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json', origin: 'https://evil.example' },
      body: JSON.stringify({ method: 'app.info', input: {} }),
    })
    expect(foreign.status).toBe(403)
    const sameOrigin = await http(host.port, '/api/invoke', {
      method: 'POST',
      headers: {
        ...auth(),
        'content-type': 'application/json',
        origin: `http://127.0.0.1:${host.port}`,
      },
      body: JSON.stringify({ method: 'app.info', input: {} }),
    })
    expect(sameOrigin.status).toBe(200)
  })

  test('refuses form posts and oversized bodies', async () => {
    const form = await http(host.port, '/api/invoke', {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'method=app.info',
    })
    expect(form.status).toBe(415)
    const huge = await http(host.port, '/api/invoke', {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'app.info', input: { x: 'a'.repeat(100_000) } }),
    })
    expect(huge.status).toBe(413)
  })

  test('WebSocket: 401 without the token, 403 from a foreign Origin', async () => {
    const base = `ws://127.0.0.1:${host.port}/api/events`
    expect((await openSocket(base)).status).toBe(401)
    expect((await openSocket(base, { ...auth(), origin: 'https://evil.example' })).status).toBe(403)
  })

  test('WebSocket streams docker.status from the real engine and stops when closed', async () => {
    const { ws } = await openSocket(`ws://127.0.0.1:${host.port}/api/events`, auth())
    expect(ws).toBeDefined()
    const event = await new Promise<{
      topic: string
      payload: { state: string; engine?: { version: string } }
    }>((resolve) => {
      ws!.on('message', (data) => resolve(JSON.parse(String(data))))
      ws!.send(JSON.stringify({ type: 'subscribe', topic: 'docker.status' }))
    })
    expect(event.topic).toBe('docker.status')
    expect(event.payload).toMatchObject({
      state: 'up',
      engine: { version: engineVersionFromDockerCli() },
    })
    expect(services.bus.listenerCount('docker.status')).toBe(1)
    ws!.close()
    await new Promise((r) => setTimeout(r, 200))
    expect(services.bus.listenerCount('docker.status')).toBe(0)
  })

  test('an unknown topic is answered with a typed error', async () => {
    const { ws } = await openSocket(`ws://127.0.0.1:${host.port}/api/events`, auth())
    const reply = await new Promise<{ type: string; error: { code: string } }>((resolve) => {
      ws!.on('message', (data) => resolve(JSON.parse(String(data))))
      ws!.send(JSON.stringify({ type: 'subscribe', topic: 'secrets.dump' }))
    })
    ws!.close()
    expect(reply).toMatchObject({ type: 'error', error: { code: 'UNKNOWN_TOPIC' } })
  })

  test('a flood of sockets is capped without the host falling over', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        openSocket(`ws://127.0.0.1:${host.port}/api/events`, auth()),
      ),
    )
    const open = results.filter((r) => r.ws)
    expect(open.length).toBeLessThanOrEqual(4)
    expect(results.filter((r) => r.status === 503).length).toBeGreaterThan(0)
    for (const r of open) r.ws!.close()
    const still = await http(host.port, '/', { headers: auth() })
    expect(still.status).toBe(200)
  })
})
