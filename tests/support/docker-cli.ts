import { execFileSync } from 'node:child_process'

/** The engine version as Docker's own client reports it: the independent witness for our ping. */
export function engineVersionFromDockerCli(): string {
  return execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], {
    encoding: 'utf8',
  }).trim()
}
