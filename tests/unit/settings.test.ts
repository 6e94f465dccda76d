import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { writeFileAtomic } from '../../src/main/settings/atomic-write'
import { migrations, parseStoredSettings } from '../../src/main/settings/schema'
import { createSettingsStore } from '../../src/main/settings/store'
import { GatehouseError } from '../../src/shared/errors'
import {
  SETTINGS_SCHEMA_VERSION,
  SettingsSchema,
  fieldIssues,
  type SettingsInput,
} from '../../src/shared/settings'

const valid: SettingsInput = {
  baseDomain: 'example.com',
  adminEmail: 'admin@example.com',
  smtp: {
    host: 'smtp.example.com',
    port: 587,
    username: 'mailer',
    from: 'auth@example.com',
    tls: 'starttls',
  },
  dataFolder: '/volume1/docker/authentik',
  timezone: 'Europe/Berlin',
}

/** The field paths zod names for `input`, or [] when it is valid. */
function badFields(input: unknown): string[] {
  const parsed = SettingsSchema.safeParse(input)
  return parsed.success ? [] : fieldIssues(parsed.error).map((i) => i.path)
}

function messageFor(input: unknown, path: string): string | undefined {
  const parsed = SettingsSchema.safeParse(input)
  return parsed.success
    ? undefined
    : fieldIssues(parsed.error).find((i) => i.path === path)?.message
}

async function caught(promise: Promise<unknown>): Promise<GatehouseError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof GatehouseError) return error
    throw error
  }
  throw new Error('expected a GatehouseError')
}

describe('settings schema', () => {
  test('fills the defaults and normalises what the admin typed', () => {
    const s = SettingsSchema.parse({
      ...valid,
      baseDomain: ' Example.COM ',
      dataFolder: '/volume1/docker/authentik/',
    })
    expect(s).toMatchObject({
      schemaVersion: SETTINGS_SCHEMA_VERSION,
      baseDomain: 'example.com',
      dataFolder: '/volume1/docker/authentik',
      authentikVersion: '2026.8.3',
      project: 'authentik',
      publishSetupPort: false,
      docker: {},
    })
    expect(s.imageOverrides).toBeUndefined()
  })

  test.each([
    'https://example.com',
    'example',
    'exa mple.com',
    '-bad.example.com',
    'bad-.example.com',
    'a..example.com',
    'example.com.',
    'example.com/auth',
    'example.com:443',
    '192.168.1.10',
    'bücher.de',
    `${'a'.repeat(64)}.com`,
    '',
  ])('domain %j is refused with an error on baseDomain', (baseDomain) => {
    expect(badFields({ ...valid, baseDomain })).toEqual(['baseDomain'])
  })

  test('the domain messages say what to fix', () => {
    expect(messageFor({ ...valid, baseDomain: 'https://example.com' }, 'baseDomain')).toMatch(
      /without http/,
    )
    expect(messageFor({ ...valid, baseDomain: 'bücher.de' }, 'baseDomain')).toMatch(/xn--/)
    expect(badFields({ ...valid, baseDomain: 'xn--bcher-kva.de' })).toEqual([])
    expect(badFields({ ...valid, baseDomain: 'home.arpa' })).toEqual([])
  })

  test('bad e-mail addresses name their field', () => {
    expect(badFields({ ...valid, adminEmail: 'admin' })).toEqual(['adminEmail'])
    expect(badFields({ ...valid, smtp: { ...valid.smtp, from: 'not an address' } })).toEqual([
      'smtp.from',
    ])
  })

  test.each([0, 65536, -25, 58.7, '587', null])('port %j is refused on smtp.port', (port) => {
    expect(badFields({ ...valid, smtp: { ...valid.smtp, port } })).toEqual(['smtp.port'])
  })

  test('ports 1 and 65535 are fine, and TLS is one of three modes', () => {
    expect(badFields({ ...valid, smtp: { ...valid.smtp, port: 1 } })).toEqual([])
    expect(badFields({ ...valid, smtp: { ...valid.smtp, port: 65535, tls: 'tls' } })).toEqual([])
    expect(badFields({ ...valid, smtp: { ...valid.smtp, tls: 'ssl' } })).toEqual(['smtp.tls'])
    expect(badFields({ ...valid, smtp: { ...valid.smtp, host: 'smtp example' } })).toEqual([
      'smtp.host',
    ])
  })

  test.each(['volume1/docker', './data', '/', '/srv/../etc', '/srv/a:b', 'C:'])(
    'data folder %j is refused',
    (dataFolder) => {
      expect(badFields({ ...valid, dataFolder })).toEqual(['dataFolder'])
    },
  )

  test('Windows drive paths are accepted and written with forward slashes', () => {
    expect(
      SettingsSchema.parse({ ...valid, dataFolder: 'C:\\Docker\\authentik\\' }).dataFolder,
    ).toBe('C:/Docker/authentik')
  })

  test('time zones are checked with Intl, case and offsets included', () => {
    expect(badFields({ ...valid, timezone: 'UTC' })).toEqual([])
    expect(badFields({ ...valid, timezone: 'America/Argentina/Buenos_Aires' })).toEqual([])
    expect(badFields({ ...valid, timezone: 'Mars/Olympus_Mons' })).toEqual(['timezone'])
    expect(badFields({ ...valid, timezone: '+01:00' })).toEqual(['timezone'])
    expect(messageFor({ ...valid, timezone: 'europe/berlin' }, 'timezone')).toBe(
      'Write it as Europe/Berlin.',
    )
  })

  test('versions, project names, endpoints and image overrides are checked', () => {
    expect(badFields({ ...valid, authentikVersion: '2024.1.0' })).toEqual(['authentikVersion'])
    expect(badFields({ ...valid, authentikVersion: '2025.6.3' })).toEqual([])
    expect(badFields({ ...valid, project: 'My Stack' })).toEqual(['project'])
    expect(badFields({ ...valid, docker: { endpoint: 'tcp://nas:2375' } })).toEqual([])
    expect(badFields({ ...valid, docker: { endpoint: 'nas:2375' } })).toEqual(['docker.endpoint'])
    expect(badFields({ ...valid, imageOverrides: { postgresql: 'gatehouse-test/pg:1' } })).toEqual(
      [],
    )
    expect(badFields({ ...valid, imageOverrides: { postgresql: 'bad image' } })).toEqual([
      'imageOverrides.postgresql',
    ])
  })

  test('a secret or any unknown key is refused, named by its own path', () => {
    expect(badFields({ ...valid, smtpPassword: 'hunter2' })).toEqual(['smtpPassword'])
    expect(badFields({ ...valid, smtp: { ...valid.smtp, password: 'hunter2' } })).toEqual([
      'smtp.password',
    ])
  })

  test('line breaks cannot reach the .env export through a setting', () => {
    expect(badFields({ ...valid, smtp: { ...valid.smtp, username: 'a\nB=1' } })).toEqual([
      'smtp.username',
    ])
  })
})

