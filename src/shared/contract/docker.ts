import { z } from 'zod'
import { event, method } from './define'

export const DockerEngineInfo = z.object({
  /** Engine version as the daemon reports it, e.g. "20.10.24+dfsg1". */
  version: z.string(),
  apiVersion: z.string(),
  os: z.string(),
  arch: z.string(),
  /** Where Gatehouse talked to the engine: a socket path, a named pipe or a tcp URL. */
  endpoint: z.string(),
})
export type DockerEngineInfo = z.infer<typeof DockerEngineInfo>

export const DockerStatus = z.discriminatedUnion('state', [
  z.object({ state: z.literal('up'), engine: DockerEngineInfo, checkedAt: z.string() }),
  z.object({
    state: z.literal('down'),
    endpoint: z.string(),
    message: z.string(),
    hint: z.string(),
    checkedAt: z.string(),
  }),
])
export type DockerStatus = z.infer<typeof DockerStatus>

export const docker = {
  ping: method({
    summary: 'Ask the Docker engine for its version (fails with DOCKER_UNREACHABLE)',
    input: z.strictObject({}),
    output: DockerEngineInfo,
  }),
}

export const dockerEvents = {
  'docker.status': event({
    summary: 'The Docker engine came up or went down (checked while anyone listens)',
    payload: DockerStatus,
  }),
}
