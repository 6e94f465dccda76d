import {
  contract,
  type CallOf,
  type Contract,
  type Domain,
  type GatehouseBridge,
  type MethodName,
  type PayloadOf,
  type Topic,
} from './contract'
import { GatehouseError } from './errors'

/** The contract as plain async functions: `await client.docker.ping()`. Errors throw GatehouseError. */
export type GatehouseClient = {
  readonly [D in Domain]: { readonly [N in keyof Contract[D]]: CallOf<D, N> }
} & {
  on<T extends Topic>(topic: T, listener: (payload: PayloadOf<T>) => void): () => void
}

export function createClient(bridge: GatehouseBridge): GatehouseClient {
  const client: Record<string, unknown> = {
    on: <T extends Topic>(topic: T, listener: (payload: PayloadOf<T>) => void) =>
      bridge.subscribe(topic, listener),
  }
  for (const [domain, methods] of Object.entries(contract)) {
    const calls: Record<string, (input?: unknown) => Promise<unknown>> = {}
    for (const name of Object.keys(methods)) {
      const full = `${domain}.${name}` as MethodName
      calls[name] = async (input?: unknown) => {
        const envelope = await bridge.invoke(full, (input ?? {}) as never)
        if (!envelope.ok) throw new GatehouseError(envelope.error)
        return envelope.value
      }
    }
    client[domain] = Object.freeze(calls)
  }
  return Object.freeze(client) as GatehouseClient
}
