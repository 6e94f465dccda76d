import { execFileSync, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { PrivateDockerd } from './private-dockerd'

/**
 * A tiny Docker registry (API v2, read-only) whose blob downloads can be made to fail, for pull
 * fault tests. It serves one image built from a local image's `docker save` (plus, optionally, a
 * layer of random bytes to fill a small disk). Modes:
 * - "healthy": what a registry should answer;
 * - "corrupt": manifest and config are fine but every layer arrives damaged (its bytes no longer
 *   match the digest), as after a broken proxy or a truncated cache — the engine refuses it.
 * It listens on a unix socket in the host's namespace and is reached from a private engine's
 * network namespace through a forwarder on 127.0.0.1:<port> inside that namespace.
 */

export type RegistryMode = 'healthy' | 'corrupt'

export interface FaultRegistry {
  /** "127.0.0.1:<port>/gatehouse-test/<name>:<tag>" as the private engine pulls it. */
  readonly image: string
  mode: RegistryMode
  /** Blob requests seen (digests), to prove a pull reached the layer download. */
  readonly blobRequests: string[]
  stop(): Promise<void>
}

interface Blob {
  readonly digest: string
  readonly body: Buffer
  readonly layer: boolean
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`

/** Runs, inside the private engine's namespace, a TCP listener on 127.0.0.1:port that relays to a unix socket (or only holds the port). */
export function netnsListener(
  dockerd: PrivateDockerd,
  port: number,
  unixSocket: string | null,
): Promise<{ process: ChildProcess; close(): Promise<void> }> {
  const code = `const net = require('net');
const target = ${JSON.stringify(unixSocket)};
net.createServer((c) => {
  if (!target) return c.end();
  const u = net.connect(target);
  c.pipe(u).pipe(c);
  u.on('error', () => c.destroy());
  c.on('error', () => u.destroy());
}).listen(${port}, '127.0.0.1', () => console.log('listening'));`
  const child = dockerd.spawnInNetns(process.execPath, ['-e', code])
  return new Promise((resolve, reject) => {
    let err = ''
    child.stderr?.on('data', (b: Buffer) => (err += b.toString()))
    child.once('exit', (code) => reject(new Error(`netns listener exited (${code}): ${err}`)))
    child.stdout?.once('data', () =>
      resolve({
        process: child,
        close: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done()
            child.removeAllListeners('exit')
            child.once('exit', () => done())
            child.kill('SIGTERM')
          }),
      }),
    )
  })
}

export async function startFaultRegistry(
  dockerd: PrivateDockerd,
  options: { from: string; name: string; port: number; extraLayerBytes?: number },
): Promise<FaultRegistry> {
  const work = mkdtempSync(join(tmpdir(), 'gh-fault-registry-'))
  const blobs = new Map<string, Blob>()
  let manifest: Buffer
  try {
    execFileSync('sh', ['-c', `docker save "$1" | tar -x -C "$2"`, 'sh', options.from, work])
    const saved = JSON.parse(readFileSync(join(work, 'manifest.json'), 'utf8')) as {
      Config: string
      Layers: string[]
    }[]
    const entry = saved[0]
    if (!entry) throw new Error(`docker save ${options.from} wrote no manifest`)
    const config = JSON.parse(readFileSync(join(work, entry.Config), 'utf8')) as {
      rootfs: { diff_ids: string[] }
      history?: unknown[]
    }
    const tars = entry.Layers.map((l) => readFileSync(join(work, l)))
    if (options.extraLayerBytes) {
      // Random bytes do not compress: the layer is as large on the wire as on disk.
      const dir = join(work, 'extra')
      execFileSync('mkdir', ['-p', dir])
      writeFileSync(join(dir, 'bulk.bin'), randomBytes(options.extraLayerBytes))
      tars.push(execFileSync('tar', ['-C', dir, '-cf', '-', 'bulk.bin'], { maxBuffer: 1 << 30 }))
      config.rootfs.diff_ids.push(sha(tars[tars.length - 1] as Buffer))
      config.history = [...(config.history ?? []), { created_by: 'bulk layer (fault test)' }]
    }
    const layers = tars.map((tar) => gzipSync(tar, { level: 1 }))
    const configBody = Buffer.from(JSON.stringify(config))
    const configBlob: Blob = { digest: sha(configBody), body: configBody, layer: false }
    blobs.set(configBlob.digest, configBlob)
    for (const body of layers) blobs.set(sha(body), { digest: sha(body), body, layer: true })
    manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: {
          mediaType: 'application/vnd.docker.container.image.v1+json',
          size: configBody.length,
          digest: configBlob.digest,
        },
        layers: layers.map((body) => ({
          mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
          size: body.length,
          digest: sha(body),
        })),
      }),
    )
  } finally {
    rmSync(work, { recursive: true, force: true })
  }

  const socket = join(tmpdir(), `gh-fault-registry-${process.pid}-${options.port}.sock`)
  rmSync(socket, { force: true })
  const state: { mode: RegistryMode } = { mode: 'healthy' }
  const blobRequests: string[] = []
  const manifestDigest = sha(manifest)
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/'
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0')
    if (url === '/v2/' || url === '/v2') return res.end('{}')
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/?]+)/.exec(url)
    if (m?.[2] === 'manifests' && m[1] === options.name) {
      res.setHeader('Content-Type', 'application/vnd.docker.distribution.manifest.v2+json')
      res.setHeader('Docker-Content-Digest', manifestDigest)
      res.setHeader('Content-Length', manifest.length)
      return res.end(req.method === 'HEAD' ? undefined : manifest)
    }
    const blob = m?.[2] === 'blobs' ? blobs.get(m[3] ?? '') : undefined
    if (blob) {
      blobRequests.push(blob.digest)
      let body = blob.body
      if (blob.layer && state.mode === 'corrupt') {
        body = Buffer.from(body)
        // Same length, different bytes: the download "succeeds" and fails verification.
        for (let i = body.length - 64; i < body.length; i++) body[i] = (body[i] ?? 0) ^ 0xff
      }
      res.setHeader('Content-Type', 'application/octet-stream')
      res.setHeader('Content-Length', body.length)
      res.setHeader('Docker-Content-Digest', blob.digest)
      return res.end(req.method === 'HEAD' ? undefined : body)
    }
    res.statusCode = 404
    res.setHeader('Content-Type', 'application/json')
    res.end(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'unknown' }] }))
  })
  await new Promise<void>((resolve) => server.listen(socket, resolve))
  const forwarder = await netnsListener(dockerd, options.port, socket)

  return {
    image: `127.0.0.1:${options.port}/${options.name}:fault`,
    get mode() {
      return state.mode
    },
    set mode(mode: RegistryMode) {
      state.mode = mode
    },
    blobRequests,
    async stop() {
      await forwarder.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      rmSync(socket, { force: true })
    },
  }
}
