import { z } from 'zod'
import { SettingsSchema } from '../settings'
import { DockerEngineInfo } from './docker'
import { method } from './define'

/** The docker block of the settings (#15), as Settings → Docker host edits it before saving. */
const DockerHostDraft = SettingsSchema.shape.docker

export const HostKeyScan = z.object({
  /** As `ssh-keygen -lf` prints it: "SHA256:…". */
  fingerprint: z.string(),
  keyType: z.string(),
  /** ~/.ssh/known_hosts on this computer already lists this key for that host. */
  inKnownHosts: z.boolean(),
})
export type HostKeyScan = z.infer<typeof HostKeyScan>

export const HostTestResult = z.object({
  kind: z.enum(['local', 'ssh', 'tls']),
  engine: DockerEngineInfo,
  /** Folder whose file system was measured (the data folder or its nearest existing parent). */
  diskPath: z.string().nullable(),
  /** Free bytes for the stack's data there; null where it cannot be measured (TLS: no SFTP). */
  freeDiskBytes: z.number().nullable(),
})
export type HostTestResult = z.infer<typeof HostTestResult>

export const hosts = {
  scanHostKey: method({
    summary: "Read an SSH host's key fingerprint without logging in (to show it for acceptance)",
    input: z.strictObject({ address: z.string().max(300) }),
    output: HostKeyScan,
  }),
  test: method({
    summary:
      'Connect to a Docker host as the draft settings say: engine version, OS, arch, free disk',
    input: z.strictObject({
      docker: DockerHostDraft,
      /** Defaults to the saved settings' data folder. */
      dataFolder: z.string().max(1024).optional(),
    }),
    output: HostTestResult,
  }),
  generateKey: method({
    summary:
      'Make the SSH key pair Gatehouse keeps in the keychain (or return the existing one): the authorized_keys line',
    input: z.strictObject({ replace: z.boolean().default(false) }),
    output: z.object({ authorizedKeysLine: z.string(), created: z.boolean() }),
  }),
  storeSecret: method({
    summary: "Keep the SSH key file's passphrase or the TLS client key (PEM) in the keychain",
    input: z.strictObject({
      name: z.enum(['sshKeyPassphrase', 'tlsClientKey']),
      value: z.string().min(1).max(20_000),
    }),
    output: z.object({ stored: z.literal(true) }),
  }),
}
