import { afterAll, beforeAll, expect, test } from 'vitest'
import { GatehouseError } from '../../src/shared/errors'
import { caught } from '../support/caught'
import { startDirectoryHarness, type DirectoryHarness } from '../support/directory-harness'
import { allVersions, describeVersions } from '../support/versions'
import { planThenApply } from '../support/recipe-harness'
import { SAMPLE_DOMAIN } from '../support/sample-settings'

/** The Users panel's store actions, through the contract, against every supported release. */
describeVersions('users panel against Authentik %s', allVersions, (version) => {
  let h: DirectoryHarness
  let adminsPk: string

  beforeAll(async () => {
    h = await startDirectoryHarness(version)
    const admins = await h.client.groups.list({ search: 'authentik Admins' })
    adminsPk = admins.results.find((g) => g.name === 'authentik Admins')!.pk
  })
  afterAll(async () => {
    expect(await h.close()).toEqual([])
  })

  const userNamed = async (username: string) =>
    (await h.client.users.list({ search: username })).results.find((u) => u.username === username)

  test('create an internal user in a group; the list shows every column', async () => {
    const created = await h.client.users.create({
      username: 'carol',
      name: 'Carol Example',
      email: 'carol@example.test',
      type: 'internal',
      groups: [adminsPk],
    })
    expect(created).toMatchObject({
      username: 'carol',
      name: 'Carol Example',
      email: 'carol@example.test',
      type: 'internal',
      is_active: true,
      is_superuser: true,
      last_login: null,
      groups: [{ pk: adminsPk, name: 'authentik Admins' }],
    })
    expect(await userNamed('carol')).toEqual(created)
    expect(h.fake.state.userByUsername('carol')?.email).toBe('carol@example.test')
  })

  test('external users and service accounts are created with their type', async () => {
    const ext = await h.client.users.create({
      username: 'guest',
      name: 'Guest',
      type: 'external',
    })
    const svc = await h.client.users.create({
      username: 'svc-backup',
      name: 'Backup',
      type: 'service_account',
    })
    expect([ext.type, svc.type]).toEqual(['external', 'service_account'])
    const listed = await h.client.users.list({ type: ['service_account'] })
    expect(listed.results.map((u) => u.username)).toEqual(['svc-backup'])
  })

  test("a taken username comes back as Authentik's field error on `username`", async () => {
    const error = await caught(h.client.users.create({ username: 'carol', name: 'Another' }))
    expect(error).toBeInstanceOf(GatehouseError)
    expect(error.code).toBe('AUTHENTIK_REJECTED')
    expect(Object.keys(error.details?.fields as object)).toEqual(['username'])
  })

  test('a bad e-mail is refused by the contract with the field named', async () => {
    const error = await caught(h.client.users.create({ username: 'x', name: 'X', email: 'nope' }))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.details?.issues).toEqual([expect.objectContaining({ path: 'email' })])
  })

  test('edit, deactivate, activate, set a password', async () => {
    const carol = (await userNamed('carol'))!
    const edited = await h.client.users.update({ pk: carol.pk, name: 'Carol E.', email: '' })
    expect(edited).toMatchObject({ name: 'Carol E.', email: '' })
    expect((await h.client.users.setActive({ pk: carol.pk, is_active: false })).is_active).toBe(
      false,
    )
    expect(h.fake.state.userByUsername('carol')?.isActive).toBe(false)
    expect((await h.client.users.setActive({ pk: carol.pk, is_active: true })).is_active).toBe(true)
    await h.client.users.setPassword({ pk: carol.pk, password: 'correct horse battery' })
    expect(h.fake.state.userByUsername('carol')?.password).toBe('correct horse battery')
  })

  test('add to and remove from a group', async () => {
    const guest = (await userNamed('guest'))!
    const group = await h.client.groups.create({ name: 'family' })
    await h.client.groups.addMember({ pk: group.pk, user: guest.pk })
    expect((await userNamed('guest'))!.groups.map((g) => g.name)).toEqual(['family'])
    const members = await h.client.users.list({ group: group.pk })
    expect(members.results.map((u) => u.username)).toEqual(['guest'])
    await h.client.groups.removeMember({ pk: group.pk, user: guest.pk })
    expect((await userNamed('guest'))!.groups).toEqual([])
  })

  test("Gatehouse's own token user cannot be deactivated, deleted or taken out of the admins", async () => {
    // The bootstrap token belongs to akadmin.
    const akadmin = (await userNamed('akadmin'))!
    // One at a time: three promises started together reject before they are awaited (Node then
    // reports unhandled rejections).
    for (const attempt of [
      () => h.client.users.setActive({ pk: akadmin.pk, is_active: false }),
      () => h.client.users.delete({ pk: akadmin.pk, confirm: 'akadmin' }),
      () => h.client.groups.removeMember({ pk: adminsPk, user: akadmin.pk }),
    ]) {
      const error = await caught(attempt())
      expect(error.code).toBe('USER_PROTECTED')
      expect(error.details?.reason).toBe('own-token-user')
      expect(error.message).toContain('token')
    }
    expect(h.fake.state.userByUsername('akadmin')?.isActive).toBe(true)
  })

  test('the last active superuser cannot be deactivated or deleted', async () => {
    // carol is an admin too: taking her away is fine while akadmin remains.
    const carol = (await userNamed('carol'))!
    await h.client.groups.removeMember({ pk: adminsPk, user: carol.pk })
    expect((await userNamed('carol'))!.is_superuser).toBe(false)
    // A token whose user is not akadmin (e.g. a delegated admin with permissions through roles):
    // akadmin is then the last active superuser and must stay.
    const akadmin = (await userNamed('akadmin'))!
    for (const attempt of ['deactivate', 'delete'] as const) {
      h.fake.state.responseTampering.set('core_users_me_retrieve', (body) => {
        const me = body as { user: { pk: number } }
        return { ...me, user: { ...me.user, pk: carol.pk } }
      })
      const error = await caught(
        attempt === 'deactivate'
          ? h.client.users.setActive({ pk: akadmin.pk, is_active: false })
          : h.client.users.delete({ pk: akadmin.pk, confirm: 'akadmin' }),
      )
      expect(error.code).toBe('USER_PROTECTED')
      expect(error.details?.reason).toBe('last-superuser')
      expect(error.message).toContain('last active superuser')
    }
    expect(h.fake.state.userByUsername('akadmin')?.isActive).toBe(true)
  })

  test('a recovery link needs a recovery flow on the brand, and says so', async () => {
    const guest = (await userNamed('guest'))!
    const error = await caught(h.client.users.recoveryLink({ pk: guest.pk }))
    expect(error.code).toBe('RECOVERY_FLOW_MISSING')
    expect(error.hint).toContain('recovery')
    // R7 sets the default brand's recovery flow (it says so in its plan), and then it works.
    const plan = await h.client.recipes.plan({ id: 'r7' })
    expect(plan.steps.find((s) => s.key === 'brand:default')?.changes).toContainEqual(
      expect.objectContaining({ field: 'flow_recovery' }),
    )
    expect((await planThenApply(h.client, { id: 'r7' })).completed).toBe(true)
    const { link } = await h.client.users.recoveryLink({ pk: guest.pk })
    // Handed to a person: the public address, never the API address Gatehouse calls.
    expect(link).toMatch(
      new RegExp(`^https://auth\\.${SAMPLE_DOMAIN.replace(/\./g, '\\.')}/if/flow/`),
    )
    expect(link).not.toContain(new URL(h.fake.url).host)
  })

  test('delete asks for the exact username, then the user is gone', async () => {
    const guest = (await userNamed('guest'))!
    const wrong = await caught(h.client.users.delete({ pk: guest.pk, confirm: 'Guest' }))
    expect(wrong.code).toBe('CONFIRMATION_MISMATCH')
    expect(h.fake.state.userByUsername('guest')).toBeDefined()
    await h.client.users.delete({ pk: guest.pk, confirm: 'guest' })
    expect(await userNamed('guest')).toBeUndefined()
  })

  test('10 000 users: server pages of 100, search and the last page', async () => {
    const seeded = h.fake.state.seedUsers(10_000)
    const first = await h.client.users.list({ page: 1, page_size: 100 })
    expect(first.count).toBeGreaterThanOrEqual(10_000)
    expect(first.results).toHaveLength(100)
    const lastPage = Math.ceil(first.count / 100)
    const started = performance.now()
    const last = await h.client.users.list({ page: lastPage, page_size: 100 })
    const elapsed = performance.now() - started
    expect(last.next).toBe(0)
    const all = [...h.fake.state.users.values()]
      .filter((u) => u.pk !== 1 && u.username !== 'AnonymousUser')
      .map((u) => u.username)
      .sort()
    expect(last.results.at(-1)?.username).toBe(all.at(-1))
    const wanted = seeded[6789]!.username
    const found = await h.client.users.list({ search: wanted })
    expect(found.results.map((u) => u.username)).toEqual([wanted])
    // A page of the 10 000 comes back as fast as the first: the server pages, not Gatehouse.
    expect(elapsed).toBeLessThan(2000)
  })
})
