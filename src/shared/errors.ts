import { oneFullStop } from './echo'
import { z } from 'zod'

/**
 * Every failure that crosses the contract is data, never a string to parse: a stable `code` a
 * program can switch on, a sentence for the admin, and a hint that says what to do next.
 * Custom Error fields do not survive Electron's structured clone, so errors travel as this shape
 * and are rebuilt as `GatehouseError` on the other side.
 */
export const errorCodes = [
  'VALIDATION_FAILED',
  'UNKNOWN_METHOD',
  'UNKNOWN_TOPIC',
  'INTERNAL',
  'TRANSPORT_FAILED',
  'UNAUTHORIZED',
  'DOCKER_UNREACHABLE',
  'DOCKER_FAILED',
  'DOCKER_TIMEOUT',
  'DOCKER_PULL_FAILED',
  'PORT_IN_USE',
  'STACK_INVALID',
  'STACK_UNHEALTHY',
  'SETTINGS_INVALID',
  'SETTINGS_IO_FAILED',
  'EXPORT_FAILED',
  'STACK_NOT_CONFIGURED',
  'STACK_BUSY',
  'DATA_FOLDER_NOT_WRITABLE',
  'CONFIRMATION_MISMATCH',
  'SERVICE_NOT_RUNNING',
  'KEYCHAIN_UNAVAILABLE',
  'KEYCHAIN_TIMEOUT',
  // The encrypted secret vault for machines without a keychain (src/main/secrets/vault-*.ts).
  'VAULT_LOCKED',
  'VAULT_WRONG_PASSPHRASE',
  'VAULT_DAMAGED',
  'VAULT_MISSING',
  'VAULT_IO_FAILED',
  'AUTHENTIK_UNREACHABLE',
  'AUTHENTIK_AUTH_FAILED',
  'AUTHENTIK_REJECTED',
  'AUTHENTIK_NOT_FOUND',
  'AUTHENTIK_FAILED',
  'AUTHENTIK_TIMEOUT',
  'AUTHENTIK_VERSION_UNSUPPORTED',
  /** A release newer than Gatehouse knows: reads work, recipes and other writes are refused. */
  'AUTHENTIK_VERSION_NEWER',
  /** Authentik answered, but not in the shape its release's schema promises (not the network). */
  'AUTHENTIK_UNEXPECTED_RESPONSE',
  'AUTHENTIK_NOT_READY',
  'AUTHENTIK_TLS_UNTRUSTED',
  'RECONCILE_AMBIGUOUS',
  'RECONCILE_MISSING_DEFAULT',
  'RECIPE_UNSAFE',
  'HANDOVER_REFUSED',
  'USER_PROTECTED',
  'FLOW_HAS_NO_INVITATION_STAGE',
  'RECOVERY_FLOW_MISSING',
  'AUTHENTIK_FEATURE_MISSING',
  'TRAEFIK_CONFIG_INVALID',
  'TRAEFIK_CONFIG_CHANGED',
  'TRAEFIK_CONFIG_IO_FAILED',
  // #14 saved plans (add plan codes here)
  'PLAN_STALE',
  'PLAN_NOT_ACKNOWLEDGED',
  // #15 the NAS over SSH / TLS, its files, adopting what runs (add remote codes here)
  'HOST_FILE_NOT_FOUND',
  'HOST_FILE_PERMISSION',
  'HOST_FILE_FAILED',
  // The SSH connection to the Docker host (src/main/ssh): each names its own cause.
  'SSH_UNREACHABLE',
  'SSH_AUTH_REFUSED',
  'SSH_HOST_KEY_UNKNOWN',
  'SSH_HOST_KEY_CHANGED',
  'SSH_SOCKET_PERMISSION',
  'SSH_FAILED',
  // Plain tcp:// to a remote engine (no TLS) without the explicit override.
  'DOCKER_INSECURE_TCP',
  // TCP with TLS: the engine's certificate is not from the chosen CA / it refused our client cert.
  'DOCKER_TLS_UNTRUSTED',
  'DOCKER_TLS_CLIENT_REFUSED',
  // Connecting to an Authentik Gatehouse did not start: no token yet / a token without admin rights.
  'AUTHENTIK_TOKEN_MISSING',
  'AUTHENTIK_NOT_SUPERUSER',
  // #17 backup, restore, upgrade (add backup/upgrade codes here)
  /** The target release is older than the one that runs (Authentik never downgrades). */
  'UPGRADE_DOWNGRADE_REFUSED',
  /** A pre-flight check (backup, images, disk) failed: nothing was stopped. */
  'UPGRADE_PREFLIGHT_FAILED',
  /** One step of an upgrade failed; `details.step` names it, the stack stays on the step before. */
  'UPGRADE_STEP_FAILED',
  // #18/#19 UI and Authentik features (add their codes here)
] as const

export const ErrorCode = z.enum(errorCodes)
export type ErrorCode = z.infer<typeof ErrorCode>

export const GatehouseErrorData = z.object({
  code: ErrorCode,
  message: z.string(),
  hint: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
})
export type GatehouseErrorData = z.infer<typeof GatehouseErrorData>

export class GatehouseError extends Error {
  readonly code: ErrorCode
  readonly hint: string
  readonly details: Record<string, unknown> | undefined

  constructor(data: GatehouseErrorData) {
    super(oneFullStop(data.message))
    this.name = 'GatehouseError'
    this.code = data.code
    this.hint = oneFullStop(data.hint)
    this.details = data.details
  }

  toData(): GatehouseErrorData {
    const data: GatehouseErrorData = { code: this.code, message: this.message, hint: this.hint }
    if (this.details !== undefined) data.details = this.details
    return data
  }
}

export function isGatehouseError(value: unknown): value is GatehouseError {
  return value instanceof GatehouseError
}

/** What a caller receives for every invocation, on every host. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: GatehouseErrorData }
