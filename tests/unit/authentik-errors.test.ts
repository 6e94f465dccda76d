import { describe, expect, test } from 'vitest'
import { mapClientError } from '../../src/main/authentik/client'
import { fieldMessages, httpError, transportError } from '../../src/main/authentik/errors'
import { GatehouseError } from '../../src/shared/errors'

describe('Authentik error mapping', () => {
  test('a 400 carries the field messages and names the fields', () => {
    const error = httpError({
      status: 400,
      body: { username: ['This field must be unique.'], non_field_errors: ['Invalid.'] },
      operation: 'create user alice',
    })
    expect(error.code).toBe('AUTHENTIK_REJECTED')
    expect(error.details?.fields).toEqual({
      username: ['This field must be unique.'],
      non_field_errors: ['Invalid.'],
    })
    expect(error.message).toBe(
      'Authentik refused to create user alice (username: This field must be unique.; Invalid.).',
    )
    expect(error.hint).toBe('Correct username and try again.')
  })

  test('nested DRF errors are flattened to dotted field names', () => {
    expect(
      fieldMessages({ redirect_uris: [{ url: ['Enter a valid URL.'] }], name: 'Too long' }),
    ).toEqual({
      'redirect_uris.0.url': ['Enter a valid URL.'],
      name: ['Too long'],
    })
    expect(fieldMessages(['just a list'])).toEqual({ non_field_errors: ['just a list'] })
    expect(fieldMessages(undefined)).toEqual({})
  })

  test.each([
    [401, { detail: 'Token invalid/expired' }, 'AUTHENTIK_AUTH_FAILED'],
    [403, { detail: 'Token invalid/expired' }, 'AUTHENTIK_AUTH_FAILED'],
    [
      403,
      { detail: 'You do not have permission to perform this action.' },
      'AUTHENTIK_AUTH_FAILED',
    ],
    [404, { detail: 'Not found.' }, 'AUTHENTIK_NOT_FOUND'],
    [502, undefined, 'AUTHENTIK_NOT_READY'],
    [503, 'authentik starting', 'AUTHENTIK_NOT_READY'],
    [500, { detail: 'boom' }, 'AUTHENTIK_FAILED'],
    [429, undefined, 'AUTHENTIK_FAILED'],
  ] as const)('HTTP %i maps to a typed code', (status, body, code) => {
    const error = httpError({ status, body, operation: 'read the current user' })
    expect(error).toBeInstanceOf(GatehouseError)
    expect(error.code).toBe(code)
    expect(error.details).toMatchObject({ status, operation: 'read the current user' })
    expect(error.hint.length).toBeGreaterThan(10)
  })

  test('a permission 403 gets a different hint than a dead token', () => {
    const dead = httpError({
      status: 403,
      body: { detail: 'Token invalid/expired' },
      operation: 'x',
    })
    const denied = httpError({
      status: 403,
      body: { detail: 'You do not have permission to perform this action.' },
      operation: 'x',
    })
    expect(dead.hint).toMatch(/deactivated/)
    expect(denied.hint).toMatch(/permission/)
  })

  test('socket, DNS, TLS and timeout failures', () => {
    const ctx = { baseUrl: 'http://127.0.0.1:9000', operation: 'read the version' }
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    expect(transportError(refused, ctx)).toMatchObject({
      code: 'AUTHENTIK_UNREACHABLE',
      details: { cause: 'ECONNREFUSED' },
    })
    const wrapped = new TypeError('fetch failed', {
      cause: Object.assign(new Error('x'), { code: 'ENOTFOUND' }),
    })
    expect(transportError(wrapped, ctx).code).toBe('AUTHENTIK_UNREACHABLE')
    const tls = Object.assign(new Error('self-signed'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })
    expect(transportError(tls, ctx).code).toBe('AUTHENTIK_TLS_UNTRUSTED')
    const slow = Object.assign(new Error('t'), { code: 'ETIMEDOUT' })
    expect(transportError(slow, ctx).code).toBe('AUTHENTIK_TIMEOUT')
    const already = new GatehouseError({ code: 'AUTHENTIK_TLS_UNTRUSTED', message: 'm', hint: 'h' })
    expect(transportError(already, ctx)).toBe(already)
  })

  test("the generated client's ResponseError and FetchError are unwrapped", async () => {
    const ctx = { baseUrl: 'http://x', operation: 'create user alice' }
    const response = new Response(JSON.stringify({ username: ['This field must be unique.'] }), {
      status: 400,
      headers: { 'content-type': 'application/json' },
    })
    const responseError = Object.assign(new Error('Response returned an error code'), {
      name: 'ResponseError',
      response,
    })
    const mapped = await mapClientError(responseError, ctx)
    expect(mapped.code).toBe('AUTHENTIK_REJECTED')
    expect(mapped.details?.fields).toEqual({ username: ['This field must be unique.'] })

    const fetchError = Object.assign(new Error('The request failed'), {
      name: 'FetchError',
      cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
    })
    expect((await mapClientError(fetchError, ctx)).code).toBe('AUTHENTIK_UNREACHABLE')
  })

  test('messages never echo request secrets', () => {
    const error = httpError({
      status: 400,
      body: { password: ['Too short.'] },
      operation: 'set the password of user #5',
    })
    expect(JSON.stringify(error.toData())).not.toMatch(/hunter2/)
  })
})
