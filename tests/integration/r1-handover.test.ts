import { afterEach, expect, test } from 'vitest'
import { connectAuthentik, type AuthentikClient } from '../../src/main/authentik/client'
import {
  applyAdminHandover,
  assertSafeToDeactivateAkadmin,
  planAdminHandover,
  tokenIdentifier,
  type HandoverStepId,
} from '../../src/main/recipes/r1-admin-handover'
import { handoverCalls } from '../../src/main/recipes/r1-calls'
import { createMemoryStore, type SecretStore } from '../../src/main/secrets/store'
import { GatehouseError } from '../../src/shared/errors'
import { startFakeAuthentik, type FakeAuthentik, type FakeVersion } from '../fakes/authentik/server'
import { allVersions, describeVersions, edgeVersions } from '../support/versions'

const BOOTSTRAP_TOKEN = 'bootstrap-token-0123456789abcdefghijklmnopqrstuvwxyz'
const input = { username: 'alice', name: 'Alice Admin', email: 'alice@example.org' }
const allSteps: HandoverStepId[] = [
  'create-user',
  'add-to-admins',
  'set-password',
  'create-token',
  'set-token-key',
  'switch-token',
  'deactivate-akadmin',
]

/**
 * The R1 suite for one release. `part` picks the tests: 'main' (plan/apply, refusals, typed errors)
 * runs on every release; 'interrupted' (a power cut before each of the six later steps, then a
 * re-apply from the keychain: six fakes) is the slow path and runs on the oldest and the newest
 * release (tests/support/versions.ts).
 */
