import { spawn, spawnSync } from 'node:child_process'
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { GatehouseError } from '../../src/shared/errors'
import { createVault, unlockVault } from '../../src/main/secrets/vault-store'
import { vaultScryptLogN } from '../../src/main/secrets/vault-file'

/**
 * The encrypted vault on real files (no keychain, no D-Bus): wrong passphrase, damaged and
 * truncated files, permissions, a writer killed mid-write, and the CLI's init-vault with the
 * passphrase from a file, a file descriptor and the terminal.
 */
const root = join(import.meta.dirname, '..', '..')
const bin = join(root, 'bin', 'gatehouse.mjs')
const work = mkdtempSync(join(tmpdir(), 'gh-vault-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const passphrase = 'tr0ub4dor & 3 horses'
// Fast scrypt for the file-level tests; the product's cost is checked where it matters (CLI).
const logN = 10
let n = 0
const fresh = () => join(mkdtempSync(join(work, `v${++n}-`)), 'secrets.age')

async function failure(promise: Promise<unknown>): Promise<GatehouseError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(GatehouseError)
  return error as GatehouseError
}

/** Bytes and mtime: "not touched" means both are the same. */
const snapshot = (path: string) => ({
  bytes: readFileSync(path).toString('base64'),
  mtimeMs: statSync(path).mtimeMs,
  mode: statSync(path).mode & 0o777,
})

/** An env without any D-Bus session: what a NAS shell has. */
function headlessEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra }
  delete env.DBUS_SESSION_BUS_ADDRESS
  delete env.GATEHOUSE_KEYCHAIN_SERVICE
  return env
}

