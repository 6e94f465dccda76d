import { describe, expect, test } from 'vitest'
import { AkSessionUser, AkUser, readShape } from '../../src/main/authentik/shapes'
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

  test('an answer of the wrong shape is AUTHENTIK_UNEXPECTED_RESPONSE naming operation, field and version', () => {
    const context = {
      operation: 'read the current user',
      baseUrl: 'http://x',
      version: '2026.5.6',
    }
    const error = caughtSync(() =>
      readShape(AkSessionUser, { user: { pk: 'seven', username: 'a' } }, context),
    )
    expect(error.code).toBe('AUTHENTIK_UNEXPECTED_RESPONSE')
    expect(error.details).toMatchObject({
      operation: 'read the current user',
      field: 'user.pk',
      version: '2026.5.6',
    })
    expect(error.message).toMatch(/Authentik 2026\.5\.6 .*read the current user.*user\.pk/)
    // Not JSON at all (a proxy's HTML page) is the same typed error, never UNREACHABLE.
    expect(caughtSync(() => readShape(AkSessionUser, '<html>', context)).details).toMatchObject({
      field: '(the answer)',
    })
  })

  test('missing optional fields and unknown ones never fail a read', () => {
    const context = { operation: 'read user #5', baseUrl: 'http://x', version: '2026.8.3' }
    const user = readShape(
      AkUser,
      { pk: 5, username: 'a', name: 'A', is_superuser: false, brand_new_field: { x: 1 } },
      context,
    )
    expect(user).toEqual({ pk: 5, username: 'a', name: 'A', is_superuser: false })
    const me = readShape(
      AkSessionUser,
      {
        user: { pk: 5, username: 'a', is_active: true, is_superuser: true, extra: 1 },
        users: [],
      },
      context,
    )
    expect(me.user.username).toBe('a')
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

function caughtSync(run: () => unknown): GatehouseError {
  try {
    run()
  } catch (error) {
    if (error instanceof GatehouseError) return error
    throw error
  }
  throw new Error('expected a GatehouseError')
}
