import { z } from 'zod'
import { method } from './define'

export const HostKind = z.enum(['electron', 'browser', 'cli'])
export type HostKind = z.infer<typeof HostKind>

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  host: HostKind,
  platform: z.string(),
  arch: z.string(),
  nodeVersion: z.string(),
  /** null outside Electron (browser host, CLI). */
  electronVersion: z.string().nullable(),
  dataDir: z.string(),
})
export type AppInfo = z.infer<typeof AppInfo>

export const app = {
  info: method({
    summary: 'Gatehouse version, platform, Node/Electron versions and data folder',
    input: z.strictObject({}),
    output: AppInfo,
  }),
}
