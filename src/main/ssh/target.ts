import { GatehouseError } from '../../shared/errors'

/** Where the NAS is: `ssh://user@host[:port]`, as `DOCKER_HOST=ssh://…` names it. */
export interface SshTarget {
  readonly user: string
  readonly host: string
  readonly port: number
}

export function parseSshTarget(raw: string): SshTarget {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw invalid(raw)
  }
  if (url.protocol !== 'ssh:' || !url.hostname || !url.username) throw invalid(raw)
  return {
    user: decodeURIComponent(url.username),
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : 22,
  }
}

export function formatSshTarget(t: SshTarget): string {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host
  return `ssh://${t.user}@${host}${t.port === 22 ? '' : `:${t.port}`}`
}

function invalid(raw: string): GatehouseError {
  return new GatehouseError({
    code: 'SETTINGS_INVALID',
    message: `"${raw.slice(0, 200)}" is not an SSH address.`,
    hint: 'Write it as ssh://user@nas or ssh://user@nas:2222 (the user is required).',
  })
}
