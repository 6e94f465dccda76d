import { afterAll, beforeAll, expect, test } from 'vitest'
import { caught } from '../support/caught'
import { startDirectoryHarness, type DirectoryHarness } from '../support/directory-harness'
import { allVersions, describeVersions } from '../support/versions'

/** The Flows panel's store actions, through the contract, against every supported release. */
describeVersions('flows panel against Authentik %s', allVersions, (version) => {
  let h: DirectoryHarness
  const slug = 'default-authentication-flow'

  beforeAll(async () => {
    h = await startDirectoryHarness(version)
  })
  afterAll(async () => {
    expect(await h.close()).toEqual([])
  })

  test('flows by designation, each with a link into Authentik’s admin UI', async () => {
    const all = await h.client.flows.list()
    expect(all.results.length).toBeGreaterThan(5)
    const auth = await h.client.flows.list({ designation: 'authentication' })
    expect(auth.results.length).toBeGreaterThan(0)
    expect(auth.results.every((f) => f.designation === 'authentication')).toBe(true)
    const flow = auth.results.find((f) => f.slug === slug)!
    expect(flow.admin_url).toBe(`${h.fake.url}/if/admin/#/flow/flows/${slug}`)
    expect(all.results.map((f) => f.designation)).toContain('enrollment')
  })

  test("a flow's bindings in order, with each stage's type", async () => {
    const { flow, bindings } = await h.client.flows.bindings({ slug })
    expect(flow.slug).toBe(slug)
    const orders = bindings.map((b) => b.order)
    expect(orders).toEqual([...orders].sort((a, b) => a - b))
    expect(bindings.map((b) => b.stage.name)).toEqual([
      'default-authentication-identification',
      'default-authentication-password',
      'default-authentication-mfa-validation',
      'default-authentication-login',
    ])
    expect(bindings[0]!.stage.verbose_name).toMatch(/identification/i)
    expect(bindings[0]!.stage.component).toMatch(/^ak-stage-/)
  })

  test('bind an existing stage at the end, reorder, unbind', async () => {
    const stages = await h.client.flows.stages({})
    const consent = stages.results.find((s) => /consent/i.test(s.verbose_name))
    const extra =
      consent ?? stages.results.find((s) => s.name === 'default-source-enrollment-prompt')!
    const before = await h.client.flows.bindings({ slug })
    const bound = await h.client.flows.bind({ slug, stage: extra.pk })
    expect(bound.order).toBe(before.bindings.at(-1)!.order + 10)
    expect(bound.stage.pk).toBe(extra.pk)

    const current = (await h.client.flows.bindings({ slug })).bindings
    const wanted = [bound.pk, ...current.filter((b) => b.pk !== bound.pk).map((b) => b.pk)]
    const reordered = await h.client.flows.reorder({ slug, bindings: wanted })
    expect(reordered.bindings.map((b) => b.pk)).toEqual(wanted)
    expect(reordered.bindings.map((b) => b.order)).toEqual(wanted.map((_, i) => (i + 1) * 10))
    expect(reordered.changed).toBeGreaterThan(0)
    // Same order again: nothing to write.
    expect((await h.client.flows.reorder({ slug, bindings: wanted })).changed).toBe(0)

    await h.client.flows.unbind({ binding: bound.pk })
    const after = await h.client.flows.bindings({ slug })
    expect(after.bindings.map((b) => b.pk)).not.toContain(bound.pk)
    expect(after.bindings).toHaveLength(before.bindings.length)
    // The stage itself stays.
    expect((await h.client.flows.stages({})).results.map((s) => s.pk)).toContain(extra.pk)
  })

  test('a reorder naming bindings the flow does not have is refused', async () => {
    const { bindings } = await h.client.flows.bindings({ slug })
    const error = await caught(
      h.client.flows.reorder({ slug, bindings: bindings.slice(1).map((b) => b.pk) }),
    )
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.message).toContain('changed')
  })

  test('an unknown flow is AUTHENTIK_NOT_FOUND', async () => {
    expect((await caught(h.client.flows.bindings({ slug: 'no-such-flow' }))).code).toBe(
      'AUTHENTIK_NOT_FOUND',
    )
  })
})
