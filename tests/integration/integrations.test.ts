import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest'
import { atLeast } from '../../src/shared/authentik-releases'
import type { IntegrationId } from '../../src/shared/contract'
import { caught } from '../support/caught'
import {
  DOMAIN,
  one,
  planThenApplyIntegration,
  startRecipeHarness,
  type RecipeHarness,
} from '../support/recipe-harness'
import {
  allVersions,
  describeVersions,
  expectFakeResponsesOnSchema,
  newestVersion,
} from '../support/versions'

/**
 * The app integrations R10–R14 against the schema-checked fake of every supported release,
 * through the contract: plan on a fresh install, apply, re-plan empty, a second apply writes
 * nothing, drift shows up field by field; an apply broken at every write converges; secrets never
 * in a plan; bad input refused field by field with zero writes; removal keeps shared groups.
 */
const SONARR_PASSWORD = 'sonarr-Pa55word-xyz'
const RADARR_PASSWORD = 'radarr-Pa55word-abc'

const params: Record<IntegrationId, Record<string, unknown>> = {
  servarr: {
    members: ['akadmin'],
    apps: [
      {
        kind: 'sonarr',
        name: 'Sonarr',
        slug: 'sonarr',
        username: 'sonarr-admin',
        password: SONARR_PASSWORD,
      },
      {
        kind: 'radarr',
        name: 'Radarr',
        slug: 'radarr',
        subdomain: 'movies',
        username: 'radarr-admin',
        password: RADARR_PASSWORD,
      },
    ],
  },
  nextcloud: {},
  synology: {},
  immich: {},
  inventree: {},
}

const oauth2 = (h: RecipeHarness, name: string) => one(h, '/providers/oauth2/', { name })

/** A field changed behind Gatehouse's back, and the plan line that must show it. */
const drift: Record<IntegrationId, (h: RecipeHarness) => Promise<string>> = {
  async servarr(h) {
    const provider = await one(h, '/providers/proxy/', { name__iexact: 'Sonarr Provider' })
    await h.api('PATCH', `/providers/proxy/${String(provider.pk)}/`, {
      basic_auth_enabled: false,
    })
    return 'basic_auth_enabled'
  },
  async nextcloud(h) {
    await h.api('PATCH', '/admin/settings/', { default_user_change_username: true })
    return 'default_user_change_username'
  },
  async synology(h) {
    const provider = await oauth2(h, 'Synology Provider')
    await h.api('PATCH', `/providers/oauth2/${String(provider.pk)}/`, {
      sub_mode: 'hashed_user_id',
    })
    return 'sub_mode'
  },
  async immich(h) {
    const provider = await oauth2(h, 'Immich Provider')
    await h.api('PATCH', `/providers/oauth2/${String(provider.pk)}/`, {
      redirect_uris: [{ matching_mode: 'strict', url: `https://immich.${DOMAIN}/auth/login` }],
    })
    return 'redirect_uris'
  },
  async inventree(h) {
    const provider = await oauth2(h, 'Inventree Provider')
    await h.api('PATCH', `/providers/oauth2/${String(provider.pk)}/`, { signing_key: null })
    return 'signing_key'
  },
}

const ids = Object.keys(drift) as IntegrationId[]

