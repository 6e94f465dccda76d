import type { ContainerInspectInfo } from 'dockerode'
import { label } from './compose'
import type { ContainerPlan, NetworkAttachment } from './containers'

/**
 * Convergence on what a container IS, not on the config-hash label it carries. The label is
 * written at create and never again, so it cannot see a network attachment lost when the engine
 * died between create and connect, an admin's `docker network disconnect`, or a container made
 * by someone else (compose from Gatehouse's own export writes its own hash). Every field of the
 * create plan is compared with the inspected container, and each difference is said in words
 * (names, never values: an environment value may be a secret) with the repair it needs.
 */

export type Drift =
  /** Missing network or alias: reconnect the network with its aliases, no recreate. */
  | { readonly repair: 'connect'; readonly message: string; readonly attachment: NetworkAttachment }
  /** Anything fixed at create (image, env, mounts, labels, ports, …): recreate the container. */
  | { readonly repair: 'recreate'; readonly message: string }

/** Compose bookkeeping that says who made the container, not what it is. */
const BOOKKEEPING = new Set<string>([
  label.configHash,
  label.workingDir,
  label.configFiles,
  label.version,
])

const NAMES_SHOWN = 4

function names(list: readonly string[]): string {
  const shown = list.slice(0, NAMES_SHOWN).join(', ')
  return list.length > NAMES_SHOWN ? `${shown} and ${list.length - NAMES_SHOWN} more` : shown
}

function envMap(env: readonly string[] | null | undefined): Map<string, string> {
  const map = new Map<string, string>()
  for (const entry of env ?? []) {
    const at = entry.indexOf('=')
    if (at > 0) map.set(entry.slice(0, at), entry.slice(at + 1))
  }
  return map
}

/**
 * Environment names whose value differs, is missing, or is extra. A variable the container has
 * but the plan does not counts only when the image does not set it (PATH, LANG, … come from the
 * image); without the image's environment (unknown), extras are not judged.
 */
export function envDifferences(
  planned: readonly string[],
  actual: readonly string[] | null | undefined,
  imageEnv: readonly string[] | undefined,
): string[] {
  const want = envMap(planned)
  const have = envMap(actual)
  const fromImage = envMap(imageEnv)
  const differ: string[] = []
  for (const [key, value] of want) if (have.get(key) !== value) differ.push(key)
  if (imageEnv)
    for (const [key, value] of have)
      if (!want.has(key) && fromImage.get(key) !== value) differ.push(key)
  return differ.sort()
}

interface MountView {
  readonly target: string
  readonly what: string
}

/** "volume authentik_database rw" / "bind /srv/authentik/media rw", keyed by target. */
function plannedMounts(binds: readonly string[]): MountView[] {
  return binds.map((bind) => {
    const parts = bind.split(':')
    const mode = parts.pop() ?? 'rw'
    const target = parts.pop() ?? ''
    const source = parts.join(':')
    const kind = source.startsWith('/') || /^[A-Za-z]:[\\/]/.test(source) ? 'bind' : 'volume'
    return { target, what: `${kind} ${source} ${mode === 'ro' ? 'ro' : 'rw'}` }
  })
}

/** Anonymous volumes (an image's VOLUME without a name) are not part of any plan. */
const ANONYMOUS = /^[0-9a-f]{64}$/

function actualMounts(info: ContainerInspectInfo): MountView[] {
  return (info.Mounts ?? [])
    .filter((m) => !(m.Type === 'volume' && ANONYMOUS.test(m.Name ?? '')))
    .map((m) => ({
      target: m.Destination,
      what: `${m.Type} ${m.Type === 'volume' ? (m.Name ?? '') : m.Source} ${m.RW ? 'rw' : 'ro'}`,
    }))
}

export function mountDifferences(plan: ContainerPlan, info: ContainerInspectInfo): string[] {
  const want = new Map(plannedMounts(plan.create.HostConfig?.Binds ?? []).map((m) => [m.target, m]))
  const have = new Map(actualMounts(info).map((m) => [m.target, m]))
  const differ = new Set<string>()
  for (const [target, m] of want) if (have.get(target)?.what !== m.what) differ.add(target)
  for (const target of have.keys()) if (!want.has(target)) differ.add(target)
  return [...differ].sort()
}

function labelDifferences(plan: ContainerPlan, info: ContainerInspectInfo): string[] {
  const want = plan.create.Labels ?? {}
  const have = info.Config.Labels ?? {}
  const differ: string[] = []
  for (const [key, value] of Object.entries(want))
    if (!BOOKKEEPING.has(key) && have[key] !== value) differ.push(key)
  return differ.sort()
}

type PortBindings = Record<string, { HostIp?: string; HostPort?: string }[] | null>

