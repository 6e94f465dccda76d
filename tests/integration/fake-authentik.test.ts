/**
 * The fake Authentik itself, driven by a raw fetch client (not the official one): seed, bootstrap,
 * readiness, validation of requests and responses, users/groups/tokens rules — for every supported
 * release (the property-based fuzzing of the user body on the oldest and newest only, see
 * tests/support/versions.ts).
 */
import fc from 'fast-check'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { hasFeature } from '../../src/shared/authentik-releases'
import { startFakeAuthentik, type FakeAuthentik, type FakeVersion } from '../fakes/authentik/server'
import { allVersions, describeVersions, edgeVersions } from '../support/versions'

const TOKEN = 'bootstrap-token-for-tests-0123456789'
const PASSWORD = 'bootstrap-password'
const EMAIL = 'admin@example.org'

interface Answer {
  status: number
  body: unknown
  headers: Headers
}

type Json = Record<string, unknown>

function client(fake: FakeAuthentik, token: string | null = TOKEN) {
  return async (method: string, path: string, body?: unknown, raw?: string): Promise<Answer> => {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (token !== null) headers.authorization = `Bearer ${token}`
    if (body !== undefined || raw !== undefined) headers['content-type'] = 'application/json'
    const response = await fetch(`${fake.url}/api/v3${path}`, {
      method,
      headers,
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    })
    const text = await response.text()
    let parsed: unknown = text
    try {
      parsed = text === '' ? null : JSON.parse(text)
    } catch {
      // keep text
    }
    return { status: response.status, body: parsed, headers: response.headers }
  }
}

const results = (answer: Answer): Json[] => (answer.body as { results: Json[] }).results
const only = (answer: Answer): Json => {
  expect(answer.status).toBe(200)
  const list = results(answer)
  expect(list).toHaveLength(1)
  return list[0] as Json
}