describeVersions('integrations on Authentik %s', allVersions, (version) => {
  let h: RecipeHarness
  beforeEach(async () => {
    h = await startRecipeHarness(version)
  })
  afterEach(async () => {
    expect(h.fake.schemaViolations).toEqual([])
    expect(h.fake.state.unimplementedCalls).toEqual([])
    await h.close()
  })

  test.each(ids)('%s: plan, apply, empty re-plan, no writes the second time, drift', async (id) => {
    const plan = await h.client.integrations.plan({ id, params: params[id] })
    expect(plan.status).toBe('not-applied')
    expect(plan.version).toBe(version)
    const pending = plan.steps.filter((s) => s.action !== 'unchanged')
    expect(pending.length).toBeGreaterThan(0)
    for (const step of pending) expect(step.changes.length).toBeGreaterThan(0)

    const writesBefore = h.writes()
    const result = await planThenApplyIntegration(h.client, { id, params: params[id] })
    expect(result.error).toBeUndefined()
    expect(result.completed).toBe(true)
    expect(result.remaining).toEqual([])
    expect(h.writes() - writesBefore).toBe(pending.length)

    const again = await h.client.integrations.plan({ id, params: params[id] })
    expect(again.status).toBe('applied')
    expect(again.steps.every((s) => s.action === 'unchanged')).toBe(true)
    // Without parameters, the ones last applied (passwords from the keychain) are used.
    const stored = await h.client.integrations.plan({ id })
    expect(stored.steps.every((s) => s.action === 'unchanged')).toBe(true)
    const writesSettled = h.writes()
    expect((await planThenApplyIntegration(h.client, { id, params: params[id] })).completed).toBe(
      true,
    )
    expect(h.writes()).toBe(writesSettled)

    const field = await drift[id](h)
    const drifted = await h.client.integrations.plan({ id, params: params[id] })
    expect(drifted.status).toBe('drifted')
    const change = drifted.steps.flatMap((s) => s.changes).find((c) => c.field === field)
    expect(change, `plan shows ${field}`).toBeDefined()
    expect(change?.before).not.toEqual(change?.after)
    expect((await planThenApplyIntegration(h.client, { id, params: params[id] })).completed).toBe(
      true,
    )
    expect((await h.client.integrations.plan({ id, params: params[id] })).status).toBe('applied')

    const listed = await h.client.integrations.list()
    expect(listed.map((i) => [i.id, i.status])).toEqual([[id, 'applied']])
  })
})

/** Every write of every integration, both ways a write can break (the newest release only: the
 * fault paths are version-independent, and every release already runs the full cycle above). */
describe('integrations survive a failed write', () => {
  afterAll(() => expectFakeResponsesOnSchema(newestVersion))
  const version = newestVersion
  test.each(ids)('%s converges after a failure at every write, with no duplicates', async (id) => {
    const clean = await startRecipeHarness(version)
    const start = clean.writes()
    expect(
      (await planThenApplyIntegration(clean.client, { id, params: params[id] })).completed,
    ).toBe(true)
    const total = clean.writes() - start
    const reference = await clean.client.integrations.plan({ id, params: params[id] })
    await clean.close()
    expect(total).toBeGreaterThan(1)

    for (const mode of ['before', 'after'] as const) {
      for (let k = 1; k <= total; k++) {
        const h = await startRecipeHarness(version)
        try {
          h.fake.state.faults.failWrite({ at: k, mode })
          const broken = await planThenApplyIntegration(h.client, { id, params: params[id] })
          expect(broken.completed, `${mode} #${k}`).toBe(false)
          expect(broken.error?.code).toMatch(/^AUTHENTIK_/)
          expect(broken.steps.some((s) => s.status === 'failed')).toBe(true)

          const healed = await planThenApplyIntegration(h.client, { id, params: params[id] })
          expect(healed.error, `${mode} #${k}`).toBeUndefined()
          expect(healed.completed).toBe(true)
          const after = await h.client.integrations.plan({ id, params: params[id] })
          expect(after.steps.map((s) => [s.key, s.action])).toEqual(
            reference.steps.map((s) => [s.key, s.action]),
          )
          if (id !== 'servarr') {
            // The keychain copy of the client secret is the one Authentik holds.
            const provider = (await h.api('GET', '/providers/oauth2/')) as {
              results: { client_secret: string }[]
            }
            expect(provider.results).toHaveLength(1)
            const revealed = await h.client.integrations.revealSecret({
              id,
              secret: 'clientSecret',
            })
            expect(revealed.value).toBe(provider.results[0]!.client_secret)
          }
          expect(h.fake.schemaViolations).toEqual([])
        } finally {
          await h.close()
        }
      }
    }
  })
})

