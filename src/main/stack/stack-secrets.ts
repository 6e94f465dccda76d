import type { SecretName } from '../../shared/contract'
import { unreadSecret } from '../docker/model'
import type { StackSecrets } from './catalogue'

/** The part of the keychain store the stack needs. */
export interface StackSecretSource {
  ensure(name: SecretName): Promise<string>
  get(name: SecretName): Promise<string | null>
}

/**
 * How an operation uses the secrets:
 * - `generate` (Start, Restart, export): every missing secret is generated into the keychain
 *   first, so whatever is written — a container's environment, `.env` — holds the real value;
 * - `look` (status): read what exists; a missing secret becomes a stand-in (`unreadSecret`) that
 *   can be compared with a container but never written;
 * - `none` (Stop, Remove, logs, the e-mail test): only names matter, the keychain is not read.
 */
export type SecretUse = 'generate' | 'look' | 'none'

const GENERATED = [
  'postgresPassword',
  'authentikSecretKey',
  'bootstrapPassword',
  'bootstrapToken',
] as const satisfies readonly SecretName[]

/** The stack's secrets for one operation, each read from the keychain at most once. */
export async function readStackSecrets(
  source: StackSecretSource,
  use: SecretUse,
): Promise<StackSecrets> {
  const values = new Map<SecretName, string>()
  // One after the other: a locked keychain asks to be unlocked once, not once per secret.
  for (const name of GENERATED)
    values.set(
      name,
      use === 'generate'
        ? await source.ensure(name)
        : use === 'look'
          ? ((await source.get(name)) ?? unreadSecret(name))
          : unreadSecret(name),
    )
  const smtpPassword =
    use === 'none' ? unreadSecret('smtpPassword') : await source.get('smtpPassword')
  const value = (name: (typeof GENERATED)[number]) => values.get(name) ?? unreadSecret(name)
  return {
    postgresPassword: value('postgresPassword'),
    authentikSecretKey: value('authentikSecretKey'),
    bootstrapPassword: value('bootstrapPassword'),
    bootstrapToken: value('bootstrapToken'),
    ...(smtpPassword ? { smtpPassword } : {}),
  }
}
