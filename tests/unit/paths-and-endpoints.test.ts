import { describe, expect, test } from 'vitest'
import { resolveDataDir } from '../../src/main/app/paths'
import { unreachable } from '../../src/main/docker/engine'
import { resolveEndpoint } from '../../src/main/docker/endpoint'

describe('data folder', () => {
  test('follows each OS convention and honours GATEHOUSE_DATA_DIR', () => {
    expect(resolveDataDir({}, 'linux', '/home/ann')).toBe('/home/ann/.config/gatehouse')
    expect(resolveDataDir({ XDG_CONFIG_HOME: '/x' }, 'linux', '/home/ann')).toBe('/x/gatehouse')
    expect(resolveDataDir({}, 'darwin', '/Users/ann')).toBe(
      '/Users/ann/Library/Application Support/gatehouse',
    )
    expect(resolveDataDir({ APPDATA: 'C:\\AppData' }, 'win32', 'C:\\Users\\ann')).toContain(
      'gatehouse',
    )
    expect(resolveDataDir({ GATEHOUSE_DATA_DIR: '/data/gh' }, 'linux', '/h')).toBe('/data/gh')
  })
})

describe('Docker endpoint', () => {
  test('setting first, then DOCKER_HOST, then the platform default', () => {
    expect(resolveEndpoint(undefined, {}, 'linux').display).toBe('/var/run/docker.sock')
    expect(resolveEndpoint(undefined, {}, 'win32')).toMatchObject({ kind: 'pipe' })
    expect(
      resolveEndpoint(undefined, { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }, 'linux'),
    ).toMatchObject({ display: '/run/user/1000/docker.sock', kind: 'socket' })
    expect(resolveEndpoint('tcp://nas:2375', { DOCKER_HOST: 'unix:///x' }, 'linux')).toMatchObject({
      kind: 'tcp',
      options: { host: 'nas', port: '2375', protocol: 'http' },
    })
    expect(resolveEndpoint('/volume1/docker.sock', {}, 'linux').display).toBe(
      '/volume1/docker.sock',
    )
  })

  test('"permission denied" and "not running" each get their own fix', () => {
    const ep = resolveEndpoint('/var/run/docker.sock', {}, 'linux')
    const denied = unreachable(ep, Object.assign(new Error('x'), { code: 'EACCES' }))
    expect(denied.code).toBe('DOCKER_UNREACHABLE')
    expect(denied.message).toContain('/var/run/docker.sock')
    expect(denied.hint).toMatch(/usermod -aG docker/)
    const missing = unreachable(ep, Object.assign(new Error('x'), { code: 'ENOENT' }))
    expect(missing.hint).toMatch(/systemctl start docker/)
    expect(missing.hint).toContain('DOCKER_HOST')
    const refused = unreachable(ep, Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))
    expect(refused.message).toMatch(/not running/)
  })
})
