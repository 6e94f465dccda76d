import type { z } from 'zod'
import {
  contract,
  isMethodName,
  specOf,
  type Contract,
  type Domain,
  type ImplOf,
  type MethodName,
} from '../../shared/contract'
import { GatehouseError, type Envelope, type GatehouseErrorData } from '../../shared/errors'

/** What a host tells a service about the caller (never used for authorisation: hosts do that). */
export interface CallContext {
  readonly host: 'electron' | 'browser' | 'cli'
}

/** The implementation side of the contract: one async function per method, fully typed. */
export type Handlers = {
  readonly [D in Domain]: {
    readonly [N in keyof Contract[D]]: ImplOf<D, N, CallContext>
  }
}

export interface Dispatcher {
  /** Untrusted entry point used by every host: the method name and input come off the wire. */
  invoke(method: unknown, input: unknown, ctx: CallContext): Promise<Envelope<unknown>>
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

export function createDispatcher(handlers: Handlers, options: DispatcherOptions = {}): Dispatcher {
  const table = new Map<MethodName, (input: unknown, ctx: CallContext) => Promise<unknown>>()
  for (const [domain, methods] of Object.entries(contract)) {
    for (const name of Object.keys(methods)) {
      const impl = (handlers as Record<string, Record<string, unknown>>)[domain]?.[name]
      if (typeof impl !== 'function') throw new Error(`No handler for ${domain}.${name}`)
      table.set(`${domain}.${name}` as MethodName, impl as never)
    }
  }

  return {
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
        const raw = await table.get(method)!(parsed.data, ctx)
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