describeVersions('integration details on Authentik %s', allVersions, (version) => {
  let h: RecipeHarness
  beforeEach(async () => {
    h = await startRecipeHarness(version)
  })
  afterEach(async () => {
    expect(h.fake.schemaViolations).toEqual([])
    expect(h.fake.state.unimplementedCalls).toEqual([])
    await h.close()
  })

  test('OIDC providers: RS256 key, confidential, username subject, claims in id_token, scopes by managed key; the secret only behind reveal', async () => {
    const plan = await h.client.integrations.plan({ id: 'immich' })
    const result = await planThenApplyIntegration(h.client, { id: 'immich' })
    expect(result.completed).toBe(true)
    const provider = await oauth2(h, 'Immich Provider')
    const secret = String(provider.client_secret)
    expect(secret.length).toBeGreaterThan(20)
    const cert = await one(h, '/crypto/certificatekeypairs/', {
      name: 'authentik Self-signed Certificate',
    })
    expect(provider.signing_key).toBe(cert.pk)
    expect(provider.client_type).toBe('confidential')
    expect(provider.sub_mode).toBe('user_username')
    expect(provider.include_claims_in_id_token).toBe(true)
    expect(provider.issuer_mode).toBe('per_provider')
    const managed = await Promise.all(
      ['openid', 'email', 'profile'].map((s) =>
        one(h, '/propertymappings/provider/scope/', {
          managed: `goauthentik.io/providers/oauth2/scope-${s}`,
        }),
      ),
    )
    expect(new Set(provider.property_mappings as string[])).toEqual(
      new Set(managed.map((m) => m.pk)),
    )
    const redirects = (provider.redirect_uris as { matching_mode: string; url: string }[]).map(
      (r) => [r.matching_mode, r.url],
    )
    expect(redirects).toEqual([
      ['strict', `https://immich.${DOMAIN}/auth/login`],
      ['strict', `https://immich.${DOMAIN}/user-settings`],
      ['strict', 'app.immich://oauth-callback'],
    ])
    const app = await one(h, '/core/applications/', { slug: 'immich', superuser_full_list: 'true' })
    expect(app.provider).toBe(provider.pk)

    // The secret is in no plan, result or card; the card has the client id and the issuer.
    for (const shown of [plan, result, await h.client.integrations.plan({ id: 'immich' })])
      expect(JSON.stringify(shown)).not.toContain(secret)
    expect(JSON.stringify(await h.client.integrations.list())).not.toContain(secret)
    const card = await h.client.integrations.card({ id: 'immich' })
    expect(JSON.stringify(card)).not.toContain(secret)
    const values = Object.fromEntries(card.values.map((v) => [v.key, v]))
    expect(values.clientId?.value).toBe(provider.client_id)
    expect(values.issuer?.value).toBe(`https://auth.${DOMAIN}/application/o/immich/`)
    expect(values.clientSecret?.value).toBeNull()
    expect(values.clientSecret?.secret).toBe('clientSecret')
    const revealed = await h.client.integrations.revealSecret({
      id: 'immich',
      secret: 'clientSecret',
    })
    expect(revealed.value).toBe(secret)
  })

  test('R11 Nextcloud: setting, groups, version-specific scope mapping, binding of nextcloud Users', async () => {
    expect((await planThenApplyIntegration(h.client, { id: 'nextcloud' })).completed).toBe(true)
    const settings = (await h.api('GET', '/admin/settings/')) as Record<string, unknown>
    expect(settings.default_user_change_username).toBe(false)
    const users = await one(h, '/core/groups/', { name: 'nextcloud Users' })
    await one(h, '/core/groups/', { name: 'nextcloud Admins' })
    const mapping = await one(h, '/propertymappings/provider/scope/', {
      name: 'Nextcloud Profile',
    })
    expect(mapping.scope_name).toBe('profile')
    const expression = String(mapping.expression)
    // `User.ak_groups` is deprecated from 2026.2 (API map §8.3).
    if (atLeast(version, '2026.2')) {
      expect(expression).toContain('user.groups.all()')
      expect(expression).not.toContain('ak_groups')
    } else expect(expression).toContain('user.ak_groups.all()')
    const provider = await oauth2(h, 'Nextcloud Provider')
    expect(provider.property_mappings as string[]).toContain(mapping.pk)
    expect(provider.property_mappings as string[]).toHaveLength(4)
    const app = await one(h, '/core/applications/', {
      slug: 'nextcloud',
      superuser_full_list: 'true',
    })
    const binding = await one(h, '/policies/bindings/', { target: String(app.pk) })
    expect(binding.group).toBe(users.pk)
    const card = await h.client.integrations.card({ id: 'nextcloud' })
    const values = Object.fromEntries(card.values.map((v) => [v.key, v.value]))
    expect(values.discovery).toBe(
      `https://auth.${DOMAIN}/application/o/nextcloud/.well-known/openid-configuration`,
    )
    expect(values.occ).toContain(
      'occ config:app:set --value=0 user_oidc allow_multiple_user_backends',
    )
  })

  test('R10 Servarr: group attributes, HTTP-basic providers on the outpost; passwords masked in plans and kept in the keychain', async () => {
    const plan = await h.client.integrations.plan({ id: 'servarr', params: params.servarr })
    const text = JSON.stringify(plan)
    expect(text).not.toContain(SONARR_PASSWORD)
    expect(text).not.toContain(RADARR_PASSWORD)
    expect(text).toContain('sonarr_password')
    expect(
      (await planThenApplyIntegration(h.client, { id: 'servarr', params: params.servarr }))
        .completed,
    ).toBe(true)

    const group = await one(h, '/core/groups/', { name: 'Servarr Users', include_users: 'true' })
    expect(group.attributes).toMatchObject({
      sonarr_user: 'sonarr-admin',
      sonarr_password: SONARR_PASSWORD,
      radarr_user: 'radarr-admin',
      radarr_password: RADARR_PASSWORD,
    })
    const akadmin = await one(h, '/core/users/', { username: 'akadmin' })
    expect(group.users).toContain(akadmin.pk)
    const radarr = await one(h, '/providers/proxy/', { name__iexact: 'Radarr Provider' })
    expect(radarr).toMatchObject({
      mode: 'forward_single',
      external_host: `https://movies.${DOMAIN}`,
      intercept_header_auth: true,
      basic_auth_enabled: true,
      basic_auth_user_attribute: 'radarr_user',
      basic_auth_password_attribute: 'radarr_password',
    })
    const outpost = await one(h, '/outposts/instances/', {
      managed__iexact: 'goauthentik.io/outposts/embedded',
    })
    expect(outpost.providers as number[]).toContain(radarr.pk)
    expect((outpost.config as Record<string, unknown>).authentik_host).toBe(
      `https://auth.${DOMAIN}`,
    )

    // The stored parameters hold no password; the keychain does.
    const [listed] = await h.client.integrations.list()
    expect(JSON.stringify(listed)).not.toContain(SONARR_PASSWORD)
    expect(
      (await h.client.integrations.revealSecret({ id: 'servarr', secret: 'password:sonarr' }))
        .value,
    ).toBe(SONARR_PASSWORD)
    // A password changed in Authentik shows as drift, masked on both sides.
    await h.api('PATCH', `/core/groups/${String(group.pk)}/`, {
      attributes: { ...(group.attributes as object), sonarr_password: 'changed-by-hand-123' },
    })
    const drifted = await h.client.integrations.plan({ id: 'servarr' })
    // Objects are diffed key by key: the one key that changed, masked on both sides.
    const line = drifted.steps
      .flatMap((s) => s.changes)
      .find((c) => c.field === 'attributes.sonarr_password')
    expect(line).toMatchObject({ before: '••••••', after: '••••••' })
    expect(JSON.stringify(drifted)).not.toContain('changed-by-hand-123')
    expect(JSON.stringify(drifted)).not.toContain(SONARR_PASSWORD)
    const card = await h.client.integrations.card({ id: 'servarr' })
    const label = card.values.find((v) => v.key === 'radarr.middleware')
    expect(label?.value).toBe('traefik.http.routers.movies.middlewares=authentik-http@file')
    expect(card.notes.join(' ')).toMatch(/every Authentik admin can read them/)

    // Removing it but keeping the shared group says the logins stay readable there.
    const removal = await h.client.integrations.removePlan({ id: 'servarr' })
    expect(removal.kept.join(' ')).toContain('Servarr Users')
    const left = removal.warnings.find((w) => w.code === 'PASSWORDS_STAY_IN_GROUP')
    expect(left?.message).toContain('sonarr_password')
    expect(left?.message).toContain('radarr_password')
    expect(JSON.stringify(removal)).not.toContain(SONARR_PASSWORD)
    const all = await h.client.integrations.removePlan({
      id: 'servarr',
      params: { deleteShared: true },
    })
    expect(all.warnings.map((w) => w.code)).not.toContain('PASSWORDS_STAY_IN_GROUP')
  })

  test('bad input: field errors before any write', async () => {
    const writes = h.writes()
    const cases: [IntegrationId, Record<string, unknown>, string][] = [
      ['immich', { subdomain: 'not a label' }, 'subdomain'],
      ['nextcloud', { subdomain: '-nc' }, 'subdomain'],
      ['immich', { extraRedirectUris: ['not a url'] }, 'extraRedirectUris.0'],
      [
        'inventree',
        { extraRedirectUris: ['https://ok.example.test/cb', 'nope'] },
        'extraRedirectUris.1',
      ],
      [
        'servarr',
        {
          apps: [
            { kind: 'sonarr', name: 'Sonarr', slug: 'sonarr', username: 'a', password: 'p' },
            { kind: 'custom', name: 'Other', slug: 'sonarr', username: 'b', password: 'q' },
          ],
        },
        'apps.1.slug',
      ],
      [
        'servarr',
        { apps: [{ kind: 'sonarr', name: 'Sonarr', slug: 'sonarr', username: 'a' }] },
        'apps.0.password',
      ],
      ['synology', { applicationSlug: 'NAS!' }, 'applicationSlug'],
    ]
    for (const [id, input, field] of cases) {
      // Refused before any plan is compared: bad parameters are named whatever the plan id.
      const planId = '0'.repeat(64)
      for (const call of [
        () => h.client.integrations.plan({ id, params: input }),
        () => h.client.integrations.apply({ id, params: input, planId }),
      ]) {
        const error = await caught(call())
        expect(error.code, `${id} ${field}`).toBe('VALIDATION_FAILED')
        expect(error.details?.fields, `${id} ${field}`).toHaveProperty([field])
      }
    }
    // A custom scheme is a URL.
    const ok = await h.client.integrations.plan({
      id: 'immich',
      params: { extraRedirectUris: ['app.other://callback'] },
    })
    expect(ok.steps.length).toBeGreaterThan(0)
    expect(h.writes()).toBe(writes)
  })

  test('an application slug or name Authentik already uses for something else is a field error', async () => {
    const flows = (await h.api(
      'GET',
      '/flows/instances/?slug=default-provider-authorization-implicit-consent',
    )) as { results: { pk: string }[] }
    const invalidation = (await h.api(
      'GET',
      '/flows/instances/?slug=default-provider-invalidation-flow',
    )) as { results: { pk: string }[] }
    const provider = (await h.api('POST', '/providers/oauth2/', {
      name: 'Photos by hand',
      authorization_flow: flows.results[0]!.pk,
      invalidation_flow: invalidation.results[0]!.pk,
      redirect_uris: [{ matching_mode: 'strict', url: 'https://photos.example.test/cb' }],
    })) as { pk: number }
    await h.api('POST', '/core/applications/', {
      name: 'Photos',
      slug: 'immich',
      provider: provider.pk,
    })
    const writes = h.writes()
    const error = await caught(planThenApplyIntegration(h.client, { id: 'immich' }))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.details?.fields).toHaveProperty('applicationSlug')
    const byName = await caught(
      h.client.integrations.plan({ id: 'synology', params: { applicationName: 'Photos' } }),
    )
    expect(byName.details?.fields).toHaveProperty('applicationName')
    expect(h.writes()).toBe(writes)
    // Another slug works.
    const ok = await planThenApplyIntegration(h.client, {
      id: 'immich',
      params: { applicationSlug: 'immich2' },
    })
    expect(ok.completed).toBe(true)
  })

  test('edit: a new slug moves the application; removal deletes provider and application, keeps the groups', async () => {
    expect((await planThenApplyIntegration(h.client, { id: 'nextcloud' })).completed).toBe(true)
    const renamed = await h.client.integrations.plan({
      id: 'nextcloud',
      params: { applicationSlug: 'cloud' },
    })
    const deleted = renamed.steps.filter((s) => s.action === 'delete').map((s) => s.title)
    expect(deleted).toEqual(['application nextcloud'])
    expect(
      (
        await planThenApplyIntegration(h.client, {
          id: 'nextcloud',
          params: { applicationSlug: 'cloud' },
        })
      ).completed,
    ).toBe(true)
    await one(h, '/core/applications/', { slug: 'cloud', superuser_full_list: 'true' })
    const old = (await h.api(
      'GET',
      '/core/applications/?slug=nextcloud&superuser_full_list=true',
    )) as {
      results: unknown[]
    }
    expect(old.results).toHaveLength(0)

    const removal = await h.client.integrations.removePlan({ id: 'nextcloud' })
    expect(removal.steps.map((s) => [s.action, s.kind])).toEqual([
      ['delete', 'application'],
      ['delete', 'provider.oauth2'],
    ])
    expect(removal.kept.join(' ')).toContain('nextcloud Users')
    const done = await h.client.integrations.removeApply({ id: 'nextcloud' })
    expect(done.completed).toBe(true)
    await one(h, '/core/groups/', { name: 'nextcloud Users' })
    const providers = (await h.api('GET', '/providers/oauth2/?name=Nextcloud%20Provider')) as {
      results: unknown[]
    }
    expect(providers.results).toHaveLength(0)
    expect(await h.client.integrations.list()).toEqual([])
    const gone = await caught(
      h.client.integrations.revealSecret({ id: 'nextcloud', secret: 'clientSecret' }),
    )
    expect(gone.code).toBe('VALIDATION_FAILED')

    // With deleteShared the groups and the mapping go too.
    expect((await planThenApplyIntegration(h.client, { id: 'nextcloud' })).completed).toBe(true)
    const all = await h.client.integrations.removePlan({
      id: 'nextcloud',
      params: { deleteShared: true },
    })
    expect(all.steps.map((s) => s.kind)).toEqual([
      'application',
      'provider.oauth2',
      'propertymapping.scope',
      'group',
      'group',
    ])
    expect(
      (await h.client.integrations.removeApply({ id: 'nextcloud', params: { deleteShared: true } }))
        .completed,
    ).toBe(true)
    const groups = (await h.api('GET', '/core/groups/?name=nextcloud%20Users')) as {
      results: unknown[]
    }
    expect(groups.results).toHaveLength(0)
  })

  test('regex matching escapes the dots and anchors the address', async () => {
    const plan = await h.client.integrations.plan({ id: 'synology', params: { matching: 'regex' } })
    const change = plan.steps.flatMap((s) => s.changes).find((c) => c.field === 'redirect_uris')
    expect(change?.after).toContain('url: ^https://nas\\.example\\.test/#/signin$')
    expect(
      (await planThenApplyIntegration(h.client, { id: 'synology', params: { matching: 'regex' } }))
        .completed,
    ).toBe(true)
    const provider = await oauth2(h, 'Synology Provider')
    expect(provider.redirect_uris).toMatchObject([
      { matching_mode: 'regex', url: '^https://nas\\.example\\.test/#/signin$' },
    ])
  })
})
