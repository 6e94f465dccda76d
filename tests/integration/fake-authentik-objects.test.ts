/**
 * The fake Authentik's writable objects (flows, bindings, stages, prompts, invitations, policies,
 * providers, applications, scope mappings, outposts, brand, settings), its fresh-install defaults,
 * cascades, fault injection, request log and large directories — for every supported release (the
 * 10 000-user paging on the oldest and newest only), every answer held to the version's schema.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { hasFeature } from '../../src/shared/authentik-releases'
import { startFakeAuthentik, type FakeAuthentik, type FakeVersion } from '../fakes/authentik/server'
import { allVersions, describeVersions, edgeVersions } from '../support/versions'

const TOKEN = 'objects-test-token-0123456789'

type Json = Record<string, unknown>
interface Answer {
  status: number
  body: Json & { results?: Json[] }
}

function client(fake: FakeAuthentik) {
  return async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(`${fake.url}/api/v3${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    return {
      status: response.status,
      body: (text === '' ? null : JSON.parse(text)) as Answer['body'],
    }
  }
}

const q = encodeURIComponent

describeVersions('fake Authentik objects %s', allVersions, (version: FakeVersion) => {
  let fake: FakeAuthentik
  let api: ReturnType<typeof client>

  /** The single result of an exact-filter list. */
  const only = async (path: string): Promise<Json> => {
    const answer = await api('GET', path)
    expect(answer.status, JSON.stringify(answer.body)).toBe(200)
    expect(answer.body.results).toHaveLength(1)
    return answer.body.results![0]!
  }
  const created = async (path: string, body: Json): Promise<Json> => {
    const answer = await api('POST', path, body)
    expect(answer.status, JSON.stringify(answer.body)).toBe(201)
    return answer.body
  }
  const flowPk = async (slug: string): Promise<string> =>
    String((await only(`/flows/instances/?slug=${slug}`)).pk)
  const stagePk = async (name: string): Promise<string> =>
    String((await only(`/stages/all/?name=${q(name)}`)).pk)

  beforeAll(async () => {
    fake = await startFakeAuthentik({ version, bootstrapToken: TOKEN })
    api = client(fake)
  })
  afterAll(async () => {
    await fake.close()
  })
  afterEach(() => {
    expect(fake.schemaViolations).toEqual([])
    expect(fake.state.unimplementedCalls).toEqual([])
  })

  it('has the default flows bound to their stages in the blueprints’ orders', async () => {
    const orders = async (slug: string): Promise<[string, number][]> => {
      const flow = await flowPk(slug)
      const list = await api('GET', `/flows/bindings/?target=${flow}&ordering=order`)
      return list.body.results!.map((b) => [String((b.stage_obj as Json).name), Number(b.order)])
    }
    expect(await orders('default-authentication-flow')).toEqual([
      ['default-authentication-identification', 10],
      ['default-authentication-password', 20],
      ['default-authentication-mfa-validation', 30],
      ['default-authentication-login', 100],
    ])
    expect(await orders('default-source-enrollment')).toEqual([
      ['default-source-enrollment-prompt', 0],
      ['default-source-enrollment-write', 1],
      ['default-source-enrollment-login', 2],
    ])
    expect(await orders('default-password-change')).toEqual([
      ['default-password-change-prompt', 0],
      ['default-password-change-write', 1],
    ])
    const flow = await api('GET', '/flows/instances/default-authentication-flow/')
    expect(flow.body.stages).toHaveLength(4)
  })

  it('has the default stages configured as a fresh install', async () => {
    const identification = await only(
      '/stages/identification/?name=default-authentication-identification',
    )
    expect(identification).toMatchObject({
      user_fields: ['email', 'username'],
      password_stage: null,
      recovery_flow: null,
      enable_remember_me: false,
    })
    expect(identification.flow_set).toEqual([
      expect.objectContaining({ slug: 'default-authentication-flow' }),
    ])
    expect(
      await only('/stages/authenticator/validate/?name=default-authentication-mfa-validation'),
    ).toMatchObject({ not_configured_action: 'skip' })
    expect(
      await only('/stages/authenticator/totp/?name=default-authenticator-totp-setup'),
    ).toMatchObject({
      digits: '6',
      configure_flow: await flowPk('default-authenticator-totp-setup'),
    })

    const prompt = await only('/stages/prompt/stages/?name=default-password-change-prompt')
    const promptNames = await Promise.all(
      (prompt.fields as string[]).map(
        async (pk) => (await api('GET', `/stages/prompt/prompts/${pk}/`)).body.name,
      ),
    )
    expect(promptNames).toEqual([
      'default-password-change-field-password',
      'default-password-change-field-password-repeat',
    ])
    expect(prompt.validation_policies).toEqual([])
    expect(
      (await only('/stages/prompt/stages/?name=default-source-enrollment-prompt')).fields,
    ).toHaveLength(1)

    // The password policy sits on the write binding of default-password-change.
    const policy = await only('/policies/password/?name=default-password-change-password-policy')
    expect(policy.bound_to).toBe(1)
    const binding = await only(`/policies/bindings/?policy=${String(policy.pk)}`)
    const write = await only(
      `/flows/bindings/?target=${await flowPk('default-password-change')}&stage=${await stagePk('default-password-change-write')}`,
    )
    expect(binding.target).toBe(write.pk)
    expect((binding.policy_obj as Json).name).toBe('default-password-change-password-policy')
    expect(
      (await only('/policies/expression/?name=default-source-enrollment-if-sso')).bound_to,
    ).toBe(1)

    const outpost = await only(
      '/outposts/instances/?managed__iexact=goauthentik.io/outposts/embedded',
    )
    expect((outpost.config as Json).authentik_host).toBe('')
    expect((await api('GET', '/admin/system/')).body.embedded_outpost_host).toBe('')
    const templates = (await api('GET', '/stages/email/templates/')).body as unknown as Json[]
    expect(templates.map((t) => t.name)).toEqual(
      expect.arrayContaining(['email/password_reset.html', 'email/account_confirmation.html']),
    )
  })

  /** create → exact filter finds it → patch → retrieve → delete → gone, for every writable kind. */
  it('creates, finds, patches, reads back and deletes every writable kind', async () => {
    const authz = await flowPk('default-provider-authorization-implicit-consent')
    const inval = await flowPk('default-provider-invalidation-flow')
    const kinds: {
      path: string
      id: (o: Json) => string
      body: Json
      filter: (o: Json) => string
      patch: Json
    }[] = [
      {
        path: '/flows/instances/',
        id: (o) => String(o.slug),
        body: {
          name: 'Recovery',
          slug: 'crud-recovery',
          title: 'Recovery',
          designation: 'recovery',
        },
        filter: () => 'slug=crud-recovery',
        patch: { title: 'Reset your password' },
      },
      {
        path: '/stages/identification/',
        id: (o) => String(o.pk),
        body: { name: 'crud-identification', user_fields: ['username', 'email'] },
        filter: () => 'name=crud-identification',
        patch: { enable_remember_me: true },
      },
      {
        path: '/stages/password/',
        id: (o) => String(o.pk),
        body: { name: 'crud-password', backends: ['authentik.core.auth.InbuiltBackend'] },
        filter: () => 'name=crud-password',
        patch: { allow_show_password: true },
      },
      {
        path: '/stages/prompt/stages/',
        id: (o) => String(o.pk),
        body: { name: 'crud-prompt', fields: [] },
        filter: () => 'name=crud-prompt',
        patch: { validation_policies: [] },
      },
      {
        path: '/stages/user_write/',
        id: (o) => String(o.pk),
        body: {
          name: 'crud-write',
          user_creation_mode: 'create_when_required',
          user_type: 'internal',
        },
        filter: () => 'name=crud-write',
        patch: { create_users_as_inactive: true },
      },
      {
        path: '/stages/user_login/',
        id: (o) => String(o.pk),
        body: { name: 'crud-login' },
        filter: () => 'name=crud-login',
        patch: { session_duration: 'hours=8' },
      },
      {
        path: '/stages/invitation/stages/',
        id: (o) => String(o.pk),
        body: { name: 'crud-invitation', continue_flow_without_invitation: false },
        filter: () => 'name=crud-invitation',
        patch: { continue_flow_without_invitation: true },
      },
      {
        path: '/stages/email/',
        id: (o) => String(o.pk),
        body: {
          name: 'crud-email',
          use_global_settings: true,
          template: 'email/password_reset.html',
        },
        filter: () => 'name=crud-email',
        patch: { subject: 'Reset' },
      },
      {
        path: '/stages/authenticator/validate/',
        id: (o) => String(o.pk),
        body: { name: 'crud-validate', device_classes: ['totp'] },
        filter: () => 'name=crud-validate',
        patch: { not_configured_action: 'configure' },
      },
      {
        path: '/stages/authenticator/totp/',
        id: (o) => String(o.pk),
        body: { name: 'crud-totp', digits: '6' },
        filter: () => 'name=crud-totp',
        patch: { digits: '8' },
      },
      {
        path: '/stages/prompt/prompts/',
        id: (o) => String(o.pk),
        body: { name: 'crud-prompt-field', field_key: 'nick', label: 'Nick', type: 'text' },
        filter: () => 'name=crud-prompt-field',
        patch: { order: 5 },
      },
      {
        path: '/policies/password/',
        id: (o) => String(o.pk),
        body: { name: 'crud-complexity', length_min: 12, check_have_i_been_pwned: false },
        filter: () => 'name=crud-complexity',
        patch: { amount_symbols: 2 },
      },
      {
        path: '/policies/expression/',
        id: (o) => String(o.pk),
        body: { name: 'crud-expression', expression: 'return True' },
        filter: () => 'name=crud-expression',
        patch: { expression: 'return False' },
      },
      {
        path: '/propertymappings/provider/scope/',
        id: (o) => String(o.pk),
        body: { name: 'crud-scope', scope_name: 'crud', expression: 'return {}' },
        filter: () => 'scope_name=crud',
        patch: { description: 'Crud scope' },
      },
      {
        path: '/providers/oauth2/',
        id: (o) => String(o.pk),
        body: {
          name: 'crud-oauth',
          authorization_flow: authz,
          invalidation_flow: inval,
          redirect_uris: [{ matching_mode: 'strict', url: 'https://nc.example.org/cb' }],
        },
        filter: () => 'name=crud-oauth',
        patch: { sub_mode: 'user_username' },
      },
      {
        path: '/providers/proxy/',
        id: (o) => String(o.pk),
        body: {
          name: 'crud-proxy',
          authorization_flow: authz,
          invalidation_flow: inval,
          mode: 'forward_single',
          external_host: 'https://sonarr.example.org',
        },
        filter: () => 'name__iexact=CRUD-proxy',
        patch: { skip_path_regex: '^/api/.*' },
      },
      {
        path: '/core/applications/',
        id: (o) => String(o.slug),
        body: { name: 'Crud', slug: 'crud-app' },
        filter: () => 'slug=crud-app',
        patch: { meta_launch_url: 'https://crud.example.org' },
      },
      {
        path: '/stages/invitation/invitations/',
        id: (o) => String(o.pk),
        body: { name: 'crud-invite', single_use: true, fixed_data: { email: 'a@example.org' } },
        filter: () => 'name=crud-invite',
        patch: { single_use: false },
      },
    ]
    for (const kind of kinds) {
      const object = await created(kind.path, kind.body)
      const found = await only(`${kind.path}?${kind.filter(object)}`)
      expect(found.pk, kind.path).toBe(object.pk)
      const detail = `${kind.path}${kind.id(object)}/`
      const patched = await api('PATCH', detail, kind.patch)
      expect(patched.status, `${kind.path} ${JSON.stringify(patched.body)}`).toBe(200)
      expect((await api('GET', detail)).body, kind.path).toMatchObject(kind.patch)
      expect((await api('DELETE', detail)).status, kind.path).toBe(204)
      expect((await api('GET', detail)).status, kind.path).toBe(404)
      expect((await api('GET', `${kind.path}?${kind.filter(object)}`)).body.results).toEqual([])
    }
  })

  it('refuses duplicate names and slugs like Django’s unique validators', async () => {
    const flow = { name: 'Dup', slug: 'dup-flow', title: 'Dup', designation: 'recovery' }
    await created('/flows/instances/', flow)
    expect(await api('POST', '/flows/instances/', flow)).toMatchObject({
      status: 400,
      body: { slug: ['Flow with this slug already exists.'] },
    })
    // Stage names are unique across all stage types.
    expect(
      await api('POST', '/stages/user_login/', { name: 'default-authentication-identification' }),
    ).toMatchObject({ status: 400, body: { name: ['Stage with this name already exists.'] } })
    expect(
      await api('POST', '/policies/password/', { name: 'default-password-change-password-policy' }),
    ).toMatchObject({ status: 400, body: { name: ['Policy with this name already exists.'] } })
    await created('/core/applications/', { name: 'Dup', slug: 'dup-app' })
    expect(
      await api('POST', '/core/applications/', { name: 'Dup 2', slug: 'dup-app' }),
    ).toMatchObject({
      status: 400,
      body: { slug: ['Application with this slug already exists.'] },
    })
    expect(
      await api('POST', '/flows/bindings/', {
        target: crypto.randomUUID(),
        stage: await stagePk('default-authentication-login'),
        order: 1,
      }),
    ).toMatchObject({ status: 400, body: { target: [expect.stringContaining('does not exist')] } })
  })

  it('builds a recovery flow, cascades deletes of flows, bindings and stages', async () => {
    const flow = await created('/flows/instances/', {
      name: 'Recovery',
      slug: 'cascade-recovery',
      title: 'Recovery',
      designation: 'recovery',
    })
    const ident = await created('/stages/identification/', {
      name: 'cascade-identification',
      user_fields: ['username', 'email'],
    })
    const email = await created('/stages/email/', {
      name: 'cascade-email',
      use_global_settings: true,
    })
    // A new stage appears in /stages/all/ with its generic representation.
    expect(await only('/stages/all/?name=cascade-email')).toMatchObject({
      pk: email.pk,
      component: 'ak-stage-email-form',
    })
    const b1 = await created('/flows/bindings/', { target: flow.pk, stage: ident.pk, order: 10 })
    const b2 = await created('/flows/bindings/', { target: flow.pk, stage: email.pk, order: 20 })
    expect((b1.stage_obj as Json).name).toBe('cascade-identification')
    const policy = await created('/policies/expression/', {
      name: 'cascade-policy',
      expression: 'return True',
    })
    const pb = await created('/policies/bindings/', { target: b2.pk, policy: policy.pk, order: 0 })
    expect((await api('GET', `/flows/instances/cascade-recovery/`)).body.stages).toEqual([
      ident.pk,
      email.pk,
    ])

    // Deleting a stage deletes its bindings; deleting a binding deletes its policy bindings.
    expect((await api('DELETE', `/stages/email/${String(email.pk)}/`)).status).toBe(204)
    expect((await api('GET', `/flows/bindings/${String(b2.pk)}/`)).status).toBe(404)
    expect((await api('GET', `/policies/bindings/${String(pb.pk)}/`)).status).toBe(404)
    expect((await api('GET', `/policies/expression/${String(policy.pk)}/`)).body.bound_to).toBe(0)

    // Deleting a flow deletes its bindings, not the stages.
    expect((await api('DELETE', '/flows/instances/cascade-recovery/')).status).toBe(204)
    expect((await api('GET', `/flows/bindings/${String(b1.pk)}/`)).status).toBe(404)
    expect((await api('GET', `/stages/identification/${String(ident.pk)}/`)).status).toBe(200)

    // Exactly one of policy, group or user on a policy binding.
    const app = await created('/core/applications/', { name: 'Gate', slug: 'cascade-gate' })
    const none = await api('POST', '/policies/bindings/', { target: app.pk, order: 0 })
    expect(none.status).toBe(400)
    const group = await created('/core/groups/', { name: 'cascade users' })
    const both = await api('POST', '/policies/bindings/', {
      target: app.pk,
      order: 0,
      group: group.pk,
      policy: policy.pk,
    })
    expect(both.body).toMatchObject({ non_field_errors: [expect.stringContaining('Only one of')] })
    const byGroup = await created('/policies/bindings/', {
      target: app.pk,
      order: 0,
      group: group.pk,
    })
    expect((byGroup.group_obj as Json).name).toBe('cascade users')
    expect((await only(`/policies/bindings/?target=${String(app.pk)}`)).pk).toBe(byGroup.pk)
    expect((await api('DELETE', `/core/groups/${String(group.pk)}/`)).status).toBe(204)
    expect((await api('GET', `/policies/bindings/?target=${String(app.pk)}`)).body.results).toEqual(
      [],
    )
  })

  it('forces the proxy provider’s OAuth defaults and wires providers, applications and the outpost', async () => {
    const authz = await flowPk('default-provider-authorization-implicit-consent')
    const inval = await flowPk('default-provider-invalidation-flow')
    const proxyBody = {
      name: 'Traefik Provider',
      authorization_flow: authz,
      invalidation_flow: inval,
      mode: 'forward_domain',
      external_host: 'https://auth.example.org',
      cookie_domain: 'example.org',
      access_token_validity: 'hours=24',
    }
    expect(
      (await api('POST', '/providers/proxy/', { ...proxyBody, mode: 'proxy' })).body,
    ).toMatchObject({ internal_host: [expect.any(String)] })
    const { invalidation_flow: _dropped, ...noInvalidation } = proxyBody
    expect((await api('POST', '/providers/proxy/', noInvalidation)).body).toMatchObject({
      invalidation_flow: ['This field is required.'],
    })
    const proxy = await created('/providers/proxy/', proxyBody)
    expect(proxy).toMatchObject({ mode: 'forward_domain', assigned_application_slug: null })
    expect((proxy.redirect_uris as Json[])[0]).toMatchObject({
      matching_mode: 'strict',
      url: 'https://auth.example.org/outpost.goauthentik.io/callback?X-authentik-auth-callback=true',
    })
    const mappings = await api('GET', '/propertymappings/provider/scope/?page_size=100')
    const managed = mappings.body
      .results!.filter((m) => (proxy.property_mappings as string[]).includes(String(m.pk)))
      .map((m) => m.managed)
      .sort()
    expect(managed).toEqual([
      'goauthentik.io/providers/oauth2/scope-email',
      'goauthentik.io/providers/oauth2/scope-openid',
      'goauthentik.io/providers/oauth2/scope-profile',
      'goauthentik.io/providers/proxy/scope-proxy',
    ])
    // Sent property mappings are overwritten on every save.
    const patched = await api('PATCH', `/providers/proxy/${String(proxy.pk)}/`, {
      property_mappings: [],
    })
    expect((patched.body.property_mappings as string[]).length).toBe(4)

    const app = await created('/core/applications/', {
      name: 'Traefik',
      slug: 'traefik',
      provider: proxy.pk,
    })
    expect(app).toMatchObject({ launch_url: 'https://auth.example.org' })
    expect((app.provider_obj as Json).name).toBe('Traefik Provider')
    expect((await api('GET', `/providers/proxy/${String(proxy.pk)}/`)).body).toMatchObject({
      assigned_application_slug: 'traefik',
      assigned_application_name: 'Traefik',
    })
    expect(
      (
        await api('POST', '/core/applications/', {
          name: 'Again',
          slug: 'again',
          provider: proxy.pk,
        })
      ).status,
    ).toBe(400)
    expect((await only('/providers/all/?application__isnull=false')).pk).toBe(proxy.pk)

    const oauth = await created('/providers/oauth2/', {
      name: 'Nextcloud Provider',
      authorization_flow: authz,
      invalidation_flow: inval,
      redirect_uris: [
        { matching_mode: 'strict', url: 'https://nc.example.org/apps/user_oidc/code' },
      ],
      sub_mode: 'user_username',
    })
    expect(String(oauth.client_id)).toHaveLength(40)
    expect(String(oauth.client_secret).length).toBeGreaterThan(40)
    if (hasFeature(version, 'redirectUriType'))
      expect((oauth.redirect_uris as Json[])[0]).toMatchObject({
        redirect_uri_type: 'authorization',
      })
    expect((await api('GET', `/providers/oauth2/${String(oauth.pk)}/setup_urls/`)).status).toBe(404)
    await created('/core/applications/', {
      name: 'Nextcloud',
      slug: 'nextcloud',
      provider: oauth.pk,
    })
    const urls = await api('GET', `/providers/oauth2/${String(oauth.pk)}/setup_urls/`)
    expect(urls.body.issuer).toMatch(/\/application\/o\/nextcloud\/$/)

    const outpost = await only(
      '/outposts/instances/?managed__iexact=goauthentik.io/outposts/embedded',
    )
    const detail = `/outposts/instances/${String(outpost.pk)}/`
    expect((await api('PATCH', detail, { providers: [9999] })).status).toBe(400)
    const config = { ...(outpost.config as Json), authentik_host: 'https://auth.example.org' }
    const updated = await api('PATCH', detail, { providers: [proxy.pk], config })
    expect(updated.body).toMatchObject({ providers: [proxy.pk], config })
    expect((updated.body.providers_obj as Json[])[0]).toMatchObject({ name: 'Traefik Provider' })
    expect((await only('/outposts/instances/?providers_by_pk=' + String(proxy.pk))).pk).toBe(
      outpost.pk,
    )
    expect((await api('GET', '/admin/system/')).body.embedded_outpost_host).toBe(
      'https://auth.example.org',
    )
    // config is replaced whole, not merged.
    await api('PATCH', detail, { config: { authentik_host: 'https://x.example.org' } })
    expect((await api('GET', detail)).body.config).toEqual({
      authentik_host: 'https://x.example.org',
    })
    expect((await api('GET', `${detail}health/`)).body).toEqual([])
  })

  it('reads and patches the admin settings and the brand', async () => {
    const settings = await api('GET', '/admin/settings/')
    expect(settings.body).toMatchObject({ default_user_change_username: false })
    expect('flags' in settings.body).toBe(hasFeature(version, 'settingsFlags'))
    const patched = await api('PATCH', '/admin/settings/', { default_user_change_username: true })
    expect(patched.body.default_user_change_username).toBe(true)
    const put = await api('PUT', '/admin/settings/', { avatars: 'none' })
    expect(put.status).toBe(hasFeature(version, 'settingsFlags') ? 400 : 200)

    const brand = await only('/core/brands/?default=true')
    const recovery = await flowPk('default-password-change')
    const answer = await api('PATCH', `/core/brands/${String(brand.brand_uuid)}/`, {
      flow_recovery: recovery,
    })
    expect(answer.body.flow_recovery).toBe(recovery)
    await api('PATCH', `/core/brands/${String(brand.brand_uuid)}/`, { flow_recovery: null })
  })

  it('completes users and groups for the directory panels', async () => {
    const group = await created('/core/groups/', { name: 'dir parents', attributes: { a: 1 } })
    const child = await created('/core/groups/', {
      name: 'dir child',
      is_superuser: false,
      ...(hasFeature(version, 'groupParents') ? { parents: [group.pk] } : { parent: group.pk }),
    })
    const user = await created('/core/users/', {
      username: 'dir-alice',
      name: 'Alice',
      email: 'alice@example.org',
      groups: [child.pk],
    })
    expect(
      (await only(`/core/users/?groups_by_name=${q('dir child')}&username=dir-alice`)).pk,
    ).toBe(user.pk)
    expect((await only(`/core/users/?groups_by_pk=${String(child.pk)}`)).pk).toBe(user.pk)
    expect((await only('/core/users/?search=ALICE@example')).pk).toBe(user.pk)
    expect(
      (await only('/core/users/?email=alice@example.org&is_active=true&type=internal')).pk,
    ).toBe(user.pk)
    const detail = `/core/users/${String(user.pk)}/`
    const patch = {
      name: 'Alice A.',
      email: 'aa@example.org',
      is_active: false,
      attributes: { x: 1 },
      path: 'users/dir',
      type: 'external',
      groups: [],
    }
    expect((await api('PATCH', detail, patch)).body).toMatchObject(patch)
    expect(
      (await api('GET', `/core/groups/${String(child.pk)}/?include_users=true`)).body.users_obj,
    ).toEqual([])
    await api('PATCH', `/core/groups/${String(child.pk)}/`, {
      users: [user.pk],
      is_superuser: true,
    })
    expect((await api('GET', detail)).body.is_superuser).toBe(true)
    expect(
      (await api('GET', `/core/groups/${String(child.pk)}/?include_users=false`)).body.users_obj,
    ).toBeNull()
    expect(
      (await api('POST', `/core/groups/${String(child.pk)}/remove_user/`, { pk: user.pk })).status,
    ).toBe(204)

    // Recovery needs the brand's recovery flow.
    expect(await api('POST', `${detail}recovery/`)).toMatchObject({
      status: 400,
      body: { non_field_errors: ['No recovery flow set.'] },
    })
    const brand = await only('/core/brands/?default=true')
    await api('PATCH', `/core/brands/${String(brand.brand_uuid)}/`, {
      flow_recovery: await flowPk('default-password-change'),
    })
    const link = await api('POST', `${detail}recovery/`)
    expect(link.body.link).toMatch(/\/if\/flow\/default-password-change\/\?flow_token=/)
    const email = await created('/stages/email/', {
      name: 'dir-recovery-email',
      use_global_settings: true,
    })
    const mailed = hasFeature(version, 'recoveryEmailBody')
      ? await api('POST', `${detail}recovery_email/`, { email_stage: email.pk })
      : await api('POST', `${detail}recovery_email/?email_stage=${String(email.pk)}`)
    expect(mailed.status).toBe(204)
    expect(fake.state.sentMail.at(-1)).toMatchObject({ kind: 'recovery', to: ['aa@example.org'] })
    await api('PATCH', `/core/brands/${String(brand.brand_uuid)}/`, { flow_recovery: null })

    expect((await api('DELETE', detail)).status).toBe(204)
    expect((await api('GET', detail)).status).toBe(404)
    expect((await api('DELETE', `/core/groups/${String(child.pk)}/`)).status).toBe(204)
  })

  it('mails an invitation where the version can (2026.5+)', async () => {
    const invitation = await created('/stages/invitation/invitations/', {
      name: 'mail-me',
      flow: await flowPk('default-source-enrollment'),
    })
    expect((invitation.created_by as Json).username).toBe('akadmin')
    expect((invitation.flow_obj as Json).slug).toBe('default-source-enrollment')
    expect(
      (await only('/stages/invitation/invitations/?flow__slug=default-source-enrollment')).pk,
    ).toBe(invitation.pk)
    const sent = await api(
      'POST',
      `/stages/invitation/invitations/${String(invitation.pk)}/send_email/`,
      {
        email_addresses: ['bob@example.org'],
      },
    )
    if (!hasFeature(version, 'invitationEmail')) {
      expect(sent.status).toBe(404)
    } else {
      expect(sent.status).toBe(204)
      expect(fake.state.sentMail.at(-1)).toMatchObject({
        to: ['bob@example.org'],
        link: expect.stringContaining(
          `/if/flow/default-source-enrollment/?itoken=${String(invitation.pk)}`,
        ),
      })
    }
  })

  it('fails the k-th write before or after applying it, once, and logs every request', async () => {
    const before = fake.state.requestLog.length
    fake.state.faults.failWrite({ at: 2, mode: 'before' })
    await created('/stages/user_login/', { name: 'fault-1' })
    const failed = await api('POST', '/stages/user_login/', { name: 'fault-2' })
    expect(failed).toMatchObject({ status: 500, body: { detail: expect.any(String) } })
    expect((await api('GET', '/stages/user_login/?name=fault-2')).body.results).toEqual([])
    await created('/stages/user_login/', { name: 'fault-3' }) // one-shot

    fake.state.faults.failWrite({ at: 1, mode: 'after' })
    await expect(api('POST', '/stages/user_login/', { name: 'fault-4' })).rejects.toThrow()
    // The client got a reset, yet the stage exists.
    expect((await only('/stages/user_login/?name=fault-4')).name).toBe('fault-4')

    const log = fake.state.requestLog.slice(before)
    const writes = log.filter((entry) => entry.method !== 'GET')
    expect(writes.map((e) => [e.operationId, e.status, e.fault])).toEqual([
      ['stages_user_login_create', 201, undefined],
      ['stages_user_login_create', 500, 'before'],
      ['stages_user_login_create', 201, undefined],
      ['stages_user_login_create', 201, 'after'],
    ])
    expect(log.filter((e) => e.method === 'GET')).toHaveLength(2)
  })

  // A timing check of the fake's paging, not of a release's shapes: oldest and newest only.
  if (edgeVersions.includes(version))
    it('pages through 10 000 seeded users quickly', async () => {
      const started = performance.now()
      fake.state.seedUsers(10_000)
      expect(performance.now() - started).toBeLessThan(2000)
      const listed = new Set<unknown>()
      const pagingStarted = performance.now()
      let page = 1
      for (;;) {
        const answer = await api(
          'GET',
          `/core/users/?page=${page}&page_size=500&include_groups=false`,
        )
        expect(answer.status).toBe(200)
        for (const user of answer.body.results!) listed.add(user.pk)
        const next = (answer.body.pagination as Json).next as number
        if (next === 0) break
        page = next
      }
      const pagingMs = performance.now() - pagingStarted
      expect(listed.size).toBe(fake.state.users.size)
      expect(pagingMs).toBeLessThan(5000)
      const one = await only('/core/users/?username=user10001')
      expect(one.email).toBe('user10001@example.org')
    })
})
