import { expect } from 'vitest'
import { GatehouseError } from '../../src/shared/errors'

/** Awaits a promise that must fail with a GatehouseError and returns it for further checks. */
export async function caught(promise: Promise<unknown>): Promise<GatehouseError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(GatehouseError)
    return error as GatehouseError
  }
  throw new Error('expected a GatehouseError, got success')
}
