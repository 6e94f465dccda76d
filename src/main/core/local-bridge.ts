import type { GatehouseBridge } from '../../shared/contract'
import type { CallContext, Dispatcher } from './dispatcher'
import type { EventBus } from './event-bus'

/** The contract in-process, with the same validation as IPC: what the CLI and tests call. */
export function createLocalBridge(
  dispatcher: Dispatcher,
  bus: EventBus,
  ctx: CallContext,
): GatehouseBridge {
  return {
    invoke: (method, input) => dispatcher.invoke(method, input, ctx) as never,
    subscribe: (topic, listener) => bus.subscribe(topic, listener as (payload: unknown) => void),
  }
}
