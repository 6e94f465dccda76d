import { randomBytes } from 'node:crypto'

/**
 * Letters and digits only: Authentik and the Postgres URL it builds break on the `+`, `/` and `=`
 * that base64 would bring, and these survive .env files, YAML and shell quoting unescaped.
 */
export const secretAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** Authentik asks for a secret key of at least 50 characters; every generated secret meets it. */
export const minSecretLength = 50

// 248 is the largest multiple of 62 below 256: bytes at or above it are thrown away, so each of
// the 62 characters is exactly equally likely (a plain `byte % 62` would favour the first 8).
const acceptBelow = 256 - (256 % secretAlphabet.length)

/** A fresh random secret from the OS CSPRNG: ~5.95 bits per character, 381 bits at the default. */
export function generateSecret(length = 64): string {
  if (!Number.isSafeInteger(length) || length < minSecretLength) {
    throw new RangeError(
      `generateSecret: length must be an integer of at least ${minSecretLength}, got ${length}`,
    )
  }
  let out = ''
  while (out.length < length) {
    // Ask for a little more than needed: about 3 % of bytes are rejected.
    for (const byte of randomBytes(length - out.length + 8)) {
      if (byte >= acceptBelow) continue
      out += secretAlphabet[byte % secretAlphabet.length]
      if (out.length === length) break
    }
  }
  return out
}