describe('vault file', () => {
  test('round trip: 0600, armored age, no plaintext in the file, survives a reopen', async () => {
    const path = fresh()
    const vault = await createVault({ path, passphrase, scryptLogN: logN })
    await vault.set('postgresPassword', 'pg-secret-value-0123456789')
    await vault.set('integration:immich:clientSecret', 'immich-client-secret-abcdef')
    expect(await vault.ensure('authentikSecretKey')).toHaveLength(64)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const text = readFileSync(path, 'utf8')
    expect(text.startsWith('-----BEGIN AGE ENCRYPTED FILE-----')).toBe(true)
    expect(text).not.toContain('pg-secret-value')
    expect(text).not.toContain('immich-client-secret')
    const again = await unlockVault({ path, passphrase })
    expect(await again.get('postgresPassword')).toBe('pg-secret-value-0123456789')
    expect(await again.names()).toEqual([
      'authentikSecretKey',
      'integration:immich:clientSecret',
      'postgresPassword',
    ])
    expect(await again.status()).toMatchObject({
      available: true,
      store: 'vault',
      secrets: { postgresPassword: true, authentikSecretKey: true, smtpPassword: false },
    })
    expect(await again.delete('postgresPassword')).toBe(true)
    expect(await again.delete('postgresPassword')).toBe(false)
    expect(await (await unlockVault({ path, passphrase })).get('postgresPassword')).toBeNull()
    // No temp file is left next to it.
    expect(readdirSync(join(path, '..'))).toEqual(['secrets.age'])
  })

  test('the standard scrypt recipient at the product cost (log2 N in the stanza)', async () => {
    const path = fresh()
    await createVault({ path, passphrase })
    const { armor } = await import('age-encryption')
    const header = Buffer.from(armor.decode(readFileSync(path, 'utf8'))).toString('latin1')
    expect(header).toMatch(
      new RegExp(`^age-encryption\\.org/v1\\n-> scrypt \\S+ ${vaultScryptLogN}\\n`),
    )
  })

  test('a wrong passphrase is refused and the file is not touched', async () => {
    const path = fresh()
    const vault = await createVault({ path, passphrase, scryptLogN: logN })
    await vault.set('bootstrapToken', 'token-value-1')
    const before = snapshot(path)
    const error = await failure(unlockVault({ path, passphrase: 'not the passphrase' }))
    expect(error.code).toBe('VAULT_WRONG_PASSPHRASE')
    expect(error.message).not.toContain('not the passphrase')
    expect(snapshot(path)).toEqual(before)
  })

  test('a truncated or altered file is refused with a clear error and never overwritten', async () => {
    const path = fresh()
    const vault = await createVault({ path, passphrase, scryptLogN: logN })
    await vault.set('postgresPassword', 'p'.repeat(100_000))
    const full = readFileSync(path)

    // Cut inside the encrypted payload (armor lines re-wrapped so only the age check can tell).
    const { armor } = await import('age-encryption')
    const bytes = armor.decode(full.toString('utf8'))
    writeFileSync(path, armor.encode(bytes.subarray(0, bytes.length - 5000)), { mode: 0o600 })
    let before = snapshot(path)
    let error = await failure(unlockVault({ path, passphrase }))
    expect(error.code).toBe('VAULT_DAMAGED')
    expect(error.message).toMatch(/damaged or truncated/)
    expect(error.hint).toMatch(/never replaces/)
    expect(snapshot(path)).toEqual(before)

    // The file cut in half as text (a full disk, a bad copy).
    writeFileSync(path, full.subarray(0, full.length / 2), { mode: 0o600 })
    before = snapshot(path)
    error = await failure(unlockVault({ path, passphrase }))
    expect(error.code).toBe('VAULT_DAMAGED')
    expect(snapshot(path)).toEqual(before)

    // One flipped bit in the payload: the authenticated chunks refuse it.
    const flipped = Uint8Array.from(bytes)
    flipped[flipped.length - 10]! ^= 1
    writeFileSync(path, armor.encode(flipped), { mode: 0o600 })
    expect((await failure(unlockVault({ path, passphrase }))).code).toBe('VAULT_DAMAGED')

    // Empty file.
    truncateSync(path, 0)
    expect((await failure(unlockVault({ path, passphrase }))).code).toBe('VAULT_DAMAGED')
  })

  test('a vault damaged under a running process is refused there too, and not overwritten', async () => {
    const path = fresh()
    const vault = await createVault({ path, passphrase, scryptLogN: logN })
    await vault.set('postgresPassword', 'before-damage-value')
    writeFileSync(path, readFileSync(path).subarray(0, 200), { mode: 0o600 })
    const before = snapshot(path)
    expect((await failure(vault.set('smtpPassword', 'new-smtp-value'))).code).toBe('VAULT_DAMAGED')
    expect((await failure(vault.get('postgresPassword'))).code).toBe('VAULT_DAMAGED')
    expect(snapshot(path)).toEqual(before)
  })

  test('wider permissions are narrowed back to 0600 with a warning; a link is refused', async () => {
    const path = fresh()
    await createVault({ path, passphrase, scryptLogN: logN })
    chmodSync(path, 0o644)
    const warnings: string[] = []
    const vault = await unlockVault({ path, passphrase, warn: (t) => warnings.push(t) })
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(warnings).toEqual([expect.stringMatching(/had mode 0644; set it back to 0600/)])
    expect(await vault.get('postgresPassword')).toBeNull()

    const link = join(path, '..', 'link.age')
    spawnSync('ln', ['-s', path, link])
    expect((await failure(unlockVault({ path: link, passphrase }))).message).toMatch(
      /not a regular file/,
    )
  })

  test('a missing vault is never recreated silently', async () => {
    const path = fresh()
    const error = await failure(unlockVault({ path, passphrase }))
    expect(error.code).toBe('VAULT_MISSING')
    expect(() => statSync(path)).toThrow()
  })

  test('a second process sees the first one’s writes (no lost update between CLI and serve)', async () => {
    const path = fresh()
    const a = await createVault({ path, passphrase, scryptLogN: logN })
    const b = await unlockVault({ path, passphrase, scryptLogN: logN })
    await a.set('smtpPassword', 'from-a-1234')
    await b.set('bootstrapToken', 'from-b-5678')
    expect(await a.get('bootstrapToken')).toBe('from-b-5678')
    expect(await (await unlockVault({ path, passphrase })).names()).toEqual([
      'bootstrapToken',
      'smtpPassword',
    ])
  })

  test('SIGKILL during writes, again and again: the vault always opens with the last value or a newer one', async () => {
    const path = fresh()
    await createVault({ path, passphrase, scryptLogN: logN })
    const child = join(root, 'tests', 'support', 'vault-writer.ts')
    let kills = 0
    let midWrite = 0
    for (let round = 0; round < 12; round++) {
      const writer = spawn(process.execPath, ['--import', 'tsx', child, path, String(logN)], {
        cwd: root,
        stdio: ['pipe', 'pipe', 'pipe'],
      })
      writer.stdin.end(passphrase + '\n')
      let out = ''
      let err = ''
      writer.stderr.on('data', (c: Buffer) => (err += c.toString()))
      // Wait until it has written at least once, then kill it after a random extra delay.
      await new Promise<void>((resolve, reject) => {
        writer.stdout.on('data', (c: Buffer) => {
          out += c.toString()
          if (/wrote \d+/.test(out)) resolve()
        })
        writer.once('exit', () => reject(new Error(`writer exited early: ${err}`)))
      })
      await new Promise((r) => setTimeout(r, Math.random() * 150))
      const exited = new Promise((r) => writer.once('exit', r))
      writer.kill('SIGKILL')
      await exited
      kills++
      const lastDone = Math.max(...[...out.matchAll(/wrote (\d+)/g)].map((m) => Number(m[1])))
      // A temp file left by the killed writer proves the kill landed mid-write.
      const leftover = readdirSync(join(path, '..')).some((f) => f.includes('.tmp-'))
      if (leftover) midWrite++
      const vault = await unlockVault({ path, passphrase })
      // Unlocking clears what dead writers left behind.
      expect(readdirSync(join(path, '..'))).toEqual(['secrets.age'])
      const value = (await vault.get('postgresPassword')) ?? ''
      const stored = Number(value.split('-')[1])
      // The last acknowledged write is there, or the one that was in flight when it died.
      expect(stored === lastDone || stored === lastDone + 1).toBe(true)
      expect(value).toHaveLength(`counter-${stored}-`.length + 200_000)
    }
    expect(kills).toBe(12)
    // Not a flaky requirement on timing, but a record of what the loop exercised.
    console.log(`vault kill test: ${kills} kills, ${midWrite} of them left a temp file behind`)
  }, 120_000)
})

