import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { HostFiles } from '../../src/main/hostfs/host-files'
import { localFiles } from '../../src/main/hostfs/local-files'
import { sftpFiles } from '../../src/main/hostfs/sftp-files'
import { caught } from '../support/caught'
import { engineTarget } from '../support/engine-targets'

/**
 * One behaviour suite for both HostFiles implementations (#15): this computer's file system and
 * SFTP over the SSH connection to the test sshd (as its unprivileged user).
 */
describe.each(['local', 'sftp'] as const)('%s', (kind) => {
  const target = engineTarget('ssh')
  let files: HostFiles
  let base: string
  let localDir: string | undefined

  beforeAll(async () => {
    if (kind === 'local') {
      localDir = mkdtempSync(join(tmpdir(), 'gh-hostfiles-'))
      base = localDir
      files = localFiles()
    } else {
      await target.setup()
      const connection = target.connection
      if (!connection || !target.sshd) throw new Error('no ssh')
      base = `${target.sshd.scratch}/hf-${randomBytes(4).toString('hex')}`
      files = sftpFiles(connection)
      await files.mkdirp(base)
    }
  })

  afterAll(async () => {
    await files?.remove(base, { recursive: true })
    await files?.close()
    if (localDir) rmSync(localDir, { recursive: true, force: true })
    await target.dispose()
  })

  const p = (...parts: string[]) => [base, ...parts].join('/')

  test('mkdirp makes nested folders and leaves existing ones; stat tells folders from files', async () => {
    await files.mkdirp(p('a', 'b', 'c'), { mode: 0o750 })
    await files.mkdirp(p('a', 'b', 'c'))
    const s = await files.stat(p('a', 'b', 'c'))
    expect(s?.isDirectory).toBe(true)
    expect(await files.stat(p('nothing-here'))).toBeNull()
  })

  test('writeFileAtomic creates with a mode, replaces keeping it, and leaves no temp files', async () => {
    await files.mkdirp(p('w'))
    await files.writeFileAtomic(p('w', 'dynamic_config.yml'), 'http: {}\n', { mode: 0o640 })
    expect((await files.readFile(p('w', 'dynamic_config.yml'))).toString()).toBe('http: {}\n')
    expect((await files.stat(p('w', 'dynamic_config.yml')))?.mode).toBe(0o640)
    await files.writeFileAtomic(p('w', 'dynamic_config.yml'), Buffer.from('http:\n  routers: {}\n'))
    expect((await files.readFile(p('w', 'dynamic_config.yml'))).toString()).toBe(
      'http:\n  routers: {}\n',
    )
    const s = await files.stat(p('w', 'dynamic_config.yml'))
    expect(s?.mode).toBe(0o640)
    expect(s?.size).toBe(20)
    expect(s?.mtimeMs).toBeGreaterThan(Date.now() - 3_600_000)
    expect(await files.list(p('w'))).toEqual(['dynamic_config.yml'])
  })

  test('rename replaces the target; list is sorted names; chmod applies', async () => {
    await files.mkdirp(p('r'))
    await files.writeFileAtomic(p('r', 'b.yml'), 'b')
    await files.writeFileAtomic(p('r', 'a.yml'), 'a')
    await files.writeFileAtomic(p('r', 'c.yml'), 'c')
    await files.rename(p('r', 'c.yml'), p('r', 'b.yml'))
    expect(await files.list(p('r'))).toEqual(['a.yml', 'b.yml'])
    expect((await files.readFile(p('r', 'b.yml'))).toString()).toBe('c')
    await files.chmod(p('r', 'a.yml'), 0o600)
    expect((await files.stat(p('r', 'a.yml')))?.mode).toBe(0o600)
  })

  test('chown to the owner it has is accepted', async () => {
    await files.writeFileAtomic(p('owned'), 'x')
    const s = await files.stat(p('owned'))
    if (!s) throw new Error('missing')
    await files.chown(p('owned'), s.uid, s.gid)
    expect((await files.stat(p('owned')))?.uid).toBe(s.uid)
  })

  test('remove: a file, a folder tree with recursive, and nothing at all', async () => {
    await files.mkdirp(p('t', 'u'))
    await files.writeFileAtomic(p('t', 'u', 'f'), 'f')
    await files.writeFileAtomic(p('t', 'g'), 'g')
    await files.remove(p('t', 'g'))
    expect(await files.stat(p('t', 'g'))).toBeNull()
    await files.remove(p('t'), { recursive: true })
    expect(await files.stat(p('t'))).toBeNull()
    await files.remove(p('t'))
  })

  test('streams: a finished write appears whole, a destroyed one never appears', async () => {
    const big = randomBytes(3 * 1024 * 1024 + 17)
    const w = await files.openWrite(p('backup.tar'), { mode: 0o600 })
    await pipeline(Readable.from([big.subarray(0, 1000), big.subarray(1000)]), w)
    await w.done
    const chunks: Buffer[] = []
    for await (const c of await files.openRead(p('backup.tar'))) chunks.push(c as Buffer)
    expect(Buffer.concat(chunks).equals(big)).toBe(true)
    expect((await files.stat(p('backup.tar')))?.mode).toBe(0o600)

    const cut = await files.openWrite(p('cut.tar'))
    cut.write(Buffer.alloc(1000))
    cut.destroy(new Error('cancelled'))
    await expect(cut.done).rejects.toMatchObject({ code: 'HOST_FILE_FAILED' })
    expect(await files.stat(p('cut.tar'))).toBeNull()
    expect((await files.list(base)).filter((n) => n.includes('.part-'))).toEqual([])
  })

  test('errors: missing files are HOST_FILE_NOT_FOUND naming the path', async () => {
    const missing = await caught(files.readFile(p('missing.yml')))
    expect(missing.code).toBe('HOST_FILE_NOT_FOUND')
    expect(missing.details?.path).toBe(p('missing.yml'))
    expect((await caught(files.list(p('missing-dir')))).code).toBe('HOST_FILE_NOT_FOUND')
    expect((await caught(files.openRead(p('missing.bin')))).code).toBe('HOST_FILE_NOT_FOUND')
  })

  // /sys refuses new files even to root (the local run in CI), and to the SSH user.
  test('errors: a folder the user may not write is HOST_FILE_PERMISSION', async () => {
    const error = await caught(files.writeFileAtomic('/sys/gatehouse-test-denied.yml', 'x'))
    expect(error.code).toBe('HOST_FILE_PERMISSION')
    expect(error.hint).toMatch(/chown/)
  })
})
