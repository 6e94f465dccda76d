import type { AppInfo, HostKind } from '../../shared/contract'
import pkg from '../../../package.json'

export interface AppInfoSource {
  host: HostKind
  dataDir: string
}

export function appInfo(source: AppInfoSource): AppInfo {
  return {
    name: pkg.name,
    version: pkg.version,
    host: source.host,
    platform: process.platform,
    arch: process.arch,
    nodeVersion: process.versions.node,
    electronVersion: process.versions.electron ?? null,
    dataDir: source.dataDir,
  }
}
