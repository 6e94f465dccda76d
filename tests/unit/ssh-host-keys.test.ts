import { createHash, createHmac, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { createDockerEngine } from '../../src/main/docker/engine'
import { fingerprintOf, keyTypeOf, knownHostKeys } from '../../src/main/ssh/host-keys'
import { formatSshTarget, parseSshTarget } from '../../src/main/ssh/target'
import { GatehouseError } from '../../src/shared/errors'

/** Host-key fingerprints, known_hosts matching, SSH addresses, the insecure-TCP refusal (#15). */

const dir = mkdtempSync(join(tmpdir(), 'gh-hostkeys-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A fake ed25519 key blob: string "ssh-ed25519", then 32 bytes. */
function blob(): Buffer {
  const type = Buffer.from('ssh-ed25519')
  const key = randomBytes(32)
  const out = Buffer.alloc(4 + type.length + 4 + key.length)
  out.writeUInt32BE(type.length, 0)
  type.copy(out, 4)
  out.writeUInt32BE(key.length, 4 + type.length)
  key.copy(out, 8 + type.length)
  return out
}

const line = (hosts: string, key: Buffer, marker = '') =>
  `${marker ? marker + ' ' : ''}${hosts} ssh-ed25519 ${key.toString('base64')}`

function file(lines: string[]): string {
  const path = join(dir, `kh-${randomBytes(4).toString('hex')}`)
  writeFileSync(path, lines.join('\n') + '\n')
  return path
}

describe('fingerprints', () => {
  test('SHA256: + unpadded base64 of the blob, and the key type from the blob', () => {
    const key = blob()
    const expected = createHash('sha256').update(key).digest('base64').replace(/=+$/, '')
    expect(fingerprintOf(key)).toBe(`SHA256:${expected}`)
    expect(fingerprintOf(key)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
    expect(keyTypeOf(key)).toBe('ssh-ed25519')
  })
})

describe('known_hosts', () => {
  const a = blob()
  const b = blob()
  const c = blob()

  test('plain names, lists, wildcards, negation and the [host]:port form', async () => {
    const path = file([
      '# comment',
      line('nas.lan,192.168.1.10', a),
      line('[nas.lan]:2222', b),
      line('*.example.org,!evil.example.org', c),
    ])
    expect((await knownHostKeys('nas.lan', 22, path)).trusted).toEqual([fingerprintOf(a)])
    expect((await knownHostKeys('192.168.1.10', 22, path)).trusted).toEqual([fingerprintOf(a)])
    expect((await knownHostKeys('nas.lan', 2222, path)).trusted).toEqual([fingerprintOf(b)])
    expect((await knownHostKeys('box.example.org', 22, path)).trusted).toEqual([fingerprintOf(c)])
    expect((await knownHostKeys('evil.example.org', 22, path)).trusted).toEqual([])
    expect((await knownHostKeys('other', 22, path)).trusted).toEqual([])
  })

  test('hashed entries (HashKnownHosts) and @revoked; @cert-authority ignored; no file is empty', async () => {
    const salt = randomBytes(20)
    const hash = createHmac('sha1', salt).update('[nas.lan]:2222').digest('base64')
    const path = file([
      line(`|1|${salt.toString('base64')}|${hash}`, a),
      line('[nas.lan]:2222', b, '@revoked'),
      line('[nas.lan]:2222', c, '@cert-authority'),
    ])
    expect(await knownHostKeys('nas.lan', 2222, path)).toEqual({
      trusted: [fingerprintOf(a)],
      revoked: [fingerprintOf(b)],
    })
    expect(await knownHostKeys('nas.lan', 22, path)).toEqual({ trusted: [], revoked: [] })
    expect(await knownHostKeys('nas.lan', 22, join(dir, 'missing'))).toEqual({
      trusted: [],
      revoked: [],
    })
  })
})

describe('ssh addresses', () => {
  test('user, host and port; IPv6 in brackets; the user is required', () => {
    expect(parseSshTarget('ssh://admin@nas')).toEqual({ user: 'admin', host: 'nas', port: 22 })
    expect(parseSshTarget('ssh://admin@nas:2222')).toMatchObject({ port: 2222 })
    expect(parseSshTarget('ssh://root@[fd00::5]:22')).toMatchObject({ host: 'fd00::5' })
    expect(formatSshTarget({ user: 'root', host: 'fd00::5', port: 2200 })).toBe(
      'ssh://root@[fd00::5]:2200',
    )
    for (const bad of ['ssh://nas', 'nas', 'http://a@nas'])
      expect(() => parseSshTarget(bad)).toThrow(GatehouseError)
  })
})

describe('plain tcp://', () => {
  test('refused to another machine unless allowed; loopback and TLS are fine', () => {
    let error: unknown
    try {
      createDockerEngine({ endpoint: 'tcp://nas.lan:2375' })
    } catch (e) {
      error = e
    }
    expect(error).toMatchObject({ code: 'DOCKER_INSECURE_TCP' })
    expect(() =>
      createDockerEngine({ endpoint: 'tcp://nas.lan:2375', allowInsecureTcp: true }),
    ).not.toThrow()
    expect(() => createDockerEngine({ endpoint: 'tcp://127.0.0.1:2375' })).not.toThrow()
    expect(() => createDockerEngine({ endpoint: 'tcp://[::1]:2375' })).not.toThrow()
    expect(() => createDockerEngine({ endpoint: 'https://nas.lan:2376' })).not.toThrow()
    expect(() => createDockerEngine({ endpoint: 'ssh://a@nas.lan' })).toThrow(GatehouseError)
  })
})
