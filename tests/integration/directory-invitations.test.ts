import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createKeychainStore } from '../../src/main/secrets/store'
import { invitationLink } from '../../src/main/directory/links'
import { SettingsSchema } from '../../src/shared/settings'
import { hasFeature } from '../../src/shared/authentik-releases'
import { caught } from '../support/caught'
import {
  BOOTSTRAP_TOKEN,
  startDirectoryHarness,
  type DirectoryHarness,
} from '../support/directory-harness'
import { allVersions, describeVersions } from '../support/versions'

const bin = join(import.meta.dirname, '..', '..', 'bin', 'gatehouse.mjs')
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString()

/** The invitation generator's store actions, through the contract, against every supported release. */
describeVersions('invitations against Authentik %s', allVersions, (version) => {
  let h: DirectoryHarness
  const hasEmail = hasFeature(version, 'invitationEmail')

  /** An enrollment flow with an invitation stage bound first, the way R8 builds it. */
  async function invitationFlow(slug: string, continueWithout: boolean) {
    const stage = await h.api<{ pk: string }>('POST', '/stages/invitation/stages/', {
      name: `${slug}-stage`,
      continue_flow_without_invitation: continueWithout,
    })
    const flow = await h.api<{ pk: string }>('POST', '/flows/instances/', {
      name: slug,
      title: slug,
      slug,
      designation: 'enrollment',
    })
    await h.api('POST', '/flows/bindings/', { target: flow.pk, stage: stage.pk, order: 10 })
  }

  beforeAll(async () => {
    h = await startDirectoryHarness(version)
    await invitationFlow('enrollment-invitation', false)
    await invitationFlow('open-enrollment', true)
  })
  afterAll(async () => {
    expect(await h.close()).toEqual([])
  })

  test('the generator offers enrollment flows and tells which have an invitation stage', async () => {
    const options = await h.client.invitations.options()
    expect(options.version).toBe(version)
    expect(options.send_email).toBe(hasEmail)
    const bySlug = Object.fromEntries(options.flows.map((f) => [f.slug, f]))
    expect(bySlug['enrollment-invitation']?.invitation_stage).toMatchObject({
      name: 'enrollment-invitation-stage',
      continue_flow_without_invitation: false,
    })
    expect(bySlug['open-enrollment']?.invitation_stage?.continue_flow_without_invitation).toBe(true)
    // The default source enrollment flow has no invitation stage.
    expect(bySlug['default-source-enrollment']?.invitation_stage).toBeNull()
  })

  test('create: the link is https://<auth host>/if/flow/<slug>/?itoken=<uuid>', async () => {
    const created = await h.client.invitations.create({
      flow: 'enrollment-invitation',
      name: 'for-grandma',
      expires: inDays(7),
      single_use: true,
      fixed_data: { email: 'grandma@example.test' },
    })
    expect(created.pk).toMatch(/^[0-9a-f-]{36}$/)
    // The public address, not the one Gatehouse's API calls take (the harness's authentikUrl).
    expect(created.link).toBe(
      `https://auth.example.test/if/flow/enrollment-invitation/?itoken=${created.pk}`,
    )
    expect(created).toMatchObject({
      name: 'for-grandma',
      single_use: true,
      fixed_data: { email: 'grandma@example.test' },
      flow_slug: 'enrollment-invitation',
    })
    expect(created.warning).toBeUndefined()
    const listed = await h.client.invitations.list({})
    expect(listed.results.find((i) => i.pk === created.pk)).toMatchObject({
      link: created.link,
      expires: expect.any(String),
    })
  })

  test('an authentikUrl override (a LAN address for the API) does not leak into the link', () => {
    const settings = SettingsSchema.parse({
      baseDomain: 'home.example',
      adminEmail: 'a@home.example',
      smtp: { host: 'mail', port: 25, from: 'a@home.example', tls: 'none' },
      dataFolder: '/srv/authentik',
      timezone: 'UTC',
      authentikUrl: 'http://nas.lan:9000',
    })
    expect(invitationLink(settings, 'enrollment-invitation', 'abc')).toBe(
      'https://auth.home.example/if/flow/enrollment-invitation/?itoken=abc',
    )
  })

  test('a flow without an invitation stage is refused before anything is created', async () => {
    const before = (await h.client.invitations.list({})).count
    const error = await caught(
      h.client.invitations.create({
        flow: 'default-source-enrollment',
        name: 'nope',
        expires: inDays(1),
      }),
    )
    expect(error.code).toBe('FLOW_HAS_NO_INVITATION_STAGE')
    expect(error.message).toContain('default-source-enrollment')
    expect((await h.client.invitations.list({})).count).toBe(before)
  })

  test('"continue flow without invitation" on: created, with a warning', async () => {
    const created = await h.client.invitations.create({
      flow: 'open-enrollment',
      name: 'pointless',
      expires: null,
    })
    expect(created.warning).toMatch(/continue flow without invitation/)
    expect(created.expires).toBeNull()
  })

  test('bad names, past expiry: the field is named', async () => {
    const badName = await caught(
      h.client.invitations.create({
        flow: 'enrollment-invitation',
        name: 'has space',
        expires: null,
      }),
    )
    expect(badName.code).toBe('VALIDATION_FAILED')
    expect(badName.details?.issues).toEqual([expect.objectContaining({ path: 'name' })])
    const past = await caught(
      h.client.invitations.create({
        flow: 'enrollment-invitation',
        name: 'late',
        expires: inDays(-1),
      }),
    )
    expect(past.code).toBe('VALIDATION_FAILED')
    expect(past.details?.issues).toEqual([expect.objectContaining({ path: 'expires' })])
  })

  test('bulk: 120 invitations at once, each with its own link', async () => {
    const { created } = await h.client.invitations.createBulk({
      flow: 'enrollment-invitation',
      prefix: 'party',
      count: 120,
      expires: inDays(30),
      single_use: true,
    })
    expect(created).toHaveLength(120)
    expect(created[0]!.name).toBe('party-001')
    expect(created.at(-1)!.name).toBe('party-120')
    expect(new Set(created.map((i) => i.link)).size).toBe(120)
    const listed = await h.client.invitations.list({
      flow: 'enrollment-invitation',
      search: 'party',
    })
    expect(listed.count).toBe(120)
    const tooMany = await caught(
      h.client.invitations.createBulk({
        flow: 'enrollment-invitation',
        prefix: 'x',
        count: 501,
        expires: null,
      }),
    )
    expect(tooMany.code).toBe('VALIDATION_FAILED')
  })

  test(
    hasEmail ? 'send by e-mail (2026.5+)' : 'send by e-mail is explained as missing before 2026.5',
    async () => {
      const invitation = (await h.client.invitations.list({ search: 'for-grandma' })).results[0]!
      const attempt = h.client.invitations.sendEmail({
        pk: invitation.pk,
        email_addresses: ['grandma@example.test'],
      })
      if (hasEmail) expect(await attempt).toEqual({ sent: 1 })
      else {
        const error = await caught(attempt)
        expect(error.code).toBe('AUTHENTIK_FEATURE_MISSING')
        expect(error.message).toContain('2026.5')
      }
    },
  )

  test('revoke: the invitation is gone from Authentik', async () => {
    const invitation = (await h.client.invitations.list({ search: 'pointless' })).results[0]!
    await h.client.invitations.delete({ pk: invitation.pk })
    const after = await h.client.invitations.list({ search: 'pointless' })
    expect(after.results).toEqual([])
  })

  test('`gatehouse invitations create` prints the link', async () => {
    // The CLI reads the token from the OS keychain: a service of this test's own.
    const service = `gatehouse-test-${randomUUID().slice(0, 8)}`
    const keychain = createKeychainStore({ service })
    await keychain.set('bootstrapToken', BOOTSTRAP_TOKEN)
    try {
      const input = { flow: 'enrollment-invitation', name: 'from-cli', expires: inDays(1) }
      // Asynchronously: the fake answers from this very process, so it must not be blocked.
      const run = await promisify(execFile)(
        process.execPath,
        [bin, 'invitations', 'create', '--json', JSON.stringify(input)],
        {
          env: {
            ...process.env,
            GATEHOUSE_DATA_DIR: h.dataDir,
            GATEHOUSE_KEYCHAIN_SERVICE: service,
          },
          timeout: 30_000,
        },
      )
      expect(run.stderr).toBe('')
      const printed = JSON.parse(run.stdout) as { pk: string; link: string }
      expect(printed.link).toBe(
        `https://auth.example.test/if/flow/enrollment-invitation/?itoken=${printed.pk}`,
      )
    } finally {
      await keychain.delete('bootstrapToken')
    }
  })
})
