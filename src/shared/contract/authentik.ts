import { z } from 'zod'
import { GatehouseErrorData } from '../errors'
import { event, method } from './define'

export const AuthentikStatus = z.object({
  configured: z.boolean(),
  baseUrl: z.string().nullable(),
  /** How Gatehouse reaches that address when not directly, e.g. "SSH tunnel to admin@nas, …". */
  via: z.string().optional(),
  reachable: z.boolean(),
  version: z.string().nullable(),
  /** Which token Gatehouse uses: its own (after R1), the bootstrap one, or none yet. */
  tokenSource: z.enum(['gatehouse', 'bootstrap', 'none']),
  /** Whether Authentik accepted that token just now (null: there is none to try). */
  tokenAccepted: z.boolean().nullable().optional(),
  /** `newer`: a release after the newest Gatehouse knows; reads work, writes are refused. */
  support: z.enum(['supported', 'newer']).optional(),
  error: GatehouseErrorData.optional(),
})
export type AuthentikStatus = z.infer<typeof AuthentikStatus>

export const ReadinessProgress = z.object({
  phase: z.enum(['server', 'version', 'token']),
  attempt: z.number(),
  elapsedMs: z.number(),
  observed: z.string(),
  done: z.boolean(),
})

export const CertificateInfo = z.object({
  fingerprint: z.string(),
  subject: z.string().optional(),
  issuer: z.string().optional(),
  validTo: z.string(),
  trustedBySystem: z.boolean(),
})

export const authentik = {
  status: method({
    summary: 'Where Authentik answers, its version, and which token Gatehouse uses',
    input: z.strictObject({}),
    output: AuthentikStatus,
  }),
  inspectCertificate: method({
    summary: 'The TLS certificate Authentik presents (fingerprint to compare before trusting it)',
    input: z.strictObject({}),
    output: CertificateInfo,
  }),
  trustCertificate: method({
    summary: 'Trust exactly the certificate with this SHA-256 fingerprint (stored in the settings)',
    input: z.strictObject({ sha256: z.string().regex(/^([0-9A-Fa-f]{2}:?){32}$/) }),
    output: z.object({ trusted: z.literal(true) }),
  }),
  connectExisting: method({
    summary:
      'Connect to an Authentik that already runs: its address and an API token the admin pasted (checked, then kept in the keychain)',
    input: z.strictObject({
      url: z
        .url({ protocol: /^https?$/, error: 'Enter an http:// or https:// address.' })
        .max(1024),
      token: z
        .string()
        .trim()
        .min(16, { error: 'Paste the whole token: Authentik’s keys are long.' })
        .max(4096)
        .regex(/^\S+$/, { error: 'A token has no spaces: paste it again.' }),
      /** The certificate the admin compared and accepted (self-signed https). */
      trustFingerprint: z
        .string()
        .regex(/^([0-9A-Fa-f]{2}:?){32}$/)
        .optional(),
    }),
    output: z.object({
      baseUrl: z.string(),
      version: z.string(),
      username: z.string(),
    }),
  }),
  waitReady: method({
    summary: 'Wait until Authentik is ready and accepts Gatehouse’s token (progress streamed)',
    input: z.strictObject({ timeoutMs: z.int().min(1000).max(900_000).default(180_000) }),
    output: z.object({ baseUrl: z.string(), version: z.string() }),
  }),
}

export const authentikEvents = {
  'authentik.progress': event({
    summary: 'Readiness phases while waiting for Authentik (server → version → token)',
    payload: ReadinessProgress,
  }),
}