function r1Suite(version: FakeVersion, part: 'main' | 'interrupted'): void {
  let fake: FakeAuthentik | undefined
  let secrets: SecretStore

  async function setup(): Promise<{ f: FakeAuthentik; client: AuthentikClient }> {
    fake = await startFakeAuthentik({
      version,
      bootstrapToken: BOOTSTRAP_TOKEN,
      bootstrapPassword: 'bootstrap-password-123456',
      bootstrapEmail: 'root@example.org',
    })
    secrets = createMemoryStore({ bootstrapToken: BOOTSTRAP_TOKEN })
    const client = await connectAuthentik({
      baseUrl: fake.url,
      token: () => secrets.get('bootstrapToken'),
      retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
    })
    return { f: fake, client }
  }

  /** Direct look at the fake's state: duplicates would show here even if the API hid them. */
  function census(f: FakeAuthentik) {
    const state = f.state
    return {
      alices: [...state.users.values()].filter((u) => u.username === 'alice').length,
      tokens: [...state.tokens.values()].filter((t) => t.identifier === tokenIdentifier('alice'))
        .length,
      akadminActive: [...state.users.values()].find((u) => u.username === 'akadmin')?.isActive,
    }
  }

  afterEach(async () => {
    if (fake) {
      const violations = [...fake.schemaViolations]
      await fake.close()
      fake = undefined
      expect(violations).toEqual([])
    }
  })

  if (part === 'interrupted') {
    test.each(allSteps.slice(1))(
      'interrupted before %s, re-applied, converges without duplicates',
      async (stop) => {
        const { f, client } = await setup()
        const first = await applyAdminHandover(client, input, {
          secrets,
          beforeStep: (step) => {
            if (step.id === stop) throw new Error('power cut')
          },
        })
        expect(first.completed).toBe(false)
        expect(first.steps.find((s) => s.id === stop)?.status).toBe('failed')
        expect(first.steps.filter((s) => s.status === 'done').map((s) => s.id)).toEqual(
          allSteps.slice(0, allSteps.indexOf(stop)),
        )
        expect(first.error?.code).toBe('INTERNAL')

        // A restarted Gatehouse: the client starts again from the keychain's tokens.
        const resumed = await connectAuthentik({
          baseUrl: f.url,
          token: async () =>
            (await secrets.get('gatehouseApiToken')) ?? (await secrets.get('bootstrapToken')),
        })
        const plan = await planAdminHandover(resumed, input, { secrets })
        expect(plan.steps.map((s) => s.id)).not.toContain('create-user')
        const second = await applyAdminHandover(resumed, input, { secrets })
        expect(second.error).toBeUndefined()
        expect(second.completed).toBe(true)
        expect(census(f)).toEqual({ alices: 1, tokens: 1, akadminActive: false })
        expect((await planAdminHandover(resumed, input, { secrets })).steps).toEqual([])
        expect((await resumed.me()).username).toBe('alice')
      },
    )
    test.each([
      ['deactivate-akadmin', 'the deactivation write fails once'],
      ['switch-token', 'the token switch reads a malformed answer once'],
    ] as const)(
      'never half-applies silently: %s (%s), plan shows the rest, a second apply completes',
      async (failing, _how) => {
        const { f, client } = await setup()
        const first = await applyAdminHandover(client, input, {
          secrets,
          beforeStep: (step) => {
            if (step.id !== failing) return
            if (failing === 'deactivate-akadmin')
              f.state.faults.failWrite({ at: 1, mode: 'before' })
            else f.state.responseTampering.set('core_users_me_retrieve', () => ({ user: {} }))
          },
        })
        expect(first.completed).toBe(false)
        expect(first.steps.find((s) => s.id === failing)?.status).toBe('failed')
        expect(first.error?.code).toBe(
          failing === 'deactivate-akadmin' ? 'AUTHENTIK_FAILED' : 'AUTHENTIK_UNEXPECTED_RESPONSE',
        )
        // The token exists and its key is in the keychain, akadmin is still active …
        expect(await secrets.get('gatehouseApiToken')).toBeTruthy()
        expect(census(f)).toEqual({ alices: 1, tokens: 1, akadminActive: true })
        // … and the result says what is left, exactly as the next plan does.
        const remaining = first.remaining?.map((s) => s.id)
        expect(remaining).toContain('deactivate-akadmin')
        expect(remaining).not.toContain('create-token')
        const plan = await planAdminHandover(client, input, { secrets })
        expect(plan.steps.map((s) => s.id)).toEqual(remaining)

        const second = await applyAdminHandover(client, input, { secrets })
        expect(second.error).toBeUndefined()
        expect(second.completed).toBe(true)
        expect(second.remaining).toBeUndefined()
        expect(census(f)).toEqual({ alices: 1, tokens: 1, akadminActive: false })
        expect((await planAdminHandover(client, input, { secrets })).steps).toEqual([])
        if (failing === 'switch-token') {
          const violations = f.schemaViolations.splice(0)
          expect(violations.every((v) => v.startsWith('core_users_me_retrieve '))).toBe(true)
        }
      },
    )
    return
  }

  test('plan → apply → re-plan is empty; the new token is the one in use', async () => {
    const { f, client } = await setup()
    const plan = await planAdminHandover(client, input, { secrets })
    expect(plan.steps.map((s) => s.id)).toEqual(allSteps)
    expect(plan.version).toBe(version)
    const create = plan.steps[0]
    expect(create?.changes).toContainEqual({
      field: 'email',
      before: null,
      after: 'alice@example.org',
    })
    expect(plan.steps.at(-1)?.changes).toEqual([{ field: 'is_active', before: true, after: false }])
    // Nothing changed by planning.
    expect(census(f)).toEqual({ alices: 0, tokens: 0, akadminActive: true })

    const result = await applyAdminHandover(client, input, { secrets })
    expect(result.error).toBeUndefined()
    expect(result.completed).toBe(true)
    expect(result.steps.every((s) => s.status === 'done')).toBe(true)
    expect(result.generatedPassword).toMatch(/^[A-Za-z0-9]{20,}$/)
    expect(JSON.stringify(result.steps)).not.toContain(result.generatedPassword)

    const key = await secrets.get('gatehouseApiToken')
    expect(key).toBeTruthy()
    expect(await client.currentToken()).toBe(key)
    expect(await client.me()).toMatchObject({
      username: 'alice',
      is_active: true,
      is_superuser: true,
    })
    expect(census(f)).toEqual({ alices: 1, tokens: 1, akadminActive: false })
    // The bootstrap token died with akadmin: Gatehouse must not depend on it any more.
    const dead = await client
      .withToken(() => BOOTSTRAP_TOKEN)
      .me()
      .catch((e: unknown) => e)
    expect((dead as GatehouseError).code).toBe('AUTHENTIK_AUTH_FAILED')
    // The generated password is the one Authentik holds.
    const alice = [...f.state.users.values()].find((u) => u.username === 'alice')
    expect(alice?.password).toBe(result.generatedPassword)

    expect((await planAdminHandover(client, input, { secrets })).steps).toEqual([])
    const again = await applyAdminHandover(client, input, { secrets })
    expect(again).toMatchObject({ completed: true, steps: [] })
    expect(again.generatedPassword).toBeUndefined()
  })

  test('a typed password is used and not returned', async () => {
    const { f, client } = await setup()
    const result = await applyAdminHandover(
      client,
      { ...input, password: 'typed-twice-password' },
      { secrets },
    )
    expect(result.completed).toBe(true)
    expect(result.generatedPassword).toBeUndefined()
    const alice = [...f.state.users.values()].find((u) => u.username === 'alice')
    expect(alice?.password).toBe('typed-twice-password')
  })

  test('refuses to deactivate akadmin when the new admin (and so its token) is not active', async () => {
    const { f, client } = await setup()
    const bootstrap = client.withToken(() => BOOTSTRAP_TOKEN)
    const bootstrapCalls = handoverCalls(bootstrap)
    const result = await applyAdminHandover(client, input, {
      secrets,
      beforeStep: async (step) => {
        if (step.id !== 'deactivate-akadmin') return
        // Someone deactivates alice in the admin UI at the worst moment.
        const alice = await bootstrapCalls.findUser('alice')
        await bootstrapCalls.updateUser(alice!.pk, { is_active: false })
      },
    })
    expect(result.completed).toBe(false)
    expect(result.error?.code).toBe('HANDOVER_REFUSED')
    expect(result.steps.find((s) => s.id === 'deactivate-akadmin')?.status).toBe('failed')
    expect(census(f).akadminActive).toBe(true)
    // akadmin's token still works, so the admin is not locked out.
    expect((await bootstrap.me()).username).toBe('akadmin')
  })

  test('refuses while no second active superuser exists or Gatehouse has no token', async () => {
    const { client } = await setup()
    const noToken = await assertSafeToDeactivateAkadmin(client, 'alice', secrets).catch(
      (e: unknown) => e,
    )
    expect((noToken as GatehouseError).code).toBe('HANDOVER_REFUSED')

    // Gatehouse's "own" token is akadmin's: it works, but akadmin is the only superuser.
    await secrets.set('gatehouseApiToken', BOOTSTRAP_TOKEN)
    client.switchToken(() => secrets.get('gatehouseApiToken'))
    const onlyAkadmin = await assertSafeToDeactivateAkadmin(client, 'akadmin', secrets).catch(
      (e: unknown) => e,
    )
    expect((onlyAkadmin as GatehouseError).code).toBe('HANDOVER_REFUSED')
    expect((onlyAkadmin as GatehouseError).message).toMatch(/no other active superuser/)
  })

  test('Authentik 400s and bad input are typed errors, and nothing is half-applied silently', async () => {
    const { f, client } = await setup()
    const invalid = await planAdminHandover(
      client,
      { ...input, email: 'not-an-email' },
      { secrets },
    ).catch((e: unknown) => e)
    expect((invalid as GatehouseError).code).toBe('VALIDATION_FAILED')
    expect((invalid as GatehouseError).details?.fields).toHaveProperty('email')

    // A user created behind Gatehouse's back between plan and apply: Authentik's own 400.
    const result = await applyAdminHandover(client, input, {
      secrets,
      beforeStep: async (step) => {
        if (step.id === 'create-user')
          await handoverCalls(client).createUser({ ...input, name: 'Other' })
      },
    })
    expect(result.completed).toBe(false)
    expect(result.error?.code).toBe('AUTHENTIK_REJECTED')
    expect(result.error?.details?.fields).toHaveProperty('username')
    expect(result.steps.map((s) => s.status)).toEqual([
      'failed',
      ...allSteps.slice(1).map(() => 'not-run'),
    ])
    expect(census(f)).toMatchObject({ alices: 1, tokens: 0, akadminActive: true })

    // The re-plan adopts the existing user and corrects its name.
    const plan = await planAdminHandover(client, input, { secrets })
    expect(plan.steps[0]).toMatchObject({
      id: 'update-user',
      changes: [{ field: 'name', before: 'Other', after: 'Alice Admin' }],
    })
    expect((await applyAdminHandover(client, input, { secrets })).completed).toBe(true)
  })
}

describeVersions('R1 admin handover against fake %s', allVersions, (version) =>
  r1Suite(version, 'main'),
)
describeVersions('R1 admin handover interrupted at every step, fake %s', edgeVersions, (version) =>
  r1Suite(version, 'interrupted'),
)
