import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createClient, type GatehouseClient } from '../../src/shared/client'
import { createLocalBridge } from '../../src/main/core/local-bridge'
import { createMemoryStore } from '../../src/main/secrets/store'
import { createServices, type Services } from '../../src/main/services'
import { caught } from '../support/caught'
import { sampleSettings } from '../support/sample-settings'

/**
 * The Traefik half of R2/R10 through the contract, as the Setup panel and the CLI drive it:
 * plan on a real file, apply with the plan's hash (backup, atomic replace, mode kept), re-apply,
 * a file edited between plan and apply, bad paths.
 */
const root = mkdtempSync(join(tmpdir(), 'gh-traefik-'))
const dataDir = join(root, 'data')
const traefikDir = join(root, 'traefik')
let services: Services
let client: GatehouseClient

const ORIGINAL = `# Traefik dynamic configuration
http:
  routers:
    nas:
      rule: "Host(\`nas.example.test\`)"   # the NAS UI
      entryPoints: [websecure]
      middlewares:
        - authentik
      service: nas
  services:
    nas:
      loadBalancer:
        servers:
          - url: 'http://192.168.1.10:5000'
  middlewares:
    https-redirect:
      redirectScheme: {scheme: https, permanent: true}

tls:
  options:
    default:
      minVersion: VersionTLS12
`

const backups = (folder: string) => readdirSync(folder).filter((f) => f.endsWith('.bak'))

beforeAll(() => {
  mkdirSync(traefikDir, { recursive: true })
  services = createServices({
    host: 'cli',
    dataDir,
    secretStore: createMemoryStore(),
    statusIntervalMs: 60_000,
  })
  client = createClient(createLocalBridge(services.dispatcher, services.bus, { host: 'cli' }))
})

afterAll(() => {
  services?.dispose()
  rmSync(root, { recursive: true, force: true })
})

