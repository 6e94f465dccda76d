/**
 * The one contract between the Gatehouse UI (or a script) and the machine. Every host — Electron
 * IPC, the browser host, the CLI — is generated from these two objects; adding a method here makes
 * it reachable from all three with no extra wiring.
 */
import type { z } from 'zod'
import type { Envelope } from '../errors'
import { app } from './app'
import { authentik, authentikEvents } from './authentik'
import type { EventSpec, MethodSpec } from './define'
import { flows, groups, invitations, users } from './directory'
import { events as eventLog } from './events'
import { integrations, integrationsEvents } from './integrations'
import { docker, dockerEvents } from './docker'
import { hosts } from './hosts'
import { recipes, recipesEvents } from './recipes'
import { secrets } from './secrets'
import { settings } from './settings'
import { stack, stackEvents } from './stack'
import { traefik } from './traefik'
import { upgrade, upgradeEvents } from './upgrade'

export const contract = {
  app,
  docker,
  hosts,
  settings,
  secrets,
  stack,
  authentik,
  recipes,
  users,
  groups,
  flows,
  invitations,
  traefik,
  integrations,
  events: eventLog,
  upgrade,
} as const satisfies Record<string, Record<string, MethodSpec>>

export const events = {
  ...dockerEvents,
  ...stackEvents,
  ...authentikEvents,
  ...recipesEvents,
  ...integrationsEvents,
  ...upgradeEvents,
} as const satisfies Record<string, EventSpec>

export type Contract = typeof contract
export type Domain = keyof Contract
export type MethodOf<D extends Domain> = keyof Contract[D] & string
export type MethodName = { [D in Domain]: `${D}.${MethodOf<D>}` }[Domain]
export type SpecOf<M extends MethodName> = M extends `${infer D}.${infer N}`
  ? D extends Domain
    ? N extends keyof Contract[D]
      ? Contract[D][N]
      : never
    : never
  : never
/** What a caller passes (before zod defaults are applied). */
export type InputOf<M extends MethodName> = z.input<SpecOf<M>['input']>
/** What a service receives (after zod parsing). */
export type ParsedInputOf<M extends MethodName> = z.output<SpecOf<M>['input']>
export type OutputOf<M extends MethodName> = z.output<SpecOf<M>['output']>

/** The handler signature of one method: parsed input in, contract output (pre-parse) out. */
export type ImplOf<D extends Domain, N extends keyof Contract[D], Ctx> =
  Contract[D][N] extends MethodSpec<infer I, infer O>
    ? (input: z.output<I>, ctx: Ctx) => Promise<z.input<O>>
    : never
/** The caller's signature of one method; methods with no required field take no argument. */
export type CallOf<D extends Domain, N extends keyof Contract[D]> =
  Contract[D][N] extends MethodSpec<infer I, infer O>
    ? Record<never, never> extends z.input<I>
      ? (input?: z.input<I>) => Promise<z.output<O>>
      : (input: z.input<I>) => Promise<z.output<O>>
    : never

export type Events = typeof events
export type Topic = keyof Events & string
export type PayloadOf<T extends Topic> = z.output<Events[T]['payload']>

/**
 * The transport every host offers the UI: the preload's `window.gatehouse`, the browser host's
 * HTTP+WebSocket client and the CLI's in-process bridge all have exactly this type.
 */
export interface GatehouseBridge {
  invoke<M extends MethodName>(method: M, input: InputOf<M>): Promise<Envelope<OutputOf<M>>>
  subscribe<T extends Topic>(topic: T, listener: (payload: PayloadOf<T>) => void): () => void
}

export const methodNames: readonly MethodName[] = Object.entries(contract).flatMap(
  ([domain, methods]) => Object.keys(methods).map((name) => `${domain}.${name}` as MethodName),
)
export const topics: readonly Topic[] = Object.keys(events) as Topic[]

export function isMethodName(value: unknown): value is MethodName {
  return typeof value === 'string' && (methodNames as readonly string[]).includes(value)
}
export function isTopic(value: unknown): value is Topic {
  return typeof value === 'string' && (topics as readonly string[]).includes(value)
}

export function specOf(name: MethodName): MethodSpec {
  const [domain, method] = name.split('.') as [Domain, string]
  return (contract[domain] as Record<string, MethodSpec>)[method] as MethodSpec
}

export * from './app'
export * from './authentik'
export * from './recipes'
export * from './directory'
export * from './docker'
export * from './hosts'
export * from './secrets'
export * from './settings'
export * from './stack'
export * from './traefik'
export * from './upgrade'
export * from './integrations'
export { EventAction, EventCursor, EventFilters, EventRow } from './events'
export type { EventSpec, MethodSpec } from './define'
