import { randomUUID } from 'node:crypto'
import type { StackOperation, StackStep } from '../../shared/contract'
import { GatehouseError } from '../../shared/errors'
import type { EventBus } from '../core/event-bus'

export type Emit = (event: StackStep) => void

/**
 * One stack operation at a time, streamed on `stack.progress` as started → steps →
 * finished/failed under one run id. A second operation while one runs is refused (STACK_BUSY),
 * not queued: the admin sees what is running on the Dashboard.
 */
export function createOperationRunner(bus: EventBus) {
  let busy: StackOperation | null = null
  return async function run<C, T>(
    operation: StackOperation,
    prepare: () => Promise<C>,
    work: (ctx: C, emit: Emit) => Promise<T>,
  ): Promise<T> {
    if (busy)
      throw new GatehouseError({
        code: 'STACK_BUSY',
        message: `The stack is busy (${busy} is running).`,
        hint: 'Wait until it finishes; its progress is shown on the Dashboard.',
      })
    busy = operation
    const runId = randomUUID()
    const emit: Emit = (event) => bus.emit('stack.progress', { operation, runId, event })
    try {
      emit({ step: 'started' })
      const result = await work(await prepare(), emit)
      emit({ step: 'finished' })
      return result
    } catch (error) {
      const data =
        error instanceof GatehouseError
          ? error.toData()
          : {
              code: 'INTERNAL' as const,
              message: `${operation} failed unexpectedly.`,
              hint: 'See the log file.',
            }
      emit({ step: 'failed', error: data })
      throw error
    } finally {
      busy = null
    }
  }
}
