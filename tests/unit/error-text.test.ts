import { describe, expect, test } from 'vitest'
import { echo, ECHO_MAX } from '../../src/shared/echo'
import { GatehouseError } from '../../src/shared/errors'
import { SettingsSchema } from '../../src/shared/settings'

describe('what errors say', () => {
  test('a message or hint built from a sentence plus "." ends in one full stop', () => {
    const error = new GatehouseError({
      code: 'DOCKER_FAILED',
      message: `Docker could not start: port is already allocated.${'.'}`,
      hint: 'Retry..',
    })
    expect(error.message).toBe('Docker could not start: port is already allocated.')
    expect(error.hint).toBe('Retry.')
    expect(error.toData().message.endsWith('..')).toBe(false)
  })

  test('an invalid 10 kB time zone is not echoed back whole', () => {
    const pasted = `Europe/${'A'.repeat(10_000)}`
    const result = SettingsSchema.safeParse({
      baseDomain: 'example.com',
      adminEmail: 'admin@example.com',
      smtp: { host: 'smtp.example.com', port: 587, from: 'a@example.com', tls: 'starttls' },
      dataFolder: '/srv/authentik',
      timezone: pasted,
    })
    expect(result.success).toBe(false)
    const messages = result.error?.issues.filter((i) => i.path[0] === 'timezone') ?? []
    expect(messages.length).toBeGreaterThan(0)
    for (const issue of messages) expect(issue.message.length).toBeLessThan(ECHO_MAX + 80)
    expect(messages.map((i) => i.message).join(' ')).toContain('Europe/AAAA')
  })

  test('echo keeps short values and cuts long ones, saying how long they were', () => {
    expect(echo('Mars/Olympus')).toBe('Mars/Olympus')
    const cut = echo('x'.repeat(100))
    expect(cut).toBe(`${'x'.repeat(ECHO_MAX - 1)}… (100 characters)`)
  })
})
