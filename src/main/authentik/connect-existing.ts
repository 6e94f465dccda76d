import { GatehouseError } from '../../shared/errors'
import type { Settings } from '../../shared/settings'
import type { SecretStore } from '../secrets/store'
import type { SettingsStore } from '../settings/store'
import { connectAuthentik } from './client'
import type { TlsTrust } from './transport'
import { normalizeBaseUrl } from './url'

/**
 * Connecting to an Authentik that Gatehouse did not start (#15): the admin set it up by hand,
 * or on another machine. They paste its address and an API token; Gatehouse checks both before it
 * keeps anything — the server answers with a supported version, the token is accepted, and it
 * belongs to a superuser (recipes and panels need admin rights). Only then is the token stored in
 * the keychain under the name Gatehouse's own token uses (`gatehouseApiToken`, so every client and
 * R1 read it without a second path) and the address saved as `authentikUrl`.
 *
 * The stack settings (domain, e-mail, data folder) must exist first: invitation links, recipes and
 * the outpost use the domain. The stack itself does not have to be started by Gatehouse.
 */

export const WHERE_TO_CREATE_A_TOKEN =
  'In Authentik’s admin interface: Directory → Tokens and App passwords → Create, intent "API", ' +
  'user: a superuser (e.g. your admin account), no expiry or a long one; then "Copy Key" in its row.'

export interface ConnectExistingInput {
  url: string
  token: string
  trustFingerprint?: string
}

export async function connectExistingAuthentik(
  deps: { settings: Pick<SettingsStore, 'load' | 'save'>; secrets: Pick<SecretStore, 'set'> },
  input: ConnectExistingInput,
): Promise<{ baseUrl: string; version: string; username: string; settings: Settings }> {
  const settings = await deps.settings.load()
  if (!settings)
    throw new GatehouseError({
      code: 'STACK_NOT_CONFIGURED',
      message: 'Save the Settings form first (domain, admin e-mail, mail server, data folder).',
      hint: 'Invitation links and recipes use the domain. Gatehouse does not have to start the stack: fill in the form, save, then connect.',
    })
  const baseUrl = normalizeBaseUrl(input.url)
  // A fingerprint the admin just accepted wins; the saved trust holds only for the same address.
  const tls: TlsTrust | undefined = input.trustFingerprint
    ? { mode: 'fingerprint', sha256: input.trustFingerprint }
    : settings.authentikUrl === baseUrl
      ? settings.authentikTls
      : undefined
  const token = input.token
  let me: { username: string; is_superuser: boolean; is_active: boolean }
  let version: string
  try {
    const client = await connectAuthentik({
      baseUrl,
      token: () => token,
      ...(tls ? { tls } : {}),
      timeoutMs: 10_000,
      retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    })
    version = client.version.raw
    me = await client.me()
  } catch (error) {
    if (error instanceof GatehouseError && error.code === 'AUTHENTIK_AUTH_FAILED')
      throw new GatehouseError({
        code: 'AUTHENTIK_AUTH_FAILED',
        message: `Authentik at ${baseUrl} refused this token (expired, deleted, or not an API token).`,
        hint: `Paste a token here that Authentik accepts. ${WHERE_TO_CREATE_A_TOKEN}`,
        details: { baseUrl },
      })
    throw error
  }
  if (!me.is_superuser || !me.is_active)
    throw new GatehouseError({
      code: 'AUTHENTIK_NOT_SUPERUSER',
      message: `The token belongs to ${me.username}, who is not an active superuser: recipes and panels need admin rights.`,
      hint: `Create the token for a superuser instead. ${WHERE_TO_CREATE_A_TOKEN}`,
      details: { baseUrl, username: me.username },
    })
  await deps.secrets.set('gatehouseApiToken', token)
  // The old address's trust does not carry over to a new address.
  const { authentikTls: _previousTrust, ...rest } = settings
  const saved: Settings = { ...rest, authentikUrl: baseUrl, ...(tls ? { authentikTls: tls } : {}) }
  await deps.settings.save(saved)
  return { baseUrl, version, username: me.username, settings: saved }
}