function fakeSuite(version: FakeVersion, part: 'main' | 'fuzz'): void {
  let fake: FakeAuthentik
  let api: ReturnType<typeof client>

  beforeAll(async () => {
    fake = await startFakeAuthentik({
      version,
      bootstrapToken: TOKEN,
      bootstrapPassword: PASSWORD,
      bootstrapEmail: EMAIL,
    })
    api = client(fake)
  })
  afterAll(async () => {
    await fake.close()
  })
  afterEach(() => {
    expect(fake.schemaViolations).toEqual([])
    expect(fake.state.unimplementedCalls).toEqual([])
  })

  if (part === 'fuzz') {
    fuzzUserBodies()
    return
  }

  it('starts in well under two seconds once the schema is cached', async () => {
    const started = performance.now()
    const other = await startFakeAuthentik({ version })
    await other.close()
    expect(performance.now() - started).toBeLessThan(2000)
  })

  it('answers the version, the anonymous config and the anonymous schema', async () => {
    expect((await api('GET', '/admin/version/')).body).toMatchObject({ version_current: version })
    const anonymous = client(fake, null)
    const config = await anonymous('GET', '/root/config/')
    expect(config.status).toBe(200)
    expect(config.body).toHaveProperty('capabilities')
    const json = await anonymous('GET', '/schema/?format=json')
    expect(json.status).toBe(200)
    expect((json.body as { info: { version: string } }).info.version).toBe(version)
    const yaml = await anonymous('GET', '/schema/')
    expect(yaml.headers.get('content-type')).toContain('application/vnd.oai.openapi')
    expect(String(yaml.body)).toContain(`version: ${version}`)
    expect((await anonymous('GET', '/admin/version/')).status).toBe(403)
  })

  it('has what a fresh install has', async () => {
    const admin = only(await api('GET', '/core/users/?username=akadmin'))
    expect(admin).toMatchObject({
      username: 'akadmin',
      name: 'authentik Default Admin',
      email: EMAIL,
      is_active: true,
      is_superuser: true,
      type: 'internal',
    })
    const admins = only(await api('GET', '/core/groups/?name=authentik%20Admins'))
    expect(admins).toMatchObject({ is_superuser: true, users: [admin.pk] })
    expect(fake.state.users.get(Number(admin.pk))?.password).toBe(PASSWORD)

    const bootstrap = only(await api('GET', '/core/tokens/?identifier=authentik-bootstrap-token'))
    expect(bootstrap).toMatchObject({ intent: 'api', expiring: false, user: admin.pk })

    for (const slug of [
      'default-authentication-flow',
      'default-provider-authorization-implicit-consent',
      'default-provider-authorization-explicit-consent',
      'default-provider-invalidation-flow',
      'default-source-enrollment',
      'default-password-change',
      'default-authenticator-totp-setup',
      'initial-setup',
    ]) {
      expect(only(await api('GET', `/flows/instances/?slug=${slug}`)).slug).toBe(slug)
    }
    const flow = await api('GET', '/flows/instances/default-password-change/')
    expect(flow.body).toMatchObject({ designation: 'stage_configuration' })

    const outpost = only(
      await api('GET', '/outposts/instances/?managed__iexact=goauthentik.io/outposts/embedded'),
    )
    expect(outpost).toMatchObject({ name: 'authentik Embedded Outpost', providers: [] })
    expect((outpost.config as Json).authentik_host).toBe('')

    const scopes = await api(
      'GET',
      '/propertymappings/provider/scope/?managed=goauthentik.io/providers/oauth2/scope-openid' +
        '&managed=goauthentik.io/providers/oauth2/scope-email&managed=goauthentik.io/providers/oauth2/scope-profile',
    )
    expect(results(scopes).map((m) => m.scope_name)).toEqual(['email', 'openid', 'profile'])

    const brand = only(await api('GET', '/core/brands/?default=true'))
    expect(brand.flow_authentication).toBe(
      only(await api('GET', '/flows/instances/?slug=default-authentication-flow')).pk,
    )
    only(
      await api(
        'GET',
        '/crypto/certificatekeypairs/?name=authentik%20Self-signed%20Certificate&has_key=true',
      ),
    )
    only(await api('GET', '/stages/all/?name=default-authentication-identification'))
    only(await api('GET', '/stages/prompt/prompts/?name=default-user-settings-field-email'))
    only(await api('GET', '/policies/password/?name=default-password-change-password-policy'))
  })

  it('rejects missing, foreign-scheme, wrong and expired tokens like Authentik', async () => {
    expect(await client(fake, null)('GET', '/core/users/')).toMatchObject({
      status: 403,
      body: { detail: 'Authentication credentials were not provided.' },
    })
    expect(await client(fake, 'not-a-token')('GET', '/core/users/')).toMatchObject({
      status: 403,
      body: { detail: 'Token invalid/expired' },
    })
    const basic = await fetch(`${fake.url}/api/v3/core/users/`, {
      headers: { authorization: 'Basic YWthZG1pbjpwdw==' },
    })
    expect(basic.status).toBe(403)
    const admin = only(await api('GET', '/core/users/?username=akadmin'))
    await api('POST', '/core/tokens/', {
      identifier: 'already-expired',
      intent: 'api',
      user: admin.pk,
      expiring: true,
      expires: '2020-01-01T00:00:00Z',
    })
    expect(
      (await api('POST', '/core/tokens/already-expired/set_key/', { key: 'old' })).status,
    ).toBe(204)
    expect((await client(fake, 'old')('GET', '/core/users/me/')).status).toBe(403)
    expect((await api('GET', '/core/tokens/already-expired/view_key/')).status).toBe(404)
  })

  it('answers bad bodies, bad queries, unknown paths with Authentik-shaped errors', async () => {
    const bad = await api('POST', '/core/users/', { username: 'x'.repeat(151), type: 'robot' })
    expect(bad.status).toBe(400)
    expect(bad.body).toMatchObject({
      username: ['Ensure this field has no more than 150 characters.'],
      name: ['This field is required.'],
      type: ['"robot" is not a valid choice.'],
    })
    const stale = await api('POST', '/core/users/', {
      username: 'ghost',
      name: 'Ghost',
      // A field of another release's UserRequest: `roles` arrived in 2025.12.
      [hasFeature(version, 'userRoles') ? 'parent' : 'roles']: [],
    })
    expect(stale.status).toBe(400)
    expect((await api('POST', '/core/users/', undefined, '{"username": ')).status).toBe(400)
    expect((await api('GET', '/core/users/?page=abc')).body).toMatchObject({
      page: ['A valid integer is required.'],
    })
    expect((await api('GET', '/core/users/?is_active=maybe')).status).toBe(400)
    expect((await api('GET', '/providers/proxy/?name=x')).body).toMatchObject({
      name: [expect.stringContaining('Unknown query parameter')],
    })
    expect((await api('GET', '/core/users/?attributes=%7B%7D')).body).toMatchObject({
      attributes: [expect.stringContaining('does not model')],
    })
    expect(await api('GET', '/core/users/not-a-number/')).toMatchObject({
      status: 404,
      body: { detail: 'Not found.' },
    })
    expect(await api('GET', '/core/users/99999/')).toMatchObject({
      status: 404,
      body: { detail: 'Not found.' },
    })
    expect((await api('GET', '/no/such/endpoint/')).status).toBe(404)
    expect((await api('DELETE', '/admin/version/')).status).toBe(405)
  })

  it('creates users, refuses a duplicate username, sets a password, hands over, kills tokens', async () => {
    const admins = only(
      await api('GET', '/core/groups/?name=authentik%20Admins&include_users=false'),
    )
    expect(admins.users_obj).toBeNull()
    const created = await api('POST', '/core/users/', {
      username: 'gatekeeper',
      name: 'Gate Keeper',
      email: 'gate@example.org',
      type: 'internal',
      is_active: true,
      groups: [admins.pk],
    })
    expect(created.status).toBe(201)
    const user = created.body as Json
    expect(user).toMatchObject({ username: 'gatekeeper', is_superuser: true, path: 'users' })

    const duplicate = await api('POST', '/core/users/', { username: 'gatekeeper', name: 'Again' })
    expect(duplicate).toMatchObject({
      status: 400,
      body: { username: ['A user with that username already exists.'] },
    })

    expect(
      (await api('POST', `/core/users/${user.pk}/set_password/`, { password: 'S3cret!pw' })).status,
    ).toBe(204)
    expect(fake.state.users.get(Number(user.pk))?.password).toBe('S3cret!pw')
    expect(
      (await api('POST', `/core/users/${user.pk}/set_password/`, { password: '' })).status,
    ).toBe(400)

    const token = await api('POST', '/core/tokens/', {
      identifier: 'gatehouse',
      intent: 'api',
      user: user.pk,
      description: 'Gatehouse',
      expiring: false,
    })
    expect(token.status).toBe(201)
    expect(token.body).not.toHaveProperty('key')
    const again = await api('POST', '/core/tokens/', { identifier: 'gatehouse', intent: 'api' })
    expect(again.body).toMatchObject({ identifier: ['Token with this identifier already exists.'] })
    expect(
      (await api('POST', '/core/tokens/gatehouse/set_key/', { key: 'gatehouse-key-1' })).status,
    ).toBe(204)
    expect((await api('GET', '/core/tokens/gatehouse/view_key/')).body).toEqual({
      key: 'gatehouse-key-1',
    })

    const own = client(fake, 'gatehouse-key-1')
    expect((await own('GET', '/core/users/me/')).body).toMatchObject({
      user: { username: 'gatekeeper', is_superuser: true },
    })
    const akadmin = only(await own('GET', '/core/users/?username=akadmin'))
    const patched = await own('PATCH', `/core/users/${akadmin.pk}/`, { is_active: false })
    expect(patched.body).toMatchObject({ is_active: false })
    // The bootstrap token belongs to akadmin: it is dead now.
    expect(await api('GET', '/core/users/me/')).toMatchObject({
      status: 403,
      body: { detail: 'Token invalid/expired' },
    })
    expect(only(await own('GET', '/core/users/?is_superuser=true&is_active=true')).username).toBe(
      'gatekeeper',
    )
    // And Gatehouse's own token dies the same way when its user is deactivated.
    await own('PATCH', `/core/users/${akadmin.pk}/`, { is_active: true })
    expect((await api('PATCH', `/core/users/${user.pk}/`, { is_active: false })).status).toBe(200)
    expect((await own('GET', '/core/users/me/')).status).toBe(403)
    expect((await api('PATCH', `/core/users/${user.pk}/`, { is_active: true })).status).toBe(200)
    expect((await own('GET', '/core/users/me/')).status).toBe(200)
  })

  it('keeps group names unique where the version does, replaces lists on PATCH, adds and removes members', async () => {
    const several = hasFeature(version, 'groupParents')
    const parentField = several ? 'parents' : 'parent'
    const parent = (await api('POST', '/core/groups/', { name: 'family' })).body as Json
    const child = await api('POST', '/core/groups/', {
      name: 'kids',
      ...(several ? { parents: [parent.pk] } : { parent: parent.pk }),
    })
    expect(child.status).toBe(201)
    const kids = child.body as Json
    expect(kids[parentField]).toEqual(several ? [parent.pk] : parent.pk)
    const duplicate = await api('POST', '/core/groups/', { name: 'kids' })
    if (several) expect(duplicate.body).toEqual({ name: ['Group with this name already exists.'] })
    else expect(duplicate.status).toBe(201)

    const a = (await api('POST', '/core/users/', { username: 'anna', name: 'Anna' })).body as Json
    const b = (await api('POST', '/core/users/', { username: 'bert', name: 'Bert' })).body as Json
    await api('PATCH', `/core/groups/${kids.pk}/`, { users: [a.pk, b.pk] })
    const replaced = await api('PATCH', `/core/groups/${kids.pk}/`, { users: [b.pk] })
    expect((replaced.body as Json).users).toEqual([b.pk])
    expect(
      ((await api('PATCH', `/core/users/${b.pk}/`, { groups: [] })).body as Json).groups,
    ).toEqual([])
    expect((await api('POST', `/core/groups/${kids.pk}/add_user/`, { pk: a.pk })).status).toBe(204)
    expect(only(await api('GET', `/core/groups/?members_by_username=anna&name=kids`)).pk).toBe(
      kids.pk,
    )
    expect((await api('POST', `/core/groups/${kids.pk}/remove_user/`, { pk: a.pk })).status).toBe(
      204,
    )
    expect((await api('POST', `/core/groups/${kids.pk}/add_user/`, { pk: 424242 })).status).toBe(
      404,
    )
    const retrieved = await api('GET', `/core/groups/${kids.pk}/?include_users=false`)
    expect(retrieved.body).toMatchObject({ users: [], users_obj: null })
    expect((await api('GET', '/core/groups/not-a-uuid/')).status).toBe(404)
  })

  // Issue #13: the 2026.8 client read `users` on a 2026.5 server, whose SessionUser has none.
  it('answers users/me in the release’s own SessionUser shape', async () => {
    const me = (await api('GET', '/core/users/me/')).body as Json
    const user = me.user as Json
    expect(user).toMatchObject({ username: 'akadmin', is_superuser: true })
    if (hasFeature(version, 'sessionUsers')) {
      expect(Object.keys(me).sort()).toEqual(['user', 'users'])
      expect(me.users).toEqual([user])
      expect(user.is_current).toBe(true)
    } else {
      expect(Object.keys(me)).toEqual(['user'])
      expect(user).not.toHaveProperty('is_current')
    }
    if (hasFeature(version, 'userRoles')) expect(user.roles).toEqual([])
    else expect(user).not.toHaveProperty('roles')
    expect(fake.schemaViolations).toEqual([])
  })

  it('paginates with Authentik’s envelope', async () => {
    for (let i = 0; i < 7; i++) {
      expect(
        (await api('POST', '/core/users/', { username: `page-${i}`, name: `P ${i}` })).status,
      ).toBe(201)
    }
    const first = await api('GET', '/core/users/?search=page-&page_size=3&ordering=username')
    expect(first.body).toMatchObject({
      pagination: {
        count: 7,
        current: 1,
        next: 2,
        previous: 0,
        total_pages: 3,
        start_index: 1,
        end_index: 3,
      },
    })
    if (hasFeature(version, 'listAutocomplete')) expect(first.body).toHaveProperty('autocomplete')
    else expect(first.body).not.toHaveProperty('autocomplete')
    const last = await api('GET', '/core/users/?search=page-&page_size=3&page=3&ordering=-username')
    expect(last.body).toMatchObject({
      pagination: { current: 3, next: 0, previous: 2, start_index: 7, end_index: 7 },
    })
    expect(results(last).map((u) => u.username)).toEqual(['page-0'])
    expect((await api('GET', '/core/users/?page=9&page_size=3&search=page-')).status).toBe(404)
    const none = await api('GET', '/core/users/?username=nobody')
    expect(none.body).toMatchObject({
      pagination: { count: 0, current: 1, total_pages: 1, start_index: 0, end_index: 0 },
      results: [],
    })
  })

  it('records a response that breaks the schema', async () => {
    fake.state.responseTampering.set('admin_version_retrieve', (body) => ({
      ...(body as Json),
      outdated: 'no',
      unexpected: true,
    }))
    expect((await api('GET', '/admin/version/')).status).toBe(200)
    expect(fake.schemaViolations).toHaveLength(2)
    expect(fake.schemaViolations.join('\n')).toMatch(
      /admin_version_retrieve → 200: \/outdated must be boolean/,
    )
    fake.state.responseTampering.set('core_users_retrieve', (body) => {
      const { avatar: _avatar, ...rest } = body as Json
      return rest
    })
    await api('GET', `/core/users/${only(await api('GET', '/core/users/?username=anna')).pk}/`)
    expect(fake.schemaViolations.join('\n')).toMatch(/must have required property 'avatar'/)
    fake.schemaViolations.length = 0
  })

  function fuzzUserBodies(): void {
    it('never accepts an invalid user body and never answers it off-schema (property)', async () => {
      const value = fc.jsonValue()
      const invalidBody = fc.oneof(
        // not an object at all
        fc.oneof(fc.array(value), fc.string(), fc.integer(), fc.constant(null)),
        // a required field missing
        fc.record({ name: fc.string() }),
        fc.record({ username: fc.string({ minLength: 1, maxLength: 150 }) }),
        // a field of the wrong type or out of range
        fc.record({
          username: fc.oneof(
            fc.integer(),
            fc.boolean(),
            fc.constant(''),
            fc.string({ minLength: 151 }),
          ),
          name: fc.string(),
        }),
        fc.record({
          username: fc.string({ minLength: 1, maxLength: 150 }),
          name: fc.string(),
          type: fc
            .string()
            .filter(
              (t) =>
                !['internal', 'external', 'service_account', 'internal_service_account'].includes(
                  t,
                ),
            ),
        }),
        fc.record({
          username: fc.string({ minLength: 1, maxLength: 150 }),
          name: fc.string(),
          groups: fc.array(fc.uuid(), { minLength: 1 }),
        }),
        fc.record({
          username: fc.string({ minLength: 1, maxLength: 150 }),
          name: fc.string(),
          is_active: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
        }),
        // a field the schema does not know
        fc
          .tuple(fc.string({ minLength: 1 }), value)
          .filter(
            ([key]) =>
              ![
                'username',
                'name',
                'is_active',
                'groups',
                'email',
                'attributes',
                'path',
                'type',
                'last_login',
                'roles',
              ].includes(key),
          )
          .map(([key, extra]) => ({ username: 'valid-name', name: 'Valid', [key]: extra })),
      )
      await fc.assert(
        fc.asyncProperty(invalidBody, async (body) => {
          const answer = await api('POST', '/core/users/', body)
          expect(answer.status).toBe(400)
          expect(fake.schemaViolations).toEqual([])
        }),
        { numRuns: 150 },
      )
    })
  }
}