/** Port bindings as a comparable string; "0.0.0.0" and "" both mean every interface. */
function portsKey(bindings: PortBindings | undefined): string {
  const entries: string[] = []
  for (const [port, list] of Object.entries(bindings ?? {}))
    for (const b of list ?? [])
      entries.push(`${port}@${b.HostIp === '0.0.0.0' ? '' : (b.HostIp ?? '')}:${b.HostPort ?? ''}`)
  return entries.sort().join(',')
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null)

/** Settings fixed at create that are not env, mounts, image or labels. */
function otherDifferences(plan: ContainerPlan, info: ContainerInspectInfo): string[] {
  const c = plan.create
  const differ: string[] = []
  if (c.Cmd && !same(c.Cmd, info.Config.Cmd)) differ.push('command')
  if (c.User !== undefined && c.User !== (info.Config.User ?? '')) differ.push('user')
  if (
    portsKey(c.HostConfig?.PortBindings as PortBindings) !==
    portsKey(info.HostConfig.PortBindings as PortBindings)
  )
    differ.push('published ports')
  // The engine reports "no" as "" on some versions.
  const policy = (name: string | undefined) => name || 'no'
  if (policy(c.HostConfig?.RestartPolicy?.Name) !== policy(info.HostConfig.RestartPolicy?.Name))
    differ.push('restart policy')
  if (c.HostConfig?.ShmSize !== undefined && c.HostConfig.ShmSize !== info.HostConfig.ShmSize)
    differ.push('shared memory size')
  if (c.Healthcheck) {
    const h = info.Config.Healthcheck ?? {}
    const w = c.Healthcheck
    if (
      !same(w.Test, h.Test) ||
      (w.Interval ?? 0) !== (h.Interval ?? 0) ||
      (w.Timeout ?? 0) !== (h.Timeout ?? 0) ||
      (w.Retries ?? 0) !== (h.Retries ?? 0) ||
      (w.StartPeriod ?? 0) !== (h.StartPeriod ?? 0)
    )
      differ.push('healthcheck')
  }
  return differ
}

/** Every planned network with its aliases; extra networks an admin added are left alone. */
function networkDrift(
  service: string,
  attachments: readonly NetworkAttachment[],
  info: ContainerInspectInfo,
): Drift[] {
  const drift: Drift[] = []
  const networks = info.NetworkSettings?.Networks ?? {}
  for (const attachment of attachments) {
    const endpoint = networks[attachment.network]
    if (!endpoint) {
      drift.push({
        repair: 'connect',
        attachment,
        message: `${service} is not on the ${attachment.network} network`,
      })
      continue
    }
    const aliases = new Set<string>(
      Array.isArray(endpoint.Aliases) ? (endpoint.Aliases as string[]) : [],
    )
    const missing = attachment.aliases.filter((a) => !aliases.has(a))
    if (missing.length)
      drift.push({
        repair: 'connect',
        attachment,
        message: `${service} is on the ${attachment.network} network without its alias ${names(missing)}`,
      })
  }
  return drift
}

/**
 * How the container differs from the plan; empty when it is what the plan would create.
 * `imageEnv` is the environment of the container's image (to tell the image's variables from
 * extra ones); `imageId`, when known, is the id the planned image name resolves to now.
 */
export function observeDrift(
  service: string,
  plan: ContainerPlan,
  info: ContainerInspectInfo,
  facts: { readonly imageEnv?: readonly string[]; readonly imageId?: string } = {},
): Drift[] {
  const drift: Drift[] = []
  const recreate = (message: string) => drift.push({ repair: 'recreate', message })
  if (info.Config.Image !== plan.create.Image)
    recreate(`${service} runs the image ${info.Config.Image} instead of ${plan.create.Image}`)
  else if (facts.imageId && info.Image !== facts.imageId)
    recreate(`${service} runs an older build of ${plan.create.Image}`)
  const env = envDifferences(plan.create.Env ?? [], info.Config.Env, facts.imageEnv)
  if (env.length) recreate(`${service}'s environment differs: ${names(env)}`)
  const mounts = mountDifferences(plan, info)
  if (mounts.length) recreate(`${service}'s mounts differ: ${names(mounts)}`)
  const labels = labelDifferences(plan, info)
  if (labels.length) recreate(`${service}'s labels differ: ${names(labels)}`)
  const other = otherDifferences(plan, info)
  if (other.length) recreate(`${service}'s settings differ: ${names(other)}`)
  const [primary, ...rest] = [plan.primary, ...plan.connectLater].filter(
    (a): a is NetworkAttachment => a !== undefined,
  )
  drift.push(...networkDrift(service, primary ? [primary, ...rest] : rest, info))
  return drift
}
