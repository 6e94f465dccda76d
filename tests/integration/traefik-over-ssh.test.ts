import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createLocalBridge } from '../../src/main/core/local-bridge'
import { createMemoryStore } from '../../src/main/secrets/store'
import { createServices, type Services } from '../../src/main/services'
import { createClient, type GatehouseClient } from '../../src/shared/client'
import { GatehouseError } from '../../src/shared/errors'
import { caught } from '../support/caught'
import { sampleSettings } from '../support/sample-settings'
import { startTestSshd, type TestSshd } from '../support/sshd'

/**
 * #15: Traefik's dynamic_config.yml lives on the NAS. With the Docker host "over SSH", plan and
 * apply read and write it over SFTP on the engine's SSH connection (the test sshd on 127.0.0.1
 * is the NAS; its user is not root): merge, backup, atomic replace as the SSH user, the hash check
 * against an edit made on the NAS between plan and apply, and a folder the SSH user may not write.
 */
let sshd: TestSshd
let services: Services
let client: GatehouseClient
let folder: string

const ORIGINAL = `http:
  routers:
    nas:
      rule: "Host(\`nas.example.test\`)"
      service: nas
  services:
    nas:
      loadBalancer:
        servers:
          - url: 'http://192.168.1.10:5000'
`

beforeAll(async () => {
  sshd = await startTestSshd()
  folder = join(sshd.scratch, `traefik-${process.pid}`)
  mkdirSync(folder, { recursive: true })
  // The folder belongs to the NAS user, as Traefik's config folder does on a NAS.
  execFileSync('chown', [`${sshd.user}:`, folder])
  const secrets = createMemoryStore()
  await secrets.set('host:sshPrivateKey', readFileSync(sshd.keyPath, 'utf8'))
  services = createServices({
    host: 'cli',
    dataDir: join(folder, '..', `data-${process.pid}`),
    secretStore: secrets,
  })
  client = createClient(createLocalBridge(services.dispatcher, services.bus, { host: 'cli' }))
  await client.settings.save(
    sampleSettings(join(folder, 'stack'), {
      docker: {
        kind: 'ssh',
        ssh: {
          address: `ssh://${sshd.user}@${sshd.host}:${sshd.port}`,
          auth: 'generated',
          hostKey: sshd.fingerprint,
        },
      },
    }),
  )
}, 60_000)

afterAll(async () => {
  await services?.dispose()
  await sshd?.dispose()
  rmSync(folder, { recursive: true, force: true })
})

describe('the Traefik file on the NAS, over SFTP', () => {
  test('plan, apply (backup, atomic write as the SSH user), and a second apply changes nothing', async () => {
    const path = join(folder, 'dynamic_config.yml')
    writeFileSync(path, ORIGINAL, { mode: 0o640 })
    execFileSync('chown', [`${sshd.user}:`, path])
    const request = { path, include: ['r2' as const], securityHeaders: 'add-suggested' as const }
    const plan = await client.traefik.plan(request)
    expect(plan.exists).toBe(true)
    expect(plan.diff).toContain('+    authentik-auth:')
    const applied = await client.traefik.apply({ ...request, planHash: plan.planHash })
    expect(applied.written).toBe(true)
    const text = readFileSync(path, 'utf8')
    expect(text.startsWith(ORIGINAL.split('\n')[0]!)).toBe(true)
    expect(text).toContain('authentik-auth:')
    expect(text).toContain("- url: 'http://192.168.1.10:5000'") // the admin's bytes kept
    const info = statSync(path)
    expect(info.mode & 0o777).toBe(0o640)
    const owner = execFileSync('stat', ['-c', '%U', path], { encoding: 'utf8' }).trim()
    expect(owner).toBe(sshd.user)
    expect(readdirSync(folder).filter((f) => f.endsWith('.bak'))).toHaveLength(1)
    expect(readFileSync(applied.backupPath!, 'utf8')).toBe(ORIGINAL)
    // Nothing left behind by the atomic write.
    expect(readdirSync(folder).filter((f) => f.includes('.part-'))).toEqual([])

    const again = await client.traefik.plan(request)
    expect(again.changes.every((c) => c.action === 'unchanged')).toBe(true)
  })

  test('an edit made on the NAS between plan and apply is refused by the hash check', async () => {
    const path = join(folder, 'edited.yml')
    writeFileSync(path, ORIGINAL)
    execFileSync('chown', [`${sshd.user}:`, path])
    const request = { path, include: ['r2' as const], securityHeaders: 'keep' as const }
    const plan = await client.traefik.plan(request)
    writeFileSync(path, `${ORIGINAL}# edited by hand on the NAS\n`)
    const refused = await caught(client.traefik.apply({ ...request, planHash: plan.planHash }))
    expect(refused).toBeInstanceOf(GatehouseError)
    expect((refused as GatehouseError).code).toBe('TRAEFIK_CONFIG_CHANGED')
    expect(readFileSync(path, 'utf8')).toBe(`${ORIGINAL}# edited by hand on the NAS\n`)
  })

  test('a folder the SSH user may not write: a clear error naming the file, nothing changed', async () => {
    const locked = join(folder, 'root-only')
    mkdirSync(locked)
    const path = join(locked, 'dynamic_config.yml')
    writeFileSync(path, ORIGINAL, { mode: 0o644 })
    // root owns folder and file; the SSH user may read but not replace it.
    const request = { path, include: ['r2' as const], securityHeaders: 'keep' as const }
    const plan = await client.traefik.plan(request)
    const failed = await caught(client.traefik.apply({ ...request, planHash: plan.planHash }))
    expect((failed as GatehouseError).code).toBe('TRAEFIK_CONFIG_IO_FAILED')
    expect((failed as GatehouseError).message).toContain(path)
    expect((failed as GatehouseError).hint).toMatch(/SSH user|access/)
    expect(readFileSync(path, 'utf8')).toBe(ORIGINAL)
  })

  test('a folder that does not exist on the NAS is named as such', async () => {
    const failed = await caught(
      client.traefik.plan({
        path: '/nonexistent-gh/traefik/dynamic_config.yml',
        include: ['r2'],
        securityHeaders: 'keep',
      }),
    )
    expect((failed as GatehouseError).message).toContain(`ssh://${sshd.user}@`)
  })
})