describe('gatehouse secrets init-vault (the real bin, no D-Bus)', () => {
  const ok = (r: { status: number | null; stderr: string }) => {
    if (r.status !== 0) throw new Error(r.stderr)
  }

  test('from --passphrase-file: creates the vault 0600 and records the choice; refuses to replace it', () => {
    const dataDir = join(work, 'cli-file')
    const pp = join(work, 'pp-file')
    writeFileSync(pp, `${passphrase}\n`, { mode: 0o600 })
    const env = headlessEnv({ GATEHOUSE_DATA_DIR: dataDir })
    const r = spawnSync(process.execPath, [bin, 'secrets', 'init-vault', '--passphrase-file', pp], {
      env,
      encoding: 'utf8',
    })
    ok(r)
    expect(JSON.parse(r.stdout)).toMatchObject({
      store: 'vault',
      kdf: `scrypt N=2^${vaultScryptLogN} r=8 p=1`,
    })
    expect(statSync(join(dataDir, 'secrets.age')).mode & 0o777).toBe(0o600)
    expect(JSON.parse(readFileSync(join(dataDir, 'secret-store.json'), 'utf8'))).toEqual({
      store: 'vault',
      file: 'secrets.age',
    })
    const again = spawnSync(
      process.execPath,
      [bin, 'secrets', 'init-vault', '--passphrase-file', pp],
      { env, encoding: 'utf8' },
    )
    expect(again.status).toBe(2)
    expect(again.stderr).toMatch(/already exists/)

    // Every command asks per run: without a passphrase the store is reported locked.
    const locked = spawnSync(process.execPath, [bin, 'secrets', 'status'], {
      env,
      encoding: 'utf8',
      input: '',
    })
    expect(JSON.parse(locked.stdout)).toMatchObject({
      available: false,
      store: 'vault',
      error: { code: 'VAULT_LOCKED' },
    })
    const status = spawnSync(
      process.execPath,
      [bin, 'secrets', 'status', '--passphrase-file', pp],
      { env, encoding: 'utf8' },
    )
    expect(JSON.parse(status.stdout)).toMatchObject({ available: true, store: 'vault' })

    // A short passphrase is refused before anything is written.
    const shortFile = join(work, 'pp-short')
    writeFileSync(shortFile, 'short\n', { mode: 0o600 })
    const short = spawnSync(
      process.execPath,
      [bin, 'secrets', 'init-vault', '--passphrase-file', shortFile],
      { env: headlessEnv({ GATEHOUSE_DATA_DIR: join(work, 'cli-short') }), encoding: 'utf8' },
    )
    expect(short.status).toBe(2)
    expect(short.stderr).toMatch(/at least 12 characters/)
    expect(() => statSync(join(work, 'cli-short', 'secrets.age'))).toThrow()
  })

  test('from a file descriptor (/dev/fd/3), as systemd credentials or a pipe hand it over', async () => {
    const dataDir = join(work, 'cli-fd')
    const child = spawn(
      process.execPath,
      [bin, 'secrets', 'init-vault', '--passphrase-file', '/dev/fd/3'],
      {
        env: headlessEnv({ GATEHOUSE_DATA_DIR: dataDir }),
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      },
    )
    const fd3 = child.stdio[3] as NodeJS.WritableStream
    fd3.on('error', () => undefined) // the child closes its end when done
    fd3.end(`${passphrase}\n`)
    let stderr = ''
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
    const code = await new Promise((r) => child.once('exit', r))
    expect(code, stderr).toBe(0)
    const vault = await unlockVault({ path: join(dataDir, 'secrets.age'), passphrase })
    expect(await vault.names()).toEqual([])
  })

  test('on the terminal: asked twice with echo off; a mismatch creates nothing', async () => {
    // util-linux `script` gives the CLI a real pseudo-terminal and records what it displays.
    // Each answer is typed only once its prompt is on screen, as a person would (typing ahead
    // of any program is echoed by the terminal itself, before the program can turn echo off).
    const run = (dataDir: string, answers: string[]) =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(
          'script',
          ['-qfec', `${process.execPath} ${bin} secrets init-vault`, '/dev/null'],
          {
            env: headlessEnv({ GATEHOUSE_DATA_DIR: dataDir }),
            stdio: ['pipe', 'pipe', 'pipe'],
          },
        )
        let screen = ''
        let answered = 0
        const prompts = [/New vault passphrase: $/, /Type it again: $/]
        child.stdout.on('data', (c: Buffer) => {
          screen += c.toString()
          if (answered < answers.length && prompts[answered]!.test(screen)) {
            child.stdin.write(`${answers[answered++]!}\r`)
          }
        })
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
        child.once('error', reject)
        child.once('exit', () => {
          clearTimeout(timer)
          resolve(screen)
        })
      })
    const good = join(work, 'cli-tty')
    const shown = await run(good, [passphrase, passphrase])
    expect(shown).toContain('New vault passphrase:')
    expect(shown).toContain('Type it again:')
    expect(shown).toContain('is created (mode 0600)')
    expect(shown).not.toContain(passphrase)
    expect(statSync(join(good, 'secrets.age')).mode & 0o777).toBe(0o600)

    const bad = join(work, 'cli-tty-mismatch')
    const mismatch = await run(bad, [passphrase, 'something else entirely'])
    expect(mismatch).toMatch(/two passphrases differ/)
    expect(mismatch).not.toContain('something else')
    expect(() => statSync(join(bad, 'secrets.age'))).toThrow()
  }, 90_000)
  test('serve on a terminal: asks for the passphrase once (echo off), then listens', async () => {
    const dataDir = join(work, 'serve-tty')
    const pp = join(work, 'pp-serve-tty')
    writeFileSync(pp, `${passphrase}\n`, { mode: 0o600 })
    const env = headlessEnv({ GATEHOUSE_DATA_DIR: dataDir })
    ok(
      spawnSync(process.execPath, [bin, 'secrets', 'init-vault', '--passphrase-file', pp], {
        env,
        encoding: 'utf8',
      }),
    )
    const serve = join(root, 'out', 'main', 'serve.js')
    const screen = await new Promise<string>((resolve, reject) => {
      const child = spawn('script', ['-qfec', `${process.execPath} ${serve}`, '/dev/null'], {
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
      })
      let shown = ''
      let typed = false
      let stopped = false
      child.stdout.on('data', (c: Buffer) => {
        shown += c.toString()
        if (!typed && /Vault passphrase: $/.test(shown)) {
          typed = true
          child.stdin.write(`${passphrase}\r`)
        }
        if (!stopped && /\?token=/.test(shown)) {
          stopped = true
          // Ctrl-C on the terminal: serve's SIGINT handler closes the host.
          child.stdin.write('\u0003')
        }
      })
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
      child.once('error', reject)
      child.once('exit', () => {
        clearTimeout(timer)
        resolve(shown)
      })
    })
    expect(screen).toMatch(/Vault passphrase: /)
    expect(screen).toMatch(/is unlocked for the life of this process/)
    expect(screen).toMatch(/http:\/\/127\.0\.0\.1:\d+\/\?token=/)
    expect(screen).not.toContain(passphrase)
  }, 90_000)
})
