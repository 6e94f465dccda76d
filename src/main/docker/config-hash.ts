import { createHash } from 'node:crypto'
import type { ServiceSpec } from './model'

/**
 * A stable fingerprint of one service: sha256 (hex) over the canonical JSON of its ServiceSpec.
 * The lifecycle stores it in the container's `com.docker.compose.config-hash` label and recreates
 * exactly the services whose hash changed.
 *
 * - Everything in the spec counts, environment values included, so a rotated password or a new
 *   SMTP host recreates the containers that read it. The hash is one-way and the label therefore
 *   reveals no secret, but it does change with one: that is the point.
 * - Object keys are sorted at every depth, so building the same spec in another key order (or a
 *   different environment insertion order) gives the same hash.
 * - Array order is kept: it is meaningful for commands, healthcheck tests and mount order.
 * - An `undefined` property and an absent one are the same spec (JSON has no undefined).
 */
export function configHash(service: ServiceSpec): string {
  return createHash('sha256').update(canonicalJson(service)).digest('hex')
}

/** JSON with object keys sorted recursively; what configHash hashes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value))
}

function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize)
  if (value !== null && typeof value === 'object') {
    // No prototype: an own key named "__proto__" must stay data, not become a prototype.
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key]
      if (v !== undefined) out[key] = canonicalize(v)
    }
    return out
  }
  return value
}
