import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { contentSecurityPolicy } from '../../../shared/csp'
import type { Dispatcher } from '../../core/dispatcher'
import type { EventBus } from '../../core/event-bus'
import {
  bearer,
  cookieName,
  hostAllowed,
  newToken,
  originAllowed,
  readCookie,
  tokenMatches,
} from './guards'
import { readStatic } from './static-files'

export interface BrowserHostOptions {
  dispatcher: Dispatcher
  bus: EventBus
  /** The built renderer (out/renderer). */
  staticDir: string
  /** 0 = a random free port. */
  port?: number
  token?: string
  /** Largest request body or socket message accepted, in bytes. */
  maxMessageBytes?: number
  /** Most sockets open at once; more are refused so a flood cannot exhaust the process. */
  maxSockets?: number
}

export interface BrowserHost {
  readonly port: number
  readonly token: string
  /** The address to open, token included. */
  readonly url: string
  close(): Promise<void>
}

const SECURITY_HEADERS = {
  'content-security-policy': `${contentSecurityPolicy()}; frame-ancestors 'none'`,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
}

/**
 * The contract over HTTP + WebSocket on 127.0.0.1, for a headless NAS reached through an SSH
 * tunnel and for every end-to-end test. Every request needs the per-start token (as a query
 * parameter once, then a same-site cookie, or as a Bearer header for scripts).
 */
export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const token = options.token ?? newToken()
  const maxBytes = options.maxMessageBytes ?? 1024 * 1024
  const maxSockets = options.maxSockets ?? 64
  let port = 0

  const authorised = (req: IncomingMessage): boolean =>
    tokenMatches(token, bearer(req.headers.authorization)) ||
    tokenMatches(token, readCookie(req.headers.cookie, cookieName(port)))

  const refuse = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' })
    res.end(text + '\n')
  }

  const checkOrigin = (req: IncomingMessage): string | null => {
    if (!hostAllowed(req.headers.host)) return 'Forbidden: unexpected Host header.'
    if (!originAllowed(req.headers.origin, req.headers.host)) return 'Forbidden: foreign Origin.'
    return null
  }

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) refuse(res, 500, 'Internal error.')
      else res.destroy()
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const forbidden = checkOrigin(req)
    if (forbidden) return refuse(res, 403, forbidden)
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')

    // First visit: trade the printed token for a cookie and drop it from the address bar.
    const queryToken = url.searchParams.get('token')
    if (queryToken !== null && req.method === 'GET') {
      if (!tokenMatches(token, queryToken)) return refuse(res, 401, UNAUTHORISED_TEXT)
      url.searchParams.delete('token')
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        'set-cookie': `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        location: url.pathname + url.search,
      })
      return res.end()
    }

    if (!authorised(req)) return refuse(res, 401, UNAUTHORISED_TEXT)

    if (url.pathname === '/api/invoke') {
      if (req.method !== 'POST') return refuse(res, 405, 'Use POST.')
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? ''))
        return refuse(res, 415, 'Send application/json.')
      const body = await readBody(req, maxBytes)
      if (body === null) return refuse(res, 413, `Request larger than ${maxBytes} bytes.`)
      let message: { method?: unknown; input?: unknown }
      try {
        message = JSON.parse(body) as typeof message
      } catch {
        return refuse(res, 400, 'Body is not JSON.')
      }
      const envelope = await options.dispatcher.invoke(message?.method, message?.input, {
        host: 'browser',
      })
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': 'application/json',
        'cache-control': 'no-store',
      })
      return res.end(JSON.stringify(envelope))
    }

    if (req.method !== 'GET' && req.method !== 'HEAD')
      return refuse(res, 405, 'Method not allowed.')
    const file = await readStatic(options.staticDir, url.pathname)
    if (!file) return refuse(res, 404, 'Not found.')
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': file.type })
    res.end(req.method === 'HEAD' ? undefined : file.body)
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxBytes })
  server.on('upgrade', (req, socket, head) => {
    const reject = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (checkOrigin(req)) return reject(403, 'Forbidden')
    if (!authorised(req) && !tokenMatches(token, url.searchParams.get('token')))
      return reject(401, 'Unauthorized')
    if (url.pathname !== '/api/events') return reject(404, 'Not Found')
    if (wss.clients.size >= maxSockets) return reject(503, 'Service Unavailable')
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, options.bus))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  port = (server.address() as AddressInfo).port

  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    async close() {
      for (const client of wss.clients) client.terminate()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

const UNAUTHORISED_TEXT =
  'Unauthorized: open the address `npm run serve` printed, including its ?token=… part. ' +
  'The token changes at every start.'

/** One socket: subscribe/unsubscribe messages in, `event` messages out. */
function serveSocket(ws: WebSocket, bus: EventBus) {
  const subscriptions = new Map<string, () => void>()
  const send = (message: unknown) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message))
  }
  ws.on('message', (data) => {
    let message: { type?: unknown; topic?: unknown }
    try {
      message = JSON.parse(String(data)) as typeof message
    } catch {
      return send({ type: 'error', error: protocolError('Message is not JSON.') })
    }
    const topic = message?.topic
    if (message?.type === 'subscribe') {
      if (typeof topic !== 'string' || subscriptions.has(topic)) return
      try {
        subscriptions.set(
          topic,
          bus.subscribe(topic, (payload) => send({ type: 'event', topic, payload })),
        )
      } catch {
        send({
          type: 'error',
          error: {
            code: 'UNKNOWN_TOPIC',
            message: `Gatehouse has no event stream "${topic.slice(0, 80)}".`,
            hint: 'Subscribe to one of the topics the contract declares.',
          },
        })
      }
    } else if (message?.type === 'unsubscribe' && typeof topic === 'string') {
      subscriptions.get(topic)?.()
      subscriptions.delete(topic)
    } else {
      send({ type: 'error', error: protocolError('Unknown message type.') })
    }
  })
  ws.on('close', () => {
    for (const off of subscriptions.values()) off()
    subscriptions.clear()
  })
  ws.on('error', () => ws.terminate())
}

function protocolError(message: string) {
  return { code: 'VALIDATION_FAILED', message, hint: 'Send {"type":"subscribe","topic":"…"}.' }
}

function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let over = false
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        over = true
        chunks.length = 0
      } else if (!over) chunks.push(chunk)
    })
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}
