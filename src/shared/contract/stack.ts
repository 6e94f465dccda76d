import { z } from 'zod'
import { GatehouseErrorData } from '../errors'
import { event, method } from './define'

export const HealthState = z.enum(['healthy', 'unhealthy', 'starting', 'none'])
export type HealthState = z.infer<typeof HealthState>

/** What a Start/Stop did to one container. */
export const ContainerAction = z.enum([
  /** Running with the same configuration and image: left alone. */
  'unchanged',
  'created',
  /** The configuration or image changed: the old container was replaced. */
  'recreated',
  /** Existed, was not running, started as it was. */
  'started',
  'stopped',
  'removed',
  /** Only its network attachments were repaired (reconnected with their aliases). */
  'reconnected',
])
export type ContainerAction = z.infer<typeof ContainerAction>

export const ServiceStatus = z.object({
  service: z.string(),
  container: z.string(),
  exists: z.boolean(),
  /** Docker's state ("running", "exited", …) or "missing". */
  state: z.string(),
  health: HealthState,
  image: z.string(),
  startedAt: z.string().nullable(),
  uptimeMs: z.number().nullable(),
  exitCode: z.number().nullable(),
  /** false: the next Start changes this service (recreates it, or repairs its networks). */
  upToDate: z.boolean(),
  /**
   * How the container as it is differs from the plan, in words ("server is not on the traefik
   * network", "worker's environment differs: AUTHENTIK_…"); empty when it matches. Never values.
   */
  drift: z.array(z.string()).default([]),
})
export type ServiceStatus = z.infer<typeof ServiceStatus>

export const StackStatus = z.discriminatedUnion('configured', [
  z.object({ configured: z.literal(false) }),
  z.object({
    configured: z.literal(true),
    project: z.string(),
    authentikVersion: z.string(),
    authentikUrl: z.string(),
    /** Set when 9000 is published on 127.0.0.1 for setup before DNS works. */
    setupUrl: z.string().nullable(),
    services: z.array(ServiceStatus),
  }),
])
export type StackStatus = z.infer<typeof StackStatus>

export const StackOperation = z.enum(['up', 'stop', 'restart', 'down', 'remove'])
export type StackOperation = z.infer<typeof StackOperation>

export const PullPhase = z.enum([
  /** Found locally, nothing pulled. */
  'present',
  /** Talking to the registry, layer list not known yet. */
  'resolving',
  'downloading',
  'extracting',
  'complete',
])
export type PullPhase = z.infer<typeof PullPhase>

export const PullProgress = z.object({
  image: z.string(),
  phase: PullPhase,
  layersDone: z.number(),
  layersTotal: z.number(),
  bytesDone: z.number(),
  bytesTotal: z.number(),
  percent: z.number(),
})
export type PullProgress = z.infer<typeof PullProgress>

/** One thing that happened during a stack operation, in step order. Names and states only. */
export const StackStep = z.discriminatedUnion('step', [
  z.object({ step: z.literal('started') }),
  z.object({
    step: z.literal('network'),
    network: z.string(),
    created: z.boolean(),
    /** An existing network used as it is although it differs from what Gatehouse would create. */
    note: z.string().optional(),
  }),
  z.object({
    step: z.literal('volumes'),
    volume: z.string(),
    name: z.string(),
    created: z.boolean(),
  }),
  z.object({ step: z.literal('images'), image: z.string(), progress: PullProgress }),
  z.object({
    step: z.literal('containers'),
    service: z.string(),
    container: z.string(),
    action: ContainerAction,
  }),
  z.object({
    step: z.literal('healthy'),
    service: z.string(),
    /** "ready" once the service counts as up (healthy, or running without a healthcheck). */
    health: z.union([HealthState, z.literal('ready')]),
  }),
  z.object({ step: z.literal('finished') }),
  z.object({ step: z.literal('failed'), error: GatehouseErrorData }),
])
export type StackStep = z.infer<typeof StackStep>

/** The steps the engine reports while it works (the service adds started/finished/failed). */
export type StackProgress = Exclude<StackStep, { step: 'started' | 'finished' | 'failed' }>

export const StackProgressEvent = z.object({
  operation: StackOperation,
  /** Distinguishes two runs of the same operation. */
  runId: z.string(),
  event: StackStep,
})
export type StackProgressEvent = z.infer<typeof StackProgressEvent>

export const LogLine = z.object({
  service: z.string(),
  stream: z.enum(['stdout', 'stderr']),
  text: z.string(),
  time: z.string().optional(),
})
export type LogLine = z.infer<typeof LogLine>

