import { afterAll, beforeAll, expect, test } from 'vitest'
import { hasFeature } from '../../src/shared/authentik-releases'
import { caught } from '../support/caught'
import { startDirectoryHarness, type DirectoryHarness } from '../support/directory-harness'
import { attributesToYaml, parseAttributesYaml } from '../../src/shared/attributes-yaml'
import { allVersions, describeVersions } from '../support/versions'

/** The Groups panel's store actions, through the contract, against every supported release. */
describeVersions('groups panel against Authentik %s', allVersions, (version) => {
  let h: DirectoryHarness
  const several = hasFeature(version, 'groupParents')

  beforeAll(async () => {
    h = await startDirectoryHarness(version)
  })
  afterAll(async () => {
    expect(await h.close()).toEqual([])
  })

  test('list and search; the seeded admins group is a superuser group', async () => {
    const all = await h.client.groups.list()
    expect(all.hierarchy).toBe(several ? 'parents' : 'parent')
    const admins = all.results.find((g) => g.name === 'authentik Admins')
    expect(admins).toMatchObject({ is_superuser: true, parents: [], member_count: 1 })
    const found = await h.client.groups.list({ search: 'Admins' })
    expect(found.results.map((g) => g.name)).toContain('authentik Admins')
  })

  test('create with a parent and YAML attributes; edit them', async () => {
    const family = await h.client.groups.create({ name: 'family' })
    const yaml = 'quota:\n  photos: 200\nlocale: de_DE\n'
    const attributes = parseAttributesYaml(yaml)
    expect(attributes.ok).toBe(true)
    const kids = await h.client.groups.create({
      name: 'kids',
      parents: [family.pk],
      attributes: attributes.ok ? attributes.value : {},
    })
    expect(kids).toMatchObject({
      name: 'kids',
      is_superuser: false,
      parents: [{ pk: family.pk, name: 'family' }],
      attributes: { quota: { photos: 200 }, locale: 'de_DE' },
    })
    const edited = await h.client.groups.update({
      pk: kids.pk,
      name: 'children',
      attributes: { locale: 'en_GB' },
    })
    expect(edited).toMatchObject({ name: 'children', attributes: { locale: 'en_GB' } })
    expect(edited.parents.map((p) => p.name)).toEqual(['family'])
    const admin = await h.client.groups.update({ pk: family.pk, is_superuser: true })
    expect(admin.is_superuser).toBe(true)
    await h.client.groups.update({ pk: family.pk, is_superuser: false })
  })

  test(
    several
      ? 'several parents are kept (2025.12+)'
      : 'several parents are refused before 2025.12 with the field named',
    async () => {
      const a = await h.client.groups.create({ name: 'parent-a' })
      const b = await h.client.groups.create({ name: 'parent-b' })
      const attempt = h.client.groups.create({ name: 'child-ab', parents: [a.pk, b.pk] })
      if (several) {
        const child = await attempt
        expect(child.parents.map((p) => p.name).sort()).toEqual(['parent-a', 'parent-b'])
      } else {
        const error = await caught(attempt)
        expect(error.code).toBe('VALIDATION_FAILED')
        expect(error.details?.issues).toEqual([expect.objectContaining({ path: 'parents' })])
      }
    },
  )

  test('members: add, see them in the group, remove', async () => {
    const user = await h.client.users.create({ username: 'dave', name: 'Dave' })
    const group = (await h.client.groups.list({ search: 'family' })).results.find(
      (g) => g.name === 'family',
    )!
    await h.client.groups.addMember({ pk: group.pk, user: user.pk })
    const detail = await h.client.groups.get({ pk: group.pk })
    expect(detail.members).toEqual([
      { pk: user.pk, username: 'dave', name: 'Dave', is_active: true },
    ])
    expect(detail.member_count).toBe(1)
    await h.client.groups.removeMember({ pk: group.pk, user: user.pk })
    expect((await h.client.groups.get({ pk: group.pk })).members).toEqual([])
  })

  test(
    several
      ? "a duplicate name is Authentik's field error on `name`"
      : 'duplicate names are allowed on 2025.6',
    async () => {
      const attempt = h.client.groups.create({ name: 'family' })
      if (several) {
        const error = await caught(attempt)
        expect(error.code).toBe('AUTHENTIK_REJECTED')
        expect(Object.keys(error.details?.fields as object)).toEqual(['name'])
      } else {
        expect((await attempt).name).toBe('family')
      }
    },
  )

  test('attribute YAML: a mapping is accepted, a syntax error names line and column', () => {
    const broken = parseAttributesYaml('a: 1\nb: [1, 2\nc: 3\n')
    expect(broken.ok).toBe(false)
    if (!broken.ok) {
      expect(broken.line).toBeGreaterThanOrEqual(2)
      expect(broken.column).toBeGreaterThanOrEqual(1)
      expect(broken.message).toMatch(/^Line \d+, column \d+: /)
    }
    for (const notMapping of ['- a\n- b\n', '42\n', 'just text\n']) {
      const result = parseAttributesYaml(notMapping)
      expect(result.ok).toBe(false)
      if (!result.ok) expect(result.message).toContain('mapping')
    }
    expect(parseAttributesYaml('')).toEqual({ ok: true, value: {} })
    // The YAML the form shows for existing attributes parses back to the same object.
    const value = { quota: { photos: 200 }, tags: ['a', 'b'], on: true }
    const text = attributesToYaml(value)
    expect(parseAttributesYaml(text)).toEqual({ ok: true, value })
  })
})
