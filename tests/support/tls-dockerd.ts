import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './ports'

/**
 * A second, real dockerd listening on 127.0.0.1 with `--tlsverify` (#15), with certificates this
 * helper makes with openssl: a CA, the server certificate (IP 127.0.0.1), a client certificate,
 * and a second, unrelated CA (with its own client certificate) for the "wrong CA" cases. It has its
 * own data root, exec root, pid file and containerd namespace, no bridge and no iptables rules;
 * `dispose()` stops it and removes everything. Needs root.
 */
export interface TlsDockerd {
  /** "tcp://127.0.0.1:<port>" */
  readonly address: string
  readonly caFile: string
  readonly certFile: string
  readonly keyFile: string
  /** A CA that did not sign the server certificate, and a client pair it signed. */
  readonly otherCaFile: string
  readonly otherCertFile: string
  readonly otherKeyFile: string
  dispose(): Promise<void>
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
}

/** A CA, and `leaf` certificates signed by it (server with SAN, or client with clientAuth). */
function makeCa(dir: string, name: string): void {
  openssl(['genrsa', '-out', `${name}-ca-key.pem`, '2048'], dir)
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      `${name}-ca-key.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=${name} test CA`,
      '-out',
      `${name}-ca.pem`,
    ],
    dir,
  )
}

function makeLeaf(dir: string, ca: string, leaf: string, cn: string, ext: string): void {
  writeFileSync(join(dir, `${leaf}.ext`), ext)
  openssl(['genrsa', '-out', `${leaf}-key.pem`, '2048'], dir)
  openssl(
    ['req', '-new', '-key', `${leaf}-key.pem`, '-subj', `/CN=${cn}`, '-out', `${leaf}.csr`],
    dir,
  )
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${leaf}.csr`,
      '-CA',
      `${ca}-ca.pem`,
      '-CAkey',
      `${ca}-ca-key.pem`,
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${leaf}.ext`,
      '-out',
      `${leaf}-cert.pem`,
    ],
    dir,
  )
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => {
      s.destroy()
      resolve(true)
    })
    s.on('error', () => resolve(false))
  })
}

export async function startTlsDockerd(): Promise<TlsDockerd> {
  const id = `${process.pid}-${Date.now().toString(36)}`
  const name = `gh-tls-${id}`
  const certs = mkdtempSync(join(tmpdir(), 'gh-tls-certs-'))
  const dataRoot = `/var/lib/${name}`
  const execRoot = `/run/gh-tls-exec-${id}`
  const pidfile = `/run/${name}.pid`
  const socket = `/run/${name}.sock`
  const port = await freePort()
  // A bridge of its own: with `--bridge=none` dockerd deletes the host's docker0 at start, which
  // breaks the system engine every other test uses. Interface names hold 15 characters.
  const bridge = `ghtls${name.replace(/[^a-z0-9]/g, '').slice(-8)}`
  let daemon: ChildProcess | undefined
  let log = ''

  const cleanup = () => {
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '')
      .filter((p) => [dataRoot, execRoot].some((r) => p === r || p.startsWith(`${r}/`)))
      .sort((a, b) => b.length - a.length)
    for (const point of mounts)
      try {
        execFileSync('umount', ['-l', point])
      } catch {
        // already gone
      }
    for (const path of [dataRoot, execRoot, pidfile, socket, certs])
      rmSync(path, { recursive: true, force: true })
    try {
      execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' })
    } catch {
      // never created
    }
  }

  const stop = async () => {
    const child = daemon
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    const done = await Promise.race([exited.then(() => true), sleep(20_000).then(() => false)])
    if (!done) {
      child.kill('SIGKILL')
      await exited
    }
  }

  try {
    makeCa(certs, 'good')
    makeCa(certs, 'other')
    makeLeaf(
      certs,
      'good',
      'server',
      '127.0.0.1',
      'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
    )
    makeLeaf(certs, 'good', 'client', 'gatehouse', 'extendedKeyUsage=clientAuth\n')
    makeLeaf(certs, 'other', 'stranger', 'stranger', 'extendedKeyUsage=clientAuth\n')
    mkdirSync(dataRoot, { recursive: true })
    execFileSync('ip', ['link', 'add', 'name', bridge, 'type', 'bridge'])
    execFileSync('ip', ['addr', 'add', '172.31.254.1/24', 'dev', bridge])
    execFileSync('ip', ['link', 'set', bridge, 'up'])
    daemon = spawn(
      'dockerd',
      [
        '--tlsverify',
        `--tlscacert=${join(certs, 'good-ca.pem')}`,
        `--tlscert=${join(certs, 'server-cert.pem')}`,
        `--tlskey=${join(certs, 'server-key.pem')}`,
        `--host=tcp://127.0.0.1:${port}`,
        `--host=unix://${socket}`,
        `--data-root=${dataRoot}`,
        `--exec-root=${execRoot}`,
        `--pidfile=${pidfile}`,
        `--containerd-namespace=${name}`,
        `--containerd-plugins-namespace=${name}-plugins`,
        '--iptables=false',
        '--ip6tables=false',
        `--bridge=${bridge}`,
        '--storage-driver=vfs',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    daemon.stderr?.on('data', (b: Buffer) => (log = (log + b.toString()).slice(-20_000)))
    const deadline = Date.now() + 60_000
    while (!(await listening(port))) {
      if (daemon.exitCode !== null) throw new Error(`TLS dockerd exited: ${log.slice(-2000)}`)
      if (Date.now() > deadline) throw new Error(`TLS dockerd did not listen: ${log.slice(-2000)}`)
      await sleep(100)
    }
  } catch (error) {
    await stop()
    cleanup()
    throw error
  }

  return {
    address: `tcp://127.0.0.1:${port}`,
    caFile: join(certs, 'good-ca.pem'),
    certFile: join(certs, 'client-cert.pem'),
    keyFile: join(certs, 'client-key.pem'),
    otherCaFile: join(certs, 'other-ca.pem'),
    otherCertFile: join(certs, 'stranger-cert.pem'),
    otherKeyFile: join(certs, 'stranger-key.pem'),
    async dispose() {
      await stop()
      cleanup()
    },
  }
}
