import type { HealthState } from './health'
import type { PullProgress } from './pull-progress'

/**
 * What a start/stop reports while it works, one event per thing that happened, in the order of
 * the steps: network → volumes → images → containers → healthy. Carries names and states only,
 * never a ServiceSpec (its environment may hold secrets).
 */

export type ContainerAction =
  /** Running with the same configuration and image: left alone. */
  | 'unchanged'
  | 'created'
  /** The configuration or image changed: the old container was replaced. */
  | 'recreated'
  /** Existed, was not running, started as it was. */
  | 'started'
  | 'stopped'
  | 'removed'

export type StackProgress =
  | {
      readonly step: 'network'
      readonly network: string
      readonly created: boolean
      /** An existing network used as it is although it differs from what Gatehouse would create. */
      readonly note?: string
    }
  | {
      readonly step: 'volumes'
      /** Logical name ("database"). */
      readonly volume: string
      /** Engine name ("authentik_database"). */
      readonly name: string
      readonly created: boolean
    }
  | { readonly step: 'images'; readonly image: string; readonly progress: PullProgress }
  | {
      readonly step: 'containers'
      readonly service: string
      readonly container: string
      readonly action: ContainerAction
    }
  | {
      readonly step: 'healthy'
      readonly service: string
      /** "ready" once the service counts as up (healthy, or running without a healthcheck). */
      readonly health: HealthState | 'ready'
    }

export type ProgressStep = StackProgress['step']

export type ProgressSink = (event: StackProgress) => void
