import { execFile, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, test } from 'vitest'
import { GatehouseError, type GatehouseErrorData } from '../../src/shared/errors'
import {
  createKeychainStore,
  secretNames,
  type KeychainEntry,
  type SecretStoreStatus,
} from '../../src/main/secrets/store'

// Runs inside scripts/with-keyring.sh: a private session bus with a fresh, unlocked gnome-keyring.
const root = join(import.meta.dirname, '..', '..')
const storeModule = join(root, 'src', 'main', 'secrets', 'store.ts')
const withKeyring = join(root, 'scripts', 'with-keyring.sh')
// One service per run, so the suite never touches real Gatehouse entries nor an earlier run's.
const service = `gatehouse-test-${randomBytes(6).toString('hex')}`

/** secret-tool (libsecret) is the independent witness of what really landed in the keyring. */
function secretTool(...args: string[]) {
  const r = spawnSync('secret-tool', args, { encoding: 'utf8', timeout: 15_000 })
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' }
}
// @napi-rs/keyring stores the account name in the attribute `username` (not `account`).
const lookup = (name: string) => secretTool('lookup', 'service', service, 'username', name)
/** Every item of the service as "username=secret", from `secret-tool search --all`. */
function itemsInKeyring(): string[] {
  const r = secretTool('search', '--all', 'service', service)
  expect(r.code).toBe(0)
  const secrets = [...r.stdout.matchAll(/^secret = (.*)$/gm)].map((m) => m[1])
  // secret-tool prints attributes on stderr, one block per item in the same order.
  const users = [...r.stderr.matchAll(/^attribute\.username = (.*)$/gm)].map((m) => m[1])
  expect(users).toHaveLength(secrets.length)
  return users.map((u, i) => `${u}=${secrets[i]}`).sort()
}

async function failure(promise: Promise<unknown>): Promise<GatehouseError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(GatehouseError)
  return error as GatehouseError
}

function secretServicePid(): number {
  const r = spawnSync(
    'dbus-send',
    [
      '--session',
      '--print-reply=literal',
      '--dest=org.freedesktop.DBus',
      '/',
      'org.freedesktop.DBus.GetConnectionUnixProcessID',
      'string:org.freedesktop.secrets',
    ],
    { encoding: 'utf8' },
  )
  const pid = Number(/(\d+)\s*$/.exec(r.stdout)?.[1])
  expect(pid, `no Secret Service on the bus: ${r.stderr}`).toBeGreaterThan(1)
  return pid
}

type Attempt = { ms: number; value?: unknown; error?: GatehouseErrorData }

/**
 * Runs `body` in a fresh Node process that loads the real store (through Vite, since it is
 * TypeScript). Needed because libdbus reads DBUS_SESSION_BUS_ADDRESS once per process, so a
 * different bus can only be tried in another process. `body` calls report(...) once.
 */
function inChild(
  body: string,
  options: { env?: NodeJS.ProcessEnv; ownKeyring?: boolean } = {},
): Promise<Record<string, unknown>> {
  const code = `
    const { createServer } = await import('vite')
    // A server (not runnerImport) because the store imports the native library lazily, after
    // loading, and runnerImport closes its module runner as soon as the import is done.
    const vite = await createServer({ configFile: false, logLevel: 'silent', server: { hmr: false, ws: false, middlewareMode: true } })
    const secrets = await vite.ssrLoadModule(${JSON.stringify(storeModule)})
    const { execFileSync } = await import('node:child_process')
    const service = ${JSON.stringify(service)}
    const report = (value) => process.stdout.write('\\nREPORT ' + JSON.stringify(value) + '\\n')
    const attempt = async (fn) => {
      const t0 = performance.now()
      try {
        return { value: await fn(), ms: performance.now() - t0 }
      } catch (e) {
        return { error: e.toData ? e.toData() : { message: String(e) }, ms: performance.now() - t0 }
      }
    }
    try {
      ${body}
    } finally {
      await vite.close()
    }
  `
  const node = [process.execPath, '--input-type=module', '-e', code]
  const [file, ...args] = options.ownKeyring ? ['bash', withKeyring, ...node] : node
  return new Promise((resolve, reject) => {
    execFile(
      file!,
      args,
      { cwd: root, env: options.env ?? process.env, timeout: 60_000, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('REPORT '))
        if (!line) return reject(new Error(`child reported nothing (${error?.message})\n${stderr}`))
        resolve(JSON.parse(line.slice('REPORT '.length)) as Record<string, unknown>)
      },
    )
  })
}

