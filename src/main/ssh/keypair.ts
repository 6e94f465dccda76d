import { createRequire } from 'node:module'
import { hostname } from 'node:os'

const load = createRequire(import.meta.url)

export interface GeneratedKeyPair {
  /** OpenSSH private key: goes to the keychain, never to settings or logs. */
  privateKey: string
  /** The one line the admin appends to ~/.ssh/authorized_keys on the NAS. */
  authorizedKeysLine: string
}

/** An Ed25519 key pair made by Gatehouse for one NAS (no passphrase: the keychain protects it). */
export function generateKeyPair(comment = `gatehouse@${hostname()}`): GeneratedKeyPair {
  const { utils } = load('ssh2') as {
    utils: {
      generateKeyPairSync(
        type: 'ed25519',
        opts: { comment: string },
      ): { private: string; public: string }
    }
  }
  const pair = utils.generateKeyPairSync('ed25519', { comment })
  return { privateKey: pair.private, authorizedKeysLine: pair.public.trim() }
}

/** The authorized_keys line of a stored private key (OpenSSH format). */
export function authorizedKeysLineOf(
  privateKey: string,
  comment = `gatehouse@${hostname()}`,
): string {
  const { utils } = load('ssh2') as {
    utils: {
      parseKey(data: string): { type: string; getPublicSSH(): Buffer } | Error | Array<unknown>
    }
  }
  const key = utils.parseKey(privateKey)
  if (key instanceof Error || Array.isArray(key))
    throw new Error('the stored SSH key cannot be read')
  return `${key.type} ${key.getPublicSSH().toString('base64')} ${comment}`
}
