import type { z } from 'zod'

/** One method of the contract: what it takes, what it returns, and a line for `--help`. */
export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I
  readonly output: O
  readonly summary: string
}

/** One event stream: main → every subscribed window, socket or CLI. */
export interface EventSpec<P extends z.ZodType = z.ZodType> {
  readonly payload: P
  readonly summary: string
}

export function method<I extends z.ZodType, O extends z.ZodType>(
  spec: MethodSpec<I, O>,
): MethodSpec<I, O> {
  return spec
}

export function event<P extends z.ZodType>(spec: EventSpec<P>): EventSpec<P> {
  return spec
}