let reachable: { ok: boolean; why: string } | undefined
function secretServiceReachable() {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) {
    return { ok: false, why: 'no session bus: run this suite through scripts/with-keyring.sh' }
  }
  const probe = secretTool('search', '--all', 'service', service)
  return { ok: probe.code === 0, why: `secret-tool cannot reach a Secret Service: ${probe.stderr}` }
}

// Checked before each test (not in beforeAll, whose failure vitest reports as skipped tests):
// without a Secret Service every test here fails, none is skipped.
beforeEach(() => {
  reachable ??= secretServiceReachable()
  expect(reachable.ok, reachable.why).toBe(true)
})

afterAll(() => {
  if (!reachable?.ok) return
  secretTool('clear', 'service', service)
  expect(itemsInKeyring()).toEqual([])
})

describe('keychain store on a real gnome-keyring', () => {
  const store = createKeychainStore({ service })

  test('set then get round-trips, and secret-tool finds the value under service/username', async () => {
    const value = `round-trip-${randomBytes(24).toString('hex')}`
    await store.set('postgresPassword', value)
    expect(lookup('postgresPassword').stdout).toBe(value)
    await expect(store.get('postgresPassword')).resolves.toBe(value)
    expect(itemsInKeyring()).toEqual([`postgresPassword=${value}`])
  })

  test('set replaces the value instead of adding a second item', async () => {
    const value = `replaced-${randomBytes(24).toString('hex')}`
    await store.set('postgresPassword', value)
    expect(lookup('postgresPassword').stdout).toBe(value)
    expect(itemsInKeyring()).toEqual([`postgresPassword=${value}`])
  })

  test('get reads what another tool stored, and returns null for a missing secret', async () => {
    const value = `from-secret-tool-${randomBytes(16).toString('hex')}`
    const stored = spawnSync(
      'secret-tool',
      ['store', '--label=test', 'service', service, 'username', 'smtpPassword'],
      { input: value, encoding: 'utf8' },
    )
    expect(stored.status).toBe(0)
    await expect(store.get('smtpPassword')).resolves.toBe(value)
    await expect(store.get('bootstrapPassword')).resolves.toBeNull()
  })

  test('delete removes the item; deleting again reports nothing to delete', async () => {
    await expect(store.delete('smtpPassword')).resolves.toBe(true)
    expect(lookup('smtpPassword').code).not.toBe(0)
    await expect(store.delete('smtpPassword')).resolves.toBe(false)
    await expect(store.get('smtpPassword')).resolves.toBeNull()
  })

  test('ensure generates and stores once; later calls return the same value', async () => {
    const first = await store.ensure('authentikSecretKey')
    expect(first).toMatch(/^[A-Za-z0-9]{64}$/)
    expect(lookup('authentikSecretKey').stdout).toBe(first)
    await expect(store.ensure('authentikSecretKey')).resolves.toBe(first)
    // A second store (as after an app restart) sees the same value.
    await expect(createKeychainStore({ service }).ensure('authentikSecretKey')).resolves.toBe(first)
    expect(itemsInKeyring().filter((i) => i.startsWith('authentikSecretKey='))).toEqual([
      `authentikSecretKey=${first}`,
    ])
  })

  test('concurrent ensure calls agree on one value', async () => {
    const values = await Promise.all(
      Array.from({ length: 5 }, () => store.ensure('bootstrapToken')),
    )
    expect(new Set(values).size).toBe(1)
    expect(lookup('bootstrapToken').stdout).toBe(values[0])
  })

  test('ensure keeps a value that is already there', async () => {
    const value = `kept-${randomBytes(30).toString('hex')}`
    await store.set('bootstrapPassword', value)
    await expect(store.ensure('bootstrapPassword')).resolves.toBe(value)
    expect(lookup('bootstrapPassword').stdout).toBe(value)
  })

  test('status reports presence only, never a value', async () => {
    await store.delete('smtpPassword')
    const status = await store.status()
    expect(status).toEqual({
      available: true,
      backend: 'secret-service',
      store: 'keychain',
      secrets: {
        postgresPassword: true,
        authentikSecretKey: true,
        bootstrapPassword: true,
        bootstrapToken: true,
        smtpPassword: false,
        gatehouseApiToken: false,
      },
    })
    const text = JSON.stringify(status)
    for (const item of itemsInKeyring()) expect(text).not.toContain(item.split('=')[1])
  })

  test('a name outside the closed list is refused before the keychain is asked', async () => {
    // @ts-expect-error not one of Gatehouse's secrets
    const error = await failure(store.get('login'))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.hint).toContain(secretNames.join(', '))
  })
})

