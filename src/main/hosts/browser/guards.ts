import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** 256 random bits, URL-safe: printed once at start, never stored. */
export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

/** Constant-time comparison; hashing first makes the lengths equal so length leaks nothing either. */
export function tokenMatches(expected: string, given: string | undefined | null): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 1024) return false
  const a = createHash('sha256').update(expected).digest()
  const b = createHash('sha256').update(given).digest()
  return timingSafeEqual(a, b)
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]'])

/**
 * DNS rebinding defence: a page on evil.example that re-resolves to 127.0.0.1 still sends
 * `Host: evil.example`. Only loopback names are accepted; the port is free because an SSH tunnel
 * (`ssh -L 8080:127.0.0.1:PORT nas`) legitimately changes it.
 */
export function hostAllowed(host: string | undefined): boolean {
  if (!host) return false
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(host.trim())
  if (!match) return false
  return LOOPBACK_NAMES.has(match[1]!.toLowerCase())
}

/**
 * Cross-site requests carry the attacker's Origin. A request with an Origin must come from the very
 * origin the browser used to reach us; requests without one (curl, the CLI) rely on the token.
 */
export function originAllowed(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true
  if (!host || !hostAllowed(host)) return false
  return origin.toLowerCase() === `http://${host.toLowerCase()}`
}

export function cookieName(port: number): string {
  // Cookies ignore ports; naming ours after the port keeps two Gatehouse hosts apart.
  return `gatehouse_${port}`
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

export function bearer(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null
  return match?.[1]
}
