import { createHash, createHmac } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'

/**
 * Host-key fingerprints the way `ssh-keygen -lf` prints them: "SHA256:" + unpadded base64 of the
 * SHA-256 of the key blob. This string is what the admin compares with the NAS's console and what
 * Gatehouse pins in its settings after the admin accepted it.
 */
export function fingerprintOf(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')
}

/** The key type named inside an SSH key blob ("ssh-ed25519", "ecdsa-sha2-nistp256", …). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown'
  const len = keyBlob.readUInt32BE(0)
  return keyBlob.subarray(4, 4 + len).toString('latin1')
}

/** known_hosts names a non-default port as "[host]:port". */
function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`
}

/**
 * The fingerprints `~/.ssh/known_hosts` (or `path`) lists for host:port, plain or hashed
 * (`|1|salt|hmac` entries, HashKnownHosts yes). `@revoked` lines are returned separately so a
 * revoked key is refused even when the admin accepted it before; `@cert-authority` lines are
 * ignored (Gatehouse does not do host certificates).
 */
export async function knownHostKeys(
  host: string,
  port: number,
  path = join(homedir(), '.ssh', 'known_hosts'),
): Promise<{ trusted: string[]; revoked: string[] }> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    return { trusted: [], revoked: [] }
  }
  const name = knownHostsName(host, port)
  const trusted: string[] = []
  const revoked: string[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const parts = line.split(/\s+/)
    let marker = ''
    if (parts[0]?.startsWith('@')) marker = parts.shift() ?? ''
    if (marker === '@cert-authority' || parts.length < 3) continue
    const [hosts, , blob64] = parts
    if (!hosts || !blob64 || !hostsMatch(hosts, name)) continue
    const fp = fingerprintOf(Buffer.from(blob64, 'base64'))
    ;(marker === '@revoked' ? revoked : trusted).push(fp)
  }
  return { trusted, revoked }
}

function hostsMatch(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|')
    if (!salt || !hash) return false
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64')
    return mac === hash
  }
  let match = false
  for (const pattern of field.split(',')) {
    const negated = pattern.startsWith('!')
    const p = negated ? pattern.slice(1) : pattern
    if (globMatch(p, name)) {
      if (negated) return false
      match = true
    }
  }
  return match
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    '^' +
      pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
    'i',
  )
  return re.test(name)
}
