import { rmSync } from 'node:fs'
import { connect, createServer, type Server, type Socket } from 'node:net'

/**
 * A logging Unix-socket proxy in front of a Docker engine, as a docker-socket-proxy or
 * `dockerd --debug` sees the traffic: it forwards every byte both ways and records the HEAD of
 * each request (request line and headers; bodies are forwarded, not recorded). Tests point
 * Gatehouse at `endpoint` and check that no secret ever appears in a head.
 *
 * `beforeForward` may hold a request before it reaches the engine (e.g. to kill the engine at
 * an exact step: between a container's create and its network connect).
 */
export interface DockerSocketProxy {
  /** "unix:///…sock": what DOCKER_HOST or the settings would name. */
  readonly endpoint: string
  /** Every request head seen so far ("POST /v1.41/containers/create?name=… HTTP/1.1\r\nHost: …"). */
  readonly heads: string[]
  /** Every byte the client sent (heads and bodies), to prove the secrets did pass — in bodies. */
  sent(): string
  close(): Promise<void>
}

export interface ProxyOptions {
  readonly upstream: string
  /** Called with each request line before its bytes are forwarded; forwarding waits for it. */
  readonly beforeForward?: (requestLine: string) => Promise<void> | void
}

// A request head: request line, header lines, empty line. JSON bodies escape CR/LF, so a body
// can never contain something shaped like this.
const HEAD = /(?:GET|POST|PUT|DELETE|HEAD) \S+ HTTP\/1\.[01]\r\n(?:[^\r\n]+\r\n)*\r\n/g

export async function startDockerSocketProxy(
  path: string,
  options: ProxyOptions,
): Promise<DockerSocketProxy> {
  const heads: string[] = []
  const chunks: Buffer[] = []
  const sockets = new Set<Socket>()
  const upstreamPath = options.upstream.replace(/^unix:\/\//, '')

  const server: Server = createServer((client) => {
    const upstream = connect(upstreamPath)
    sockets.add(client).add(upstream)
    let pending = ''
    let chain: Promise<void> = Promise.resolve()
    client.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      // Heads can straddle chunks: keep the unmatched tail (bounded) for the next one.
      pending += chunk.toString('latin1')
      const lines: string[] = []
      let last = 0
      for (const match of pending.matchAll(HEAD)) {
        heads.push(match[0])
        lines.push(match[0].slice(0, match[0].indexOf('\r\n')))
        last = (match.index ?? 0) + match[0].length
      }
      pending = pending.slice(last).slice(-16_384)
      client.pause()
      chain = chain
        .then(async () => {
          for (const line of lines) await options.beforeForward?.(line)
          upstream.write(chunk)
        })
        .catch(() => {
          upstream.destroy()
        })
        .finally(() => {
          client.resume()
        })
    })
    upstream.on('data', (chunk: Buffer) => client.write(chunk))
    const end = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('close', end).on('error', end)
    upstream.on('close', end).on('error', end)
  })
  rmSync(path, { force: true })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, resolve)
  })
  return {
    endpoint: `unix://${path}`,
    heads,
    sent: () => Buffer.concat(chunks).toString('latin1'),
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      rmSync(path, { force: true })
    },
  }
}
