import type { StackProgress } from '../../shared/contract'

/**
 * What a start/stop reports while it works, one event per thing that happened, in the order of
 * the steps: network → volumes → images → containers → healthy. The shapes are the contract's
 * (`StackStep` without started/finished/failed, which the stack service adds): they carry names
 * and states only, never a ServiceSpec (its environment may hold secrets).
 */
export type { ContainerAction, StackProgress } from '../../shared/contract'

export type ProgressStep = StackProgress['step']

export type ProgressSink = (event: StackProgress) => void