describe('keychain failures name the cause and the fix', () => {
  test('no session bus at all → KEYCHAIN_UNAVAILABLE within milliseconds', async () => {
    const report = await inChild(
      `const store = secrets.createKeychainStore({ service })
       report({ get: await attempt(() => store.get('postgresPassword')),
                set: await attempt(() => store.set('postgresPassword', 'n0-bus-${'x'.repeat(50)}')),
                status: await store.status() })`,
      { env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/gatehouse-bus' } },
    )
    const get = report.get as Attempt
    expect(get.error).toMatchObject({ code: 'KEYCHAIN_UNAVAILABLE' })
    expect(get.error?.message).toMatch(/no D-Bus session bus is reachable.*gnome-keyring/)
    expect(get.error?.hint).toMatch(/gnome-keyring/)
    expect(get.error?.details).toMatchObject({ cause: expect.stringContaining('/nonexistent') })
    expect(get.ms).toBeLessThan(1000)
    const set = report.set as Attempt
    expect(set.error).toMatchObject({ code: 'KEYCHAIN_UNAVAILABLE' })
    expect(JSON.stringify(set.error)).not.toContain('n0-bus-')
    const status = report.status as SecretStoreStatus
    expect(status).toMatchObject({ available: false, backend: 'secret-service' })
    expect(status.error?.code).toBe('KEYCHAIN_UNAVAILABLE')
    expect(Object.values(status.secrets)).toEqual(secretNames.map(() => false))
  })

  test('a session bus without any Secret Service → KEYCHAIN_UNAVAILABLE naming gnome-keyring', async () => {
    // A private dbus-daemon that knows no services: what a headless NAS without gnome-keyring has.
    // Its policy is session.conf's (a narrower one silently drops the bus's own error replies).
    const dir = mkdtempSync(join(tmpdir(), 'gh-bare-bus-'))
    writeFileSync(
      join(dir, 'bus.conf'),
      `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
        "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
      <busconfig><type>session</type><listen>unix:dir=${dir}</listen><auth>EXTERNAL</auth>
        <policy context="default">
          <allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/>
        </policy>
      </busconfig>`,
    )
    const daemon = execFile('dbus-daemon', [
      `--config-file=${join(dir, 'bus.conf')}`,
      '--nofork',
      `--print-address=1`,
    ])
    try {
      const address = await new Promise<string>((resolve, reject) => {
        daemon.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()))
        daemon.once('exit', (code) => reject(new Error(`dbus-daemon exited with ${code}`)))
      })
      const report = await inChild(
        `const store = secrets.createKeychainStore({ service })
         report({ get: await attempt(() => store.get('bootstrapToken')) })`,
        { env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address } },
      )
      const get = report.get as Attempt
      expect(get.error).toMatchObject({ code: 'KEYCHAIN_UNAVAILABLE' })
      expect(get.error?.message).toMatch(
        /No Secret Service is running \(gnome-keyring \/ KWallet\)/i,
      )
      expect(get.error?.hint).toMatch(/install and start gnome-keyring.*or unlock your keyring/i)
      expect(get.ms).toBeLessThan(1000)
    } finally {
      daemon.kill()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('a locked keyring with no way to prompt → KEYCHAIN_UNAVAILABLE saying to unlock it', async () => {
    // Its own with-keyring session: locking the shared keyring could not be undone (the password
    // is gone). No display, so gnome-keyring's prompt fails at once instead of waiting for a human.
    const env = { ...process.env }
    delete env.DISPLAY
    delete env.WAYLAND_DISPLAY
    const secret = `locked-${'y'.repeat(50)}`
    const report = await inChild(
      `const store = secrets.createKeychainStore({ service })
       await store.set('bootstrapPassword', ${JSON.stringify(secret)})
       execFileSync('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.secrets',
         '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.Lock',
         'array:objpath:/org/freedesktop/secrets/aliases/default'])
       report({ get: await attempt(() => store.get('bootstrapPassword')),
                ensure: await attempt(() => store.ensure('bootstrapPassword')),
                status: await store.status() })`,
      { env, ownKeyring: true },
    )
    for (const key of ['get', 'ensure'] as const) {
      const result = report[key] as Attempt
      expect(result.error).toMatchObject({ code: 'KEYCHAIN_UNAVAILABLE' })
      expect(result.error?.message).toMatch(/keyring is locked/)
      expect(result.error?.hint).toMatch(/Unlock your keyring/)
      expect(JSON.stringify(result.error)).not.toContain(secret)
    }
    expect((report.status as SecretStoreStatus).available).toBe(false)
  })

  test('an operation that never returns → KEYCHAIN_TIMEOUT after timeoutMs; later calls fail fast until it returns', async () => {
    let release: (value: null) => void = () => undefined
    const never = new Promise<null>((resolve) => (release = resolve))
    const hanging: KeychainEntry = {
      getPassword: () => never,
      setPassword: () => never.then(() => undefined),
      deleteCredential: () => never.then(() => false),
    }
    const store = createKeychainStore({ service, timeoutMs: 150, openEntry: () => hanging })

    const t0 = performance.now()
    const error = await failure(store.get('postgresPassword'))
    const elapsed = performance.now() - t0
    expect(error.code).toBe('KEYCHAIN_TIMEOUT')
    expect(error.message).toContain('no answer within 150 ms')
    expect(error.hint).toMatch(/keyring is probably locked; unlock it and retry/)
    expect(elapsed).toBeGreaterThanOrEqual(140)
    expect(elapsed).toBeLessThan(1000)

    const t1 = performance.now()
    const again = await failure(store.set('postgresPassword', 'z'.repeat(60)))
    expect(again.code).toBe('KEYCHAIN_TIMEOUT')
    expect(again.details).toMatchObject({ waitingForEarlierRequest: true })
    expect(performance.now() - t1).toBeLessThan(50)
    expect(JSON.stringify(again.toData())).not.toContain('z'.repeat(60))

    // Once the stuck call comes back, the store talks to the keychain again.
    release(null)
    await new Promise((resolve) => setTimeout(resolve, 10))
    await expect(store.get('postgresPassword')).resolves.toBeNull()
  })

  test('a frozen gnome-keyring-daemon (a real hang) → KEYCHAIN_TIMEOUT, then recovery', async () => {
    const value = `frozen-${randomBytes(24).toString('hex')}`
    const store = createKeychainStore({ service, timeoutMs: 500 })
    // The first call opens (and keeps) the entry while the daemon still answers.
    await store.set('smtpPassword', value)
    const pid = secretServicePid()
    process.kill(pid, 'SIGSTOP')
    try {
      const t0 = performance.now()
      const error = await failure(store.get('smtpPassword'))
      const elapsed = performance.now() - t0
      expect(error.code).toBe('KEYCHAIN_TIMEOUT')
      expect(error.details).toMatchObject({ timeoutMs: 500, waitingForEarlierRequest: false })
      expect(elapsed).toBeGreaterThanOrEqual(490)
      expect(elapsed).toBeLessThan(1500)
      await expect(store.status()).resolves.toMatchObject({
        available: false,
        error: { code: 'KEYCHAIN_TIMEOUT' },
      })

      // A store meeting the frozen daemon first: the library's blocking constructor gives up
      // after libdbus's own ~2 s, and that too reads as a timeout.
      const t1 = performance.now()
      const fresh = await failure(createKeychainStore({ service }).get('smtpPassword'))
      expect(fresh.code).toBe('KEYCHAIN_TIMEOUT')
      expect(fresh.details).toMatchObject({
        cause: expect.stringMatching(/did not receive a reply/i),
      })
      expect(performance.now() - t1).toBeLessThan(4000)
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    await expect
      .poll(() => store.get('smtpPassword').catch((e: GatehouseError) => e.code), {
        timeout: 10_000,
        interval: 200,
      })
      .toBe(value)
  })
})
