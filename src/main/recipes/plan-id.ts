import { createHash } from 'node:crypto'

/**
 * A saved plan's id (Terraform's saved plan, in one hash): sha256 over what the plan was made
 * from — the recipe or integration, its parsed parameters, the server and version, and every
 * step as read from the server. Apply plans again and compares: a different id means the admin
 * would be applying something other than what they saw.
 */
export function planIdOf(parts: unknown): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex')
}

/** JSON with object keys sorted at every level, so equal content always hashes equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort())
      out[key] = sortKeys((value as Record<string, unknown>)[key])
    return out
  }
  return value
}
