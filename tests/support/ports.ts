import { createServer, type Server } from 'node:net'

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      )
    })
  })
}

/** Holds a port on `host` (default 127.0.0.1) until closed: stands for "something else uses it". */
export function occupyPort(
  host = '127.0.0.1',
): Promise<{ port: number; server: Server; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.end())
    server.on('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      if (typeof address !== 'object' || !address) return reject(new Error('no port'))
      resolve({
        port: address.port,
        server,
        close: () => new Promise((r) => server.close(() => r())),
      })
    })
  })
}
