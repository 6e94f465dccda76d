import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createClient, type GatehouseClient } from '../../src/shared/client'
import { GatehouseError } from '../../src/shared/errors'
import { createLocalBridge } from '../../src/main/core/local-bridge'
import { createMemoryStore } from '../../src/main/secrets/store'
import { createServices, type Services } from '../../src/main/services'
import { startFakeAuthentik, type FakeAuthentik } from '../fakes/authentik/server'
import { selfSignedCertificate, startTlsProxy } from '../support/tls-proxy'
import {
  allVersions,
  describeVersions,
  expectFakeResponsesOnSchema,
  newestVersion,
} from '../support/versions'

/**
 * Status, readiness and R1 through the contract, as the UI and `gatehouse recipes …` reach them,
 * against the schema-checked fake of every supported release (all of it on each: one fake per
 * release, the whole block takes about a second).
 */
describeVersions('Authentik %s through the contract', allVersions, (version) => {
  const bootstrapToken = 'B'.repeat(60)
  let fake: FakeAuthentik
  let services: Services
  let client: GatehouseClient
  const dataDir = mkdtempSync(join(tmpdir(), 'gh-ak-'))
  const secrets = createMemoryStore({ bootstrapToken })

  beforeAll(async () => {
    fake = await startFakeAuthentik({
      version,
      bootstrapToken,
      bootstrapPassword: 'P'.repeat(30),
      // Long enough that waitReady sees the server starting even on a loaded machine.
      slowStartMs: 1500,
    })
    services = createServices({ host: 'cli', dataDir, secretStore: secrets })
    client = createClient(createLocalBridge(services.dispatcher, services.bus, { host: 'cli' }))
    await client.settings.save({
      baseDomain: 'example.test',
      adminEmail: 'admin@example.test',
      smtp: { host: 'smtp.example.test', port: 587, from: 'a@example.test', tls: 'starttls' },
      dataFolder: join(dataDir, 'stack'),
      timezone: 'UTC',
      authentikUrl: fake.url,
    })
  })
  afterAll(async () => {
    services.dispose()
    await fake.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  test('waitReady streams the phases until the bootstrap token is accepted', async () => {
    const phases: string[] = []
    const off = client.on('authentik.progress', (p) => phases.push(`${p.phase}:${p.done}`))
    const ready = await client.authentik.waitReady({ timeoutMs: 20_000 })
    off()
    expect(ready.version).toBe(version)
    expect(phases).toContain('server:false')
    expect(phases.at(-1)).toBe('token:true')
    expect(await client.authentik.status()).toMatchObject({
      reachable: true,
      version,
      tokenSource: 'bootstrap',
    })
  })

  test('R1: plan, apply (password generated once), re-plan empty, Gatehouse on its own token', async () => {
    const who = { username: 'alice', name: 'Alice Admin', email: 'alice@example.test' }
    const plan = await client.recipes.adminHandoverPlan(who)
    expect(plan.steps.map((s) => s.id)).toEqual(
      expect.arrayContaining([
        'create-user',
        'add-to-admins',
        'set-password',
        'create-token',
        'switch-token',
        'deactivate-akadmin',
      ]),
    )
    expect(plan.steps.at(-1)?.id).toBe('deactivate-akadmin')
    const result = await client.recipes.adminHandoverApply(who)
    expect(result.completed).toBe(true)
    expect(result.generatedPassword).toMatch(/^[A-Za-z0-9]{24}$/)
    expect(JSON.stringify(result.steps)).not.toContain(result.generatedPassword)
    expect((await client.recipes.adminHandoverPlan(who)).steps).toEqual([])
    expect(await client.authentik.status()).toMatchObject({ tokenSource: 'gatehouse' })
    // The bootstrap token belonged to akadmin, now inactive: it must no longer work.
    const me = await fetch(`${fake.url}/api/v3/core/users/me/`, {
      headers: { authorization: `Bearer ${bootstrapToken}` },
    })
    expect(me.status).toBe(403)
    expect(fake.schemaViolations).toEqual([])
  })

  test('bad input is refused before Authentik is called', async () => {
    const error = await client.recipes
      .adminHandoverApply({ username: 'akadmin', name: 'x', email: 'x@example.test' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GatehouseError)
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED' })
  })
})

describe('a self-signed Authentik certificate', () => {
  afterAll(() => expectFakeResponsesOnSchema(newestVersion))
  test('is refused until the admin trusts its fingerprint, then accepted; another one is refused', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gh-tls-'))
    const fake = await startFakeAuthentik({
      version: newestVersion,
      bootstrapToken: 'T'.repeat(60),
    })
    const cert = selfSignedCertificate()
    const proxy = await startTlsProxy(fake.port, cert)
    const services = createServices({
      host: 'cli',
      dataDir,
      secretStore: createMemoryStore({ bootstrapToken: 'T'.repeat(60) }),
    })
    const client = createClient(
      createLocalBridge(services.dispatcher, services.bus, { host: 'cli' }),
    )
    try {
      await client.settings.save({
        baseDomain: 'example.test',
        adminEmail: 'admin@example.test',
        smtp: { host: 'smtp.example.test', port: 587, from: 'a@example.test', tls: 'starttls' },
        dataFolder: join(dataDir, 'stack'),
        timezone: 'UTC',
        authentikUrl: proxy.url,
      })
      const before = await client.authentik.status()
      expect(before).toMatchObject({ reachable: false, error: { code: 'AUTHENTIK_TLS_UNTRUSTED' } })
      const shown = await client.authentik.inspectCertificate()
      expect(shown.trustedBySystem).toBe(false)
      expect(shown.fingerprint.replace(/:/g, '').toLowerCase()).toBe(
        cert.sha256.replace(/:/g, '').toLowerCase(),
      )
      await client.authentik.trustCertificate({ sha256: shown.fingerprint })
      expect(await client.authentik.status()).toMatchObject({
        reachable: true,
        version: newestVersion,
      })
      expect((await client.settings.get())?.authentikTls).toEqual({
        mode: 'fingerprint',
        sha256: shown.fingerprint,
      })
      // A different certificate behind the same address is refused again.
      await client.authentik.trustCertificate({ sha256: 'AB:'.repeat(31) + 'AB' })
      expect(await client.authentik.status()).toMatchObject({
        reachable: false,
        error: { code: 'AUTHENTIK_TLS_UNTRUSTED' },
      })
    } finally {
      services.dispose()
      await proxy.close()
      await fake.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
