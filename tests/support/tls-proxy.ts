import { execFileSync } from 'node:child_process'
import { createHash, X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { connect, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:tls'

/** A throwaway self-signed CA-capable certificate (default: for 127.0.0.1 and localhost), via the openssl CLI. */
export function selfSignedCertificate(subjectAltName = 'IP:127.0.0.1,DNS:localhost'): {
  keyPem: string
  certPem: string
  sha256: string
} {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-tls-'))
  try {
    const key = join(dir, 'key.pem')
    const cert = join(dir, 'cert.pem')
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        '/CN=gatehouse-test',
        '-addext',
        `subjectAltName=${subjectAltName}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
      ],
      { stdio: 'ignore' },
    )
    const certPem = readFileSync(cert, 'utf8')
    const der = new X509Certificate(certPem).raw
    const sha256 = createHash('sha256').update(der).digest('hex').toUpperCase()
    return { keyPem: readFileSync(key, 'utf8'), certPem, sha256 }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Terminates TLS on 127.0.0.1 and pipes the plain bytes to `targetPort` (a fake Authentik). */
export async function startTlsProxy(
  targetPort: number,
  tls: { keyPem: string; certPem: string },
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer({ key: tls.keyPem, cert: tls.certPem }, (socket) => {
    const upstream = connect(targetPort, '127.0.0.1')
    socket.pipe(upstream).pipe(socket)
    const end = () => {
      socket.destroy()
      upstream.destroy()
    }
    socket.on('error', end)
    upstream.on('error', end)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `https://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
