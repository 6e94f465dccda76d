import { z } from 'zod'
import { GatehouseErrorData } from '../errors'
import { method } from './define'

export const secretNames = [
  'postgresPassword',
  'authentikSecretKey',
  'bootstrapPassword',
  'bootstrapToken',
  'smtpPassword',
  /** Gatehouse's own Authentik API token (R1), owned by the admin's user, never by akadmin. */
  'gatehouseApiToken',
] as const
export const SecretName = z.enum(secretNames)
export type SecretName = z.infer<typeof SecretName>

/** Presence only: the renderer never learns a value from the status. */
/** Where the secrets live: the OS keychain, or the passphrase-encrypted vault file (#21). */
export const secretStoreKinds = ['keychain', 'vault', 'memory'] as const
export const SecretStoreKind = z.enum(secretStoreKinds)
export type SecretStoreKind = z.infer<typeof SecretStoreKind>

export const SecretsStatus = z.object({
  available: z.boolean(),
  backend: z.string(),
  /** Added for the vault; optional so an older host's answer still parses. */
  store: SecretStoreKind.optional(),
  secrets: z.record(SecretName, z.boolean()),
  error: GatehouseErrorData.optional(),
})
export type SecretsStatus = z.infer<typeof SecretsStatus>

export const secrets = {
  status: method({
    summary:
      'Which secret store is in use (OS keychain or vault), whether it answers and which Gatehouse secrets it holds (no values)',
    input: z.strictObject({}),
    output: SecretsStatus,
  }),
  reveal: method({
    summary: 'Reveal ONE secret, on the admin’s explicit request (reveal/copy button)',
    input: z.strictObject({ name: SecretName }),
    output: z.object({ name: SecretName, value: z.string() }),
  }),
  setSmtpPassword: method({
    summary: 'Store the SMTP password in the keychain (it is never written to the settings file)',
    input: z.strictObject({
      password: z
        .string()
        .min(1, 'Enter the SMTP password.')
        .max(1024)
        // No mail server takes them, and .env export could not carry a line break.
        .regex(
          /^[^\p{Cc}]*$/u,
          'An SMTP password cannot contain line breaks or control characters.',
        ),
    }),
    output: z.object({ stored: z.literal(true) }),
  }),
}
