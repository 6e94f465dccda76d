import { describe, expect, test } from 'vitest'
import { createRest } from '../../src/main/authentik/rest'
import type { FetchLike } from '../../src/main/authentik/transport'
import { GatehouseError } from '../../src/shared/errors'

/** A transport that records what would go on the wire and answers `answer`. */
function recording(answer: unknown = {}) {
  const sent: { method: string; url: string; headers: Headers; body: unknown }[] = []
  const fetchApi: FetchLike = async (input, init) => {
    sent.push({
      method: init?.method ?? 'GET',
      url: String(input),
      headers: new Headers(init?.headers),
      body: init?.body,
    })
    return new Response(JSON.stringify(answer), { status: 200 })
  }
  return { sent, fetchApi }
}

describe('Authentik REST path', () => {
  test('an operation without a request body sends none (no `{}`, no content-type)', async () => {
    const { sent, fetchApi } = recording({ link: 'https://auth.example.org/x' })
    const rest = createRest({ baseUrl: 'http://ak', fetchApi, token: () => 'key' })
    await rest.post('/core/users/7/recovery/')
    expect(sent[0]).toMatchObject({
      method: 'POST',
      url: 'http://ak/api/v3/core/users/7/recovery/',
    })
    expect(sent[0]?.body).toBeUndefined()
    expect(sent[0]?.headers.has('content-type')).toBe(false)
    expect(sent[0]?.headers.get('authorization')).toBe('Bearer key')

    await rest.post('/core/users/7/set_password/', { password: 'p' })
    expect(sent[1]?.body).toBe('{"password":"p"}')
    expect(sent[1]?.headers.get('content-type')).toBe('application/json')
  })

  test('a write refusal stops writes before anything is sent; reads still go', async () => {
    const { sent, fetchApi } = recording({ pagination: { next: 0, count: 0 }, results: [] })
    const refusal = new GatehouseError({
      code: 'AUTHENTIK_VERSION_NEWER',
      message: 'newer',
      hint: 'update',
    })
    const rest = createRest({
      baseUrl: 'http://ak',
      fetchApi,
      token: () => null,
      refuseWrites: () => refusal,
    })
    for (const write of [
      () => rest.post('/core/users/', { username: 'x' }),
      () => rest.patch('/core/users/1/', { name: 'x' }),
      () => rest.put('/core/users/1/', { name: 'x' }),
      () => rest.delete('/core/users/1/'),
    ]) {
      await expect(write()).rejects.toBe(refusal)
    }
    expect(sent).toEqual([])
    expect(await rest.list('/core/users/')).toEqual([])
    expect(sent.map((s) => s.method)).toEqual(['GET'])
    expect(rest.stats).toEqual({ requests: 1, writes: 0 })
  })

  test('a list answer that is not a page is AUTHENTIK_UNEXPECTED_RESPONSE with the version', async () => {
    const { fetchApi } = recording({ detail: 'something else' })
    const rest = createRest({
      baseUrl: 'http://ak',
      fetchApi,
      token: () => null,
      version: '2026.5.6',
    })
    const error = await rest.page('/core/groups/', {}, 'list groups').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GatehouseError)
    expect((error as GatehouseError).code).toBe('AUTHENTIK_UNEXPECTED_RESPONSE')
    expect((error as GatehouseError).details).toMatchObject({
      operation: 'list groups',
      version: '2026.5.6',
    })
  })
})
