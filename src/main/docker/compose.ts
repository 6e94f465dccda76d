import { join } from 'node:path'
import type { StackSpec } from './model'

/**
 * Names and labels exactly as docker-compose 1.29 writes them, so that `docker-compose -p <project>`
 * run in the exported folder recognises the containers, the project network and the volumes
 * Gatehouse created (and the other way round).
 */

export const COMPOSE_VERSION = '1.29.2'

export const label = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  containerNumber: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  configHash: 'com.docker.compose.config-hash',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  version: 'com.docker.compose.version',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
  /** Ours: only networks carrying it may ever be removed by Gatehouse. */
  gatehouseCreated: 'io.gatehouse.created',
} as const

/** The compose file the export writes; compose records the absolute path in a label. */
export const COMPOSE_FILE = 'docker-compose.yml'

/** Compose's name for the implicit network every service joins unless told otherwise. */
export const DEFAULT_NETWORK = 'default'

export function containerName(project: string, service: string): string {
  return `${project}_${service}_1`
}

export function volumeName(project: string, volume: string): string {
  return `${project}_${volume}`
}

export function projectNetworkName(project: string): string {
  return `${project}_${DEFAULT_NETWORK}`
}

/**
 * A service's network entry names the project network either as compose does in a file
 * ("default") or by its engine name ("<project>_default"); anything else is an external network
 * used by its own name (the reverse-proxy network "traefik").
 */
export function resolveNetworkName(project: string, name: string): string {
  return name === DEFAULT_NETWORK ? projectNetworkName(project) : name
}

export function isProjectNetwork(project: string, name: string): boolean {
  return resolveNetworkName(project, name) === projectNetworkName(project)
}

export function containerLabels(
  spec: Pick<StackSpec, 'project' | 'workingDir'>,
  service: string,
  configHash: string,
): Record<string, string> {
  return {
    [label.project]: spec.project,
    [label.service]: service,
    [label.containerNumber]: '1',
    [label.oneoff]: 'False',
    [label.configHash]: configHash,
    [label.workingDir]: spec.workingDir,
    [label.configFiles]: join(spec.workingDir, COMPOSE_FILE),
    [label.version]: COMPOSE_VERSION,
  }
}

export function projectNetworkLabels(project: string): Record<string, string> {
  return {
    [label.project]: project,
    [label.network]: DEFAULT_NETWORK,
    [label.version]: COMPOSE_VERSION,
  }
}

export function volumeLabels(project: string, volume: string): Record<string, string> {
  return { [label.project]: project, [label.volume]: volume, [label.version]: COMPOSE_VERSION }
}