describeVersions('fake Authentik %s', allVersions, (version) => fakeSuite(version, 'main'))
describeVersions('fake Authentik %s, fuzzed user bodies', edgeVersions, (version) =>
  fakeSuite(version, 'fuzz'),
)

describeVersions('fake Authentik %s slow start', allVersions, (version) => {
  it('is live at once, ready and bootstrapped only after slowStartMs', async () => {
    const fake = await startFakeAuthentik({ version, bootstrapToken: TOKEN, slowStartMs: 600 })
    try {
      const health = (probe: string) =>
        fetch(`${fake.url}/-/health/${probe}/`).then((r) => r.status)
      expect(await health('live')).toBe(200)
      expect(await health('ready')).toBe(503)
      expect((await client(fake)('GET', '/admin/version/')).status).toBe(503)
      const started = Date.now()
      while ((await health('ready')) !== 200) {
        expect(Date.now() - started).toBeLessThan(5000)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(Date.now() - started).toBeGreaterThan(300)
      expect((await client(fake)('GET', '/admin/version/')).status).toBe(200)
      expect(fake.schemaViolations).toEqual([])
    } finally {
      await fake.close()
    }
  })

  it('without bootstrap variables has akadmin with an unusable password and no token', async () => {
    const fake = await startFakeAuthentik({ version })
    try {
      const admin = fake.state.userByUsername('akadmin')
      expect(admin?.password).toBeNull()
      expect(fake.state.tokens.has('authentik-bootstrap-token')).toBe(false)
      expect((await client(fake)('GET', '/core/users/me/')).status).toBe(403)
    } finally {
      await fake.close()
    }
  })
})