describe('migrations', () => {
  const v1 = {
    schemaVersion: 1,
    domain: 'example.org',
    adminEmail: 'admin@example.org',
    smtp: {
      host: 'mail.example.org',
      port: 465,
      username: '',
      from: 'id@example.org',
      useTls: false,
      useSsl: true,
    },
    authentikVersion: '2025.6.3',
    dataFolder: '/srv/authentik',
    timezone: 'UTC',
    dockerHost: 'tcp://nas:2375',
    publishSetupPort: true,
  }

  test('the chain runs from version 1 to the current version one step at a time', () => {
    let at = 1
    for (const m of migrations) {
      expect(m.from).toBe(at)
      expect(m.to).toBe(at + 1)
      at = m.to
    }
    expect(at).toBe(SETTINGS_SCHEMA_VERSION)
  })

  test('a v1 file is lifted to the current layout', () => {
    const parsed = parseStoredSettings(JSON.stringify(v1))
    expect(parsed).toMatchObject({
      ok: true,
      migratedFrom: 1,
      settings: {
        schemaVersion: SETTINGS_SCHEMA_VERSION,
        baseDomain: 'example.org',
        smtp: { tls: 'tls', host: 'mail.example.org', port: 465 },
        docker: { endpoint: 'tcp://nas:2375' },
        authentikVersion: '2025.6.3',
        publishSetupPort: true,
        project: 'authentik',
      },
    })
  })

  test('v1 STARTTLS, plain and no Docker host map as expected', () => {
    const starttls = { ...v1, smtp: { ...v1.smtp, useTls: true, useSsl: false }, dockerHost: '' }
    const plain = { ...v1, smtp: { ...v1.smtp, useTls: false, useSsl: false } }
    const a = parseStoredSettings(JSON.stringify(starttls))
    const b = parseStoredSettings(JSON.stringify(plain))
    expect(a.ok && a.settings.smtp.tls).toBe('starttls')
    expect(a.ok && a.settings.docker).toEqual({})
    expect(b.ok && b.settings.smtp.tls).toBe('none')
  })

  test('a broken v1 file is reported against the field of the current layout', () => {
    const parsed = parseStoredSettings(JSON.stringify({ ...v1, domain: 'not a domain' }))
    expect(parsed).toMatchObject({ ok: false, problem: { field: 'baseDomain' } })
  })

  test('a newer file and a missing migration are refused on schemaVersion', () => {
    expect(parseStoredSettings(JSON.stringify({ ...v1, schemaVersion: 99 }))).toMatchObject({
      ok: false,
      problem: { field: 'schemaVersion', message: expect.stringContaining('newer Gatehouse') },
    })
    expect(parseStoredSettings(JSON.stringify(v1), [])).toMatchObject({
      ok: false,
      problem: { field: 'schemaVersion', message: 'No migration from settings version 1.' },
    })
    expect(parseStoredSettings('{"baseDomain":"example.com"}')).toMatchObject({
      ok: false,
      problem: { field: 'schemaVersion' },
    })
  })
})