const serviceName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'Not a service name.')

/** A compose project that runs Authentik, as found on the engine (#15 adoption). */
export const AdoptableStack = z.object({
  project: z.string(),
  services: z.array(
    z.object({ service: z.string(), container: z.string(), image: z.string(), state: z.string() }),
  ),
  /** From the Authentik image tag (e.g. 2025.6.3); null when the tag names none. */
  version: z.string().nullable(),
  volumes: z.array(z.string()),
  networks: z.array(z.string()),
  dataFolder: z.string().nullable(),
  domain: z.string().nullable(),
  smtpHost: z.string().nullable(),
  /** Which secrets were found (names only). */
  secretsFound: z.array(z.string()),
  /** Why it cannot be adopted as it is; empty when it can. */
  problems: z.array(z.string()),
})
export type AdoptableStack = z.infer<typeof AdoptableStack>

export const stack = {
  status: method({
    summary: 'Each service of the Authentik stack: state, health, image, uptime',
    input: z.strictObject({}),
    output: StackStatus,
  }),
  up: method({
    summary: 'Start the stack: network, volumes, images (pull), containers, wait until healthy',
    input: z.strictObject({}),
    output: StackStatus,
  }),
  stop: method({
    summary: 'Stop every service (containers and data stay)',
    input: z.strictObject({}),
    output: StackStatus,
  }),
  restart: method({
    summary: 'Stop, then start the existing containers in dependency order',
    input: z.strictObject({}),
    output: StackStatus,
  }),
  down: method({
    summary: 'Remove the containers (volumes, data folder and the traefik network stay)',
    input: z.strictObject({}),
    output: z.object({ removed: z.array(z.string()) }),
  }),
  removeVolumes: method({
    summary: 'Remove the containers AND the named volumes (the database): type the project name',
    input: z.strictObject({ confirm: z.string().max(100) }),
    output: z.object({
      removedContainers: z.array(z.string()),
      removedVolumes: z.array(z.string()),
    }),
  }),
  logs: method({
    summary: 'The last lines of one service, or of all services',
    input: z.strictObject({
      service: serviceName.optional(),
      tail: z.int().min(1).max(5000).default(200),
    }),
    output: z.object({ lines: z.array(LogLine) }),
  }),
  testEmail: method({
    summary: 'Run `ak test_email <to>` in the worker and report the outcome',
    input: z.strictObject({ to: z.email() }),
    output: z.object({ ok: z.boolean(), exitCode: z.number(), output: z.string() }),
  }),
  adoptable: method({
    summary:
      'Compose projects on the engine that run Authentik (set up by hand), with what Gatehouse would read from them',
    input: z.strictObject({}),
    output: z.object({ stacks: z.array(AdoptableStack) }),
  }),
  adopt: method({
    summary:
      'Take over a compose stack that already runs: its settings and secrets as they are, nothing recreated',
    input: z.strictObject({
      project: z.string().min(1).max(63),
      /** The project name typed again: adoption replaces Gatehouse's settings. */
      confirm: z.string().max(63),
      /** When the containers do not say (no Traefik labels / bootstrap e-mail). */
      baseDomain: z.string().max(253).optional(),
      adminEmail: z.email().optional(),
    }),
    output: z.object({
      project: z.string(),
      authentikVersion: z.string(),
      dataFolder: z.string(),
      /** Names only, never values. */
      secretsStored: z.array(z.string()),
    }),
  }),
  export: method({
    summary:
      'Write docker-compose.yml and .env (mode 0600, holds secrets): by default next to the data on the Docker host, or into a folder on this computer',
    input: z.strictObject({
      /**
       * A folder on this computer (a download from the NAS's point of view); default:
       * <data folder>/compose on the Docker host (the NAS over SFTP when it is remote).
       */
      folder: z
        .string()
        .max(1024)
        .refine(
          (s) => s.startsWith('/') || /^[A-Za-z]:[\\/]/.test(s),
          'Give an absolute folder path.',
        )
        .optional(),
    }),
    output: z.object({
      composeFile: z.string(),
      envFile: z.string(),
      /** "this computer", or the NAS ("ssh://admin@nas:22"). */
      where: z.string(),
      warning: z.string(),
    }),
  }),
}

export const stackEvents = {
  'stack.progress': event({
    summary: 'Steps of a running Start/Stop/Restart/Remove, pull progress included',
    payload: StackProgressEvent,
  }),
  'stack.logs': event({
    summary: 'Live log lines of every service, in batches, while anyone listens',
    payload: z.object({ lines: z.array(LogLine) }),
  }),
}
