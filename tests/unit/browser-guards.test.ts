import fc from 'fast-check'
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import {
  bearer,
  hostAllowed,
  newToken,
  originAllowed,
  readCookie,
  tokenMatches,
} from '../../src/main/hosts/browser/guards'
import { readStatic } from '../../src/main/hosts/browser/static-files'

describe('token', () => {
  test('is 256 random bits, different at every start', () => {
    const a = newToken()
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(newToken()).not.toBe(a)
  })

  test('matches only itself', () => {
    const t = newToken()
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (other) => {
        expect(tokenMatches(t, other)).toBe(other === t)
      }),
    )
    expect(tokenMatches(t, t)).toBe(true)
    expect(tokenMatches(t, undefined)).toBe(false)
    expect(tokenMatches(t, t + 'x')).toBe(false)
  })

  test('is read from a Bearer header or the host cookie', () => {
    expect(bearer('Bearer abc')).toBe('abc')
    expect(bearer('Basic abc')).toBeUndefined()
    expect(readCookie('a=1; gatehouse_8080=tok; b=2', 'gatehouse_8080')).toBe('tok')
    expect(readCookie('gatehouse_80800=tok', 'gatehouse_8080')).toBeUndefined()
  })
})

describe('Host and Origin (DNS rebinding)', () => {
  test('accepts loopback names on any port (an SSH tunnel may change the port)', () => {
    for (const host of ['127.0.0.1:4000', 'localhost:80', '[::1]:9', 'LOCALHOST:1', '127.0.0.1'])
      expect(hostAllowed(host)).toBe(true)
  })

  test('refuses every other name', () => {
    for (const host of [
      'evil.example:4000',
      '127.0.0.1.evil.example',
      'localhost.evil.example:1',
      '127.0.0.2:4000',
      '0.0.0.0:4000',
      '',
      undefined,
      'localhost:80@evil',
    ])
      expect(hostAllowed(host)).toBe(false)
    fc.assert(
      fc.property(fc.domain(), (domain) => {
        fc.pre(domain !== 'localhost')
        expect(hostAllowed(`${domain}:8080`)).toBe(false)
      }),
    )
  })

  test('requires an Origin, when sent, to be the very origin of the Host', () => {
    expect(originAllowed(undefined, '127.0.0.1:4000')).toBe(true)
    expect(originAllowed('http://127.0.0.1:4000', '127.0.0.1:4000')).toBe(true)
    expect(originAllowed('http://localhost:4000', '127.0.0.1:4000')).toBe(false)
    expect(originAllowed('https://evil.example', '127.0.0.1:4000')).toBe(false)
    expect(originAllowed('null', '127.0.0.1:4000')).toBe(false)
    expect(originAllowed('http://evil.example:4000', 'evil.example:4000')).toBe(false)
  })
})

describe('static files', () => {
  const root = mkdtempSync(join(tmpdir(), 'gh-static-'))
  mkdirSync(join(root, 'assets'))
  writeFileSync(join(root, 'index.html'), '<html>app</html>')
  writeFileSync(join(root, 'assets', 'a.js'), 'js')
  const outside = join(root, '..', 'gh-secret-outside.txt')
  writeFileSync(outside, 'SECRET')

  test('serves files with their type and falls back to index.html', async () => {
    expect(await readStatic(root, '/assets/a.js')).toMatchObject({
      type: expect.stringContaining('javascript'),
    })
    expect(String((await readStatic(root, '/users'))?.body)).toBe('<html>app</html>')
  })

  test('never reads outside the renderer folder', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/../', '/..%2f', '/%2e%2e/', '/assets/../../', '//..//'),
        fc.integer({ min: 1, max: 4 }),
        async (step, n) => {
          const file = await readStatic(root, step.repeat(n) + 'gh-secret-outside.txt')
          expect(String(file?.body ?? '')).not.toContain('SECRET')
        },
      ),
    )
    expect(await readStatic(root, '/%00')).toBeNull()
    expect(await readStatic(root, '/%E0%A4%A')).toBeNull()
  })
})
