import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * What one contract call (one "operation") may remember while it runs: the dispatcher opens a
 * scope per call, and values read during it (a keychain secret asked for by every request of a
 * recipe apply) are read once. The scope closes when the call returns, so work that outlives it
 * (a log follower it started) reads afresh.
 */
export interface OperationScope {
  readonly memo: Map<string, unknown>
  open: boolean
}

const storage = new AsyncLocalStorage<OperationScope>()

/** Runs `work` as one operation with a memo of its own. */
export async function runOperation<T>(work: () => Promise<T>): Promise<T> {
  const scope: OperationScope = { memo: new Map(), open: true }
  try {
    return await storage.run(scope, work)
  } finally {
    scope.open = false
    scope.memo.clear()
  }
}

/** The memo of the operation this code runs in, or null outside any (or after it ended). */
export function operationMemo(): Map<string, unknown> | null {
  const scope = storage.getStore()
  return scope?.open ? scope.memo : null
}

/**
 * `read()` once per operation under `key` (outside an operation: every time). A failed read is
 * not remembered, so a retry inside the same operation asks again.
 */
export function oncePerOperation<T>(key: string, read: () => Promise<T>): Promise<T> {
  const memo = operationMemo()
  if (!memo) return read()
  const known = memo.get(key) as Promise<T> | undefined
  if (known) return known
  const reading = read()
  memo.set(key, reading)
  reading.catch(() => {
    if (memo.get(key) === reading) memo.delete(key)
  })
  return reading
}

/** Drops what the current operation remembered under `key` (after a write of it). */
export function forgetInOperation(key: string, value?: unknown): void {
  const memo = operationMemo()
  if (!memo) return
  if (value === undefined) memo.delete(key)
  else memo.set(key, Promise.resolve(value))
}
