import { contract, type Contract, type Domain } from '../../shared/contract'
import type { DomainHandlers } from './dispatcher'

/**
 * The methods of `S` that the contract's domain `D` does not declare, mapped to `never`: spread
 * into the parameter type of `fromService`, an extra method makes the call fail to compile.
 */
type NoExtraMethods<D extends Domain, S> = {
  readonly [K in Exclude<keyof S, keyof Contract[D]>]: never
}

/**
 * Binds a domain service to the contract as it is, the way VS Code's `ProxyChannel.fromService`
 * turns a service into a channel: every method of the contract's domain is the service's method
 * of the same name (parsed input in, contract output out), bound to the service object. The
 * compiler checks the shape both ways — a missing method, a wrong signature or a method the
 * contract does not declare does not compile — so a new method is one line in the contract and
 * one method on the service, with nothing to forward by hand.
 */
export function fromService<D extends Domain, S extends DomainHandlers<D>>(
  domain: D,
  service: S & NoExtraMethods<D, S>,
): DomainHandlers<D> {
  const bound: Record<string, unknown> = {}
  for (const name of Object.keys(contract[domain])) {
    const method = (service as unknown as Record<string, unknown>)[name]
    // The types make this unreachable; it guards a service built with a cast.
    if (typeof method !== 'function') throw new Error(`${domain}.${name} has no implementation`)
    bound[name] = (method as (...args: unknown[]) => unknown).bind(service)
  }
  return bound as DomainHandlers<D>
}

/**
 * An adapter written in place for a service whose methods do not take the contract's input yet
 * (positional arguments): the object literal is checked against the domain like a bound service
 * (a missing, extra or mistyped method does not compile). Meant to shrink to `fromService`.
 */
export function adapt<D extends Domain>(_domain: D, methods: DomainHandlers<D>): DomainHandlers<D> {
  return methods
}