describe('settings store', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-settings-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  test('first run: no file, load gives null', async () => {
    expect(await createSettingsStore(join(dir, 'not-yet')).load()).toBeNull()
  })

  test('save validates, writes 0600 atomically (no temp file left) and load reads it back', async () => {
    const store = createSettingsStore(join(dir, 'data'))
    const { settings, corruptCopy } = await store.save(valid)
    expect(corruptCopy).toBeNull()
    expect(await readdir(join(dir, 'data'))).toEqual(['settings.json'])
    if (process.platform !== 'win32') expect((await stat(store.path)).mode & 0o777).toBe(0o600)
    expect(await store.load()).toEqual(settings)
    const onDisk = JSON.parse(await readFile(store.path, 'utf8')) as Record<string, unknown>
    expect(onDisk.schemaVersion).toBe(SETTINGS_SCHEMA_VERSION)
    expect(JSON.stringify(onDisk)).not.toMatch(/password|secret|token/i)
  })

  test('parallel saves leave one complete file and no temp files', async () => {
    const store = createSettingsStore(dir)
    const domains = Array.from({ length: 12 }, (_, i) => `site${i}.example.com`)
    await Promise.all(domains.map((baseDomain) => store.save({ ...valid, baseDomain })))
    expect(await readdir(dir)).toEqual(['settings.json'])
    expect(domains).toContain((await store.load())?.baseDomain)
  })

  test('invalid input is refused with field errors and nothing is written', async () => {
    const store = createSettingsStore(dir)
    const error = await caught(
      store.save({
        ...valid,
        baseDomain: 'http://example.com',
        smtp: { ...valid.smtp, port: 70000 },
      }),
    )
    expect(error.code).toBe('VALIDATION_FAILED')
    const paths = (error.details?.issues as { path: string }[]).map((i) => i.path)
    expect(paths).toEqual(['baseDomain', 'smtp.port'])
    expect(error.message).toContain('baseDomain')
    expect(await readdir(dir)).toEqual([])
  })

  test('a secret in the input is refused, so it can never be written', async () => {
    const error = await caught(createSettingsStore(dir).save({ ...valid, smtpPassword: 'hunter2' }))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.message).not.toContain('hunter2')
    expect(await readdir(dir)).toEqual([])
  })

  test('a corrupt file gives SETTINGS_INVALID and stays untouched by load', async () => {
    const store = createSettingsStore(dir)
    await writeFile(store.path, '{"schemaVersion": 2, "baseDomain": ')
    const error = await caught(store.load())
    expect(error.code).toBe('SETTINGS_INVALID')
    expect(error.details?.field).toBe('(file)')
    expect(await readFile(store.path, 'utf8')).toBe('{"schemaVersion": 2, "baseDomain": ')
  })

  test('an invalid field in the file is named in the error', async () => {
    const store = createSettingsStore(dir)
    await store.save(valid)
    const onDisk = JSON.parse(await readFile(store.path, 'utf8')) as { smtp: { port: number } }
    onDisk.smtp.port = 70000
    await writeFile(store.path, JSON.stringify(onDisk))
    const error = await caught(store.load())
    expect(error.code).toBe('SETTINGS_INVALID')
    expect(error.details?.field).toBe('smtp.port')
    expect(error.message).toContain('smtp.port')
  })

  test('saving over a corrupt file keeps it as settings.json.corrupt-<timestamp>', async () => {
    const store = createSettingsStore(dir)
    await writeFile(store.path, 'garbage')
    const { corruptCopy } = await store.save(valid)
    expect(corruptCopy).toMatch(/settings\.json\.corrupt-\d{8}T\d{9}Z$/)
    expect(await readFile(corruptCopy ?? '', 'utf8')).toBe('garbage')
    expect((await readdir(dir)).sort()).toEqual(
      ['settings.json', corruptCopy?.split('/').pop()].sort(),
    )
    expect((await store.load())?.baseDomain).toBe('example.com')
  })

  test('a loaded v1 file is migrated in memory and only rewritten by save', async () => {
    const store = createSettingsStore(dir)
    const v1 = JSON.stringify({
      ...valid,
      schemaVersion: 1,
      baseDomain: undefined,
      domain: 'example.net',
    })
    await writeFile(store.path, v1)
    const loaded = await store.load()
    expect(loaded?.baseDomain).toBe('example.net')
    expect(await readFile(store.path, 'utf8')).toBe(v1)
    await store.save(loaded)
    expect(JSON.parse(await readFile(store.path, 'utf8'))).toMatchObject({
      schemaVersion: SETTINGS_SCHEMA_VERSION,
      baseDomain: 'example.net',
    })
  })
})

describe('atomic write', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-atomic-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  test('a failed rename removes the temp file and leaves the target alone', async () => {
    const target = join(dir, 'busy')
    await mkdir(join(target, 'child'), { recursive: true })
    await expect(writeFileAtomic(target, 'data', 0o600)).rejects.toThrow()
    expect(await readdir(dir)).toEqual(['busy'])
  })

  test('replaces an existing file and sets the exact mode', async () => {
    const target = join(dir, 'f')
    await writeFile(target, 'old', { mode: 0o644 })
    await writeFileAtomic(target, 'new', 0o600)
    expect(await readFile(target, 'utf8')).toBe('new')
    if (process.platform !== 'win32') expect((await stat(target)).mode & 0o777).toBe(0o600)
  })
})