describe('traefik.plan / traefik.apply', () => {
  const path = join(traefikDir, 'dynamic_config.yml')

  test('plan shows the merge as a diff without touching the file', async () => {
    writeFileSync(path, ORIGINAL, { mode: 0o640 })
    chmodSync(path, 0o640)
    const plan = await client.traefik.plan({
      path,
      include: ['r2'],
      app: 'sonarr',
      domain: 'example.test',
    })
    expect(plan.path).toBe(path)
    expect(plan.exists).toBe(true)
    expect(plan.changes).toEqual([
      { middleware: 'authentik-auth', action: 'create' },
      { middleware: 'authentik', action: 'create' },
    ])
    expect(plan.diff).toMatch(
      /^--- dynamic_config\.yml \(now\)\n\+\+\+ dynamic_config\.yml \(after apply\)\n@@ /,
    )
    expect(plan.diff).toContain('\n+    authentik-auth:\n')
    expect(plan.diff).not.toMatch(/^-(?!-- )/m) // only additions
    // The chain needs default-security-headers, which this file does not have: said, and offered.
    expect(plan.hasSecurityHeaders).toBe(false)
    expect(plan.notes.join(' ')).toMatch(/no default-security-headers middleware/)
    expect(parse(plan.suggestedSecurityHeaders)).toHaveProperty('default-security-headers.headers')
    expect(plan.labels).toEqual([
      expect.objectContaining({
        include: 'r2',
        middleware: 'authentik@file',
        labels: expect.arrayContaining([
          'traefik.http.routers.sonarr.rule=Host(`sonarr.example.test`)',
          'traefik.http.routers.sonarr.middlewares=authentik@file',
        ]),
      }),
    ])
    expect(plan.planHash).toMatch(/^[0-9a-f]{64}$/)
    expect(readFileSync(path, 'utf8')).toBe(ORIGINAL)
    expect(backups(traefikDir)).toEqual([])
  })

  test('apply with the plan’s hash merges, backs up the old bytes and keeps the mode; again changes nothing', async () => {
    const input = {
      path,
      include: ['r2', 'r10'] as ('r2' | 'r10')[],
      securityHeaders: 'add-suggested' as const,
    }
    const plan = await client.traefik.plan(input)
    expect(plan.changes.map((c) => `${c.middleware}:${c.action}`)).toEqual([
      'authentik-auth:create',
      'authentik:create',
      'authentik-auth-http:create',
      'authentik-http:create',
      'default-security-headers:create',
    ])
    const applied = await client.traefik.apply({ ...input, planHash: plan.planHash })
    expect(applied.written).toBe(true)
    expect(applied.changes).toEqual(plan.changes)

    const text = readFileSync(path, 'utf8')
    // Everything before the new middlewares is the original text, and so is everything after.
    const cut = ORIGINAL.indexOf('\n\ntls:')
    expect(text.startsWith(ORIGINAL.slice(0, cut))).toBe(true)
    expect(text.endsWith(ORIGINAL.slice(cut))).toBe(true)
    const config = parse(text) as { http: { middlewares: Record<string, unknown> } }
    expect(Object.keys(config.http.middlewares)).toEqual([
      'https-redirect',
      'authentik-auth',
      'authentik',
      'authentik-auth-http',
      'authentik-http',
      'default-security-headers',
    ])
    expect(statSync(path).mode & 0o777).toBe(0o640)

    expect(applied.backupPath).not.toBeNull()
    const backup = applied.backupPath as string
    expect(backup.startsWith(join(traefikDir, 'dynamic_config.yml.gatehouse-'))).toBe(true)
    expect(backup.endsWith('.bak')).toBe(true)
    expect(readFileSync(backup, 'utf8')).toBe(ORIGINAL)
    expect(backups(traefikDir)).toHaveLength(1)
    // No temp file left behind.
    expect(readdirSync(traefikDir).filter((f) => f.includes('.tmp-'))).toEqual([])

    const replan = await client.traefik.plan(input)
    expect(replan.changes.every((c) => c.action === 'unchanged')).toBe(true)
    expect(replan.diff).toBe('')
    expect(replan.hasSecurityHeaders).toBe(true)
    const again = await client.traefik.apply({ ...input, planHash: replan.planHash })
    expect(again).toMatchObject({ written: false, backupPath: null })
    expect(readFileSync(path, 'utf8')).toBe(text)
    expect(backups(traefikDir)).toHaveLength(1)
  })

  test('a file edited after the plan is not written: TRAEFIK_CONFIG_CHANGED', async () => {
    const edited = join(traefikDir, 'edited.yml')
    writeFileSync(edited, ORIGINAL)
    const plan = await client.traefik.plan({ path: edited })
    const changed = `${ORIGINAL}# edited by the admin meanwhile\n`
    writeFileSync(edited, changed)
    const error = await caught(client.traefik.apply({ path: edited, planHash: plan.planHash }))
    expect(error.code).toBe('TRAEFIK_CONFIG_CHANGED')
    expect(error.hint).toMatch(/Plan again/)
    expect(readFileSync(edited, 'utf8')).toBe(changed)
    expect(backups(traefikDir).filter((f) => f.startsWith('edited.yml'))).toEqual([])

    // A plan made for other options does not authorise this apply either.
    const r2Plan = await client.traefik.plan({ path: edited, include: ['r2'] })
    const other = await caught(
      client.traefik.apply({ path: edited, include: ['r2', 'r10'], planHash: r2Plan.planHash }),
    )
    expect(other.code).toBe('TRAEFIK_CONFIG_CHANGED')
    expect(readFileSync(edited, 'utf8')).toBe(changed)
  })

  test('a missing file is created (0644, no backup); a broken one is refused with its line', async () => {
    const fresh = join(traefikDir, 'fresh.yaml')
    const plan = await client.traefik.plan({ path: fresh })
    expect(plan.exists).toBe(false)
    const applied = await client.traefik.apply({ path: fresh, planHash: plan.planHash })
    expect(applied).toMatchObject({ written: true, backupPath: null })
    expect(statSync(fresh).mode & 0o777).toBe(0o644)
    expect(parse(readFileSync(fresh, 'utf8'))).toHaveProperty('http.middlewares.authentik')

    const broken = join(traefikDir, 'broken.yml')
    writeFileSync(broken, 'http:\n  middlewares:\n    x: [a, b\n')
    const error = await caught(client.traefik.plan({ path: broken }))
    expect(error.code).toBe('TRAEFIK_CONFIG_INVALID')
    expect(error.message).toMatch(/line \d+, column \d+/)
  })

  test('a symlinked dynamic_config.yml is written through the link', async () => {
    const real = join(traefikDir, 'real.yml')
    const link = join(traefikDir, 'link.yml')
    writeFileSync(real, 'http:\n  routers: {}\n')
    symlinkSync(real, link)
    const plan = await client.traefik.plan({ path: link })
    await client.traefik.apply({ path: link, planHash: plan.planHash })
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readFileSync(real, 'utf8')).toContain('authentik-auth:')
  })

  test('bad paths are field errors on `path`', async () => {
    const cases: [string, RegExp][] = [
      ['dynamic_config.yml', /absolute path/],
      [join(traefikDir, 'dynamic_config.json'), /\.yml/],
      [join(root, 'no-such-folder', 'dynamic_config.yml'), /does not exist/],
      [`${traefikDir}/dyn\u0000amic.yml`, /control characters/],
      [`${traefikDir}/dyn\namic.yml`, /control characters/],
    ]
    for (const [bad, message] of cases) {
      const error = await caught(client.traefik.plan({ path: bad }))
      expect(error.code, bad).toBe('VALIDATION_FAILED')
      const fields = error.details?.fields as Record<string, string[]>
      expect(fields.path?.join(' '), bad).toMatch(message)
    }
    // No path given and none saved in the settings: asked for.
    const none = await caught(client.traefik.plan({}))
    expect((none.details?.fields as Record<string, string[]>).path?.[0]).toMatch(/Enter the path/)
  })

  test('the saved traefikDynamicConfig setting is the default path and baseDomain the label domain', async () => {
    const saved = join(traefikDir, 'from-settings.yml')
    writeFileSync(saved, ORIGINAL)
    await client.settings.save(
      sampleSettings(join(root, 'authentik'), {
        baseDomain: 'home.example.test',
        traefikDynamicConfig: saved,
      }),
    )
    const plan = await client.traefik.plan({ include: ['r2', 'r10'], app: 'radarr' })
    expect(plan.path).toBe(saved)
    expect(plan.labels.map((l) => l.middleware)).toEqual(['authentik@file', 'authentik-http@file'])
    expect(plan.labels[1]?.labels).toContain(
      'traefik.http.routers.radarr.rule=Host(`radarr.home.example.test`)',
    )
    const bad = await caught(
      client.settings.save(
        sampleSettings(join(root, 'authentik'), {
          baseDomain: 'home.example.test',
          traefikDynamicConfig: 'relative/dynamic_config.yml',
        }),
      ),
    )
    expect(bad.code).toBe('VALIDATION_FAILED')
  })
})
