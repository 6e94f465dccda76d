import type { z } from 'zod'
import {
  contract,
  isMethodName,
  specOf,
  type Contract,
  type Domain,
  type ImplOf,
} from '../../shared/contract'
import { GatehouseError, type Envelope, type GatehouseErrorData } from '../../shared/errors'
import { runOperation } from './operation'

/** What a host tells a service about the caller (never used for authorisation: hosts do that). */
export interface CallContext {
  readonly host: 'electron' | 'browser' | 'cli'
}

/** The implementation of one domain of the contract: one async function per method. */
export type DomainHandlers<D extends Domain> = {
  readonly [N in keyof Contract[D]]: ImplOf<D, N, CallContext>
}

/** The implementation side of the contract: one async function per method, fully typed. */
export type Handlers = { readonly [D in Domain]: DomainHandlers<D> }

/**
 * A domain given as a loader is imported on its first call only, so a host that is asked one
 * thing (`gatehouse docker ping`) never loads the code (and packages) of the others.
 */
export type DomainLoader<D extends Domain> = () => Promise<DomainHandlers<D>>

/** What the dispatcher binds: each domain either built already or loaded on first use. */
export type LazyHandlers = { readonly [D in Domain]: DomainHandlers<D> | DomainLoader<D> }

export interface Dispatcher {
  /** Untrusted entry point used by every host: the method name and input come off the wire. */
  invoke(method: unknown, input: unknown, ctx: CallContext): Promise<Envelope<unknown>>
  /**
   * Loads every domain not loaded yet (a host with a window does it once it is up, so the first
   * click does not wait for an import). A domain that fails to load is left for its first call.
   */
  preload(domains?: readonly Domain[]): Promise<void>
}

export interface DispatcherOptions {
  /** Receives unexpected (non-Gatehouse) errors; they reach the caller only as INTERNAL. */
  onInternalError?: (method: string, error: unknown) => void
}

function zodIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(input)',
    message: issue.message,
  }))
}

type Impl = (input: unknown, ctx: CallContext) => Promise<unknown>
type DomainTable = ReadonlyMap<string, Impl>

/** Every method of the domain as a function, or an error naming the first one missing. */
function tableOf(domain: string, handlers: unknown): DomainTable {
  const table = new Map<string, Impl>()
  for (const name of Object.keys(contract[domain as Domain])) {
    const impl = (handlers as Record<string, unknown> | undefined)?.[name]
    if (typeof impl !== 'function') throw new Error(`No handler for ${domain}.${name}`)
    table.set(name, impl as Impl)
  }
  return table
}

export function createDispatcher(
  handlers: Handlers | LazyHandlers,
  options: DispatcherOptions = {},
): Dispatcher {
  const tables = new Map<string, DomainTable | Promise<DomainTable>>()
  for (const domain of Object.keys(contract)) {
    const source = (handlers as Record<string, unknown>)[domain]
    // Built domains are checked now, loaded ones when they load (the types check both).
    if (typeof source !== 'function') tables.set(domain, tableOf(domain, source))
  }
  /** The domain's table, loading it once; a failed load is retried by the next call. */
  const domainTable = (domain: string): DomainTable | Promise<DomainTable> => {
    const known = tables.get(domain)
    if (known) return known
    const load = (handlers as Record<string, DomainLoader<Domain>>)[domain]!
    const loading = load().then(
      (loaded) => {
        const table = tableOf(domain, loaded)
        tables.set(domain, table)
        return table
      },
      (error: unknown) => {
        tables.delete(domain)
        throw error
      },
    )
    tables.set(domain, loading)
    return loading
  }

  return {
    async preload(domains = Object.keys(contract) as Domain[]) {
      await Promise.all(
        domains.map(async (domain) => {
          await Promise.resolve(domainTable(domain)).catch(() => undefined)
        }),
      )
    },
    async invoke(method, input, ctx) {
      if (!isMethodName(method)) {
        const shown = typeof method === 'string' ? method.slice(0, 80) : typeof method
        return fail({
          code: 'UNKNOWN_METHOD',
          message: `Gatehouse has no method "${shown}".`,
          hint: 'Run `gatehouse --help` to list the methods this version offers.',
        })
      }
      const spec = specOf(method)
      const parsed = spec.input.safeParse(input ?? {})
      if (!parsed.success) {
        const issues = zodIssues(parsed.error)
        return fail({
          code: 'VALIDATION_FAILED',
          message: `The input for ${method} is not valid: ${issues
            .slice(0, 3)
            .map((i) => `${i.path}: ${i.message}`)
            .join('; ')}.`,
          hint: 'Correct the fields named above and try again.',
          details: { method, issues },
        })
      }
      try {
        const [domain, name] = method.split('.') as [string, string]
        const impl = (await domainTable(domain)).get(name)!
        const raw = await runOperation(() => impl(parsed.data, ctx))
        // Parsing the result too strips anything a service returned by mistake (a secret in a
        // spread object, say) that the contract does not declare.
        const output = spec.output.safeParse(raw)
        if (!output.success) {
          options.onInternalError?.(method, output.error)
          return fail({
            code: 'INTERNAL',
            message: `${method} produced a result that does not match the contract.`,
            hint: 'This is a bug in Gatehouse; please report it with the log file.',
            details: { method, issues: zodIssues(output.error) },
          })
        }
        return { ok: true, value: output.data }
      } catch (error) {
        if (error instanceof GatehouseError) return fail(error.toData())
        options.onInternalError?.(method, error)
        return fail({
          code: 'INTERNAL',
          message: `${method} failed unexpectedly.`,
          hint: 'This is a bug in Gatehouse; please report it with the log file.',
          details: { method },
        })
      }
    },
  }
}

function fail(error: GatehouseErrorData): Envelope<never> {
  return { ok: false, error }
}
