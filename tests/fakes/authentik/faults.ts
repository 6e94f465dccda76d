/**
 * Fault injection for recipe tests: make the k-th write (POST/PUT/PATCH/DELETE under /api/v3)
 * counted from the moment it is armed fail, either before it is applied (500 `{detail}`) or after
 * (applied, then the socket is destroyed without an answer, so the client cannot know it happened).
 * One-shot: after firing, writes go through again.
 *
 * The client's retry policy (src/main/authentik/retry.ts) repeats a write only on 502/503 and never
 * after a reset or timeout, so an 'after' fault is not silently re-sent: a non-idempotent POST would
 * otherwise create the object twice.
 */

export type FaultMode = 'before' | 'after'

export interface RequestLogEntry {
  method: string
  path: string
  /** The schema's operationId, or `METHOD path` when no operation matched. */
  operationId: string
  /** The status answered; for an 'after' fault the status the handler produced (never sent). */
  status: number
  /** Set when a fault fired on this request. */
  fault?: FaultMode
}

interface Armed {
  at: number
  mode: FaultMode
  seen: number
}

export const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export class Faults {
  private armed: Armed | null = null
  /** Faults that fired, oldest first. */
  readonly fired: { mode: FaultMode; method: string; path: string }[] = []

  /** Arm: the `at`-th write from now (1 = the next one) fails in `mode`. Replaces an armed fault. */
  failWrite(options: { at: number; mode: FaultMode }): void {
    if (!Number.isInteger(options.at) || options.at < 1) {
      throw new Error(`failWrite: at must be a positive integer, got ${options.at}`)
    }
    this.armed = { at: options.at, mode: options.mode, seen: 0 }
  }

  /** Disarm without firing. */
  clear(): void {
    this.armed = null
  }

  get pending(): boolean {
    return this.armed !== null
  }

  /** Called by the server for every API write; returns the mode if this write must fail. */
  onWrite(method: string, path: string): FaultMode | null {
    const armed = this.armed
    if (!armed) return null
    armed.seen++
    if (armed.seen < armed.at) return null
    this.armed = null
    this.fired.push({ mode: armed.mode, method, path })
    return armed.mode
  }
}
