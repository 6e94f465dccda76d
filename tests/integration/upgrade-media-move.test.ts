import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { localFiles } from '../../src/main/hostfs/local-files'
import { moveMediaToData } from '../../src/main/upgrade/media-move'
import { caught } from '../support/caught'

/** The 2025.12 uploads move on a real file system: once, re-runnable, never merging two folders. */
let root = ''
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'gh-media-move-'))
})
afterEach(() => rmSync(root, { recursive: true, force: true }))

describe('media → data/media', () => {
  test('moves the folder with its files; a second run finds it already moved', async () => {
    mkdirSync(join(root, 'media', 'public'), { recursive: true })
    writeFileSync(join(root, 'media', 'public', 'logo.svg'), '<svg/>')
    expect(await moveMediaToData(localFiles(), `${root}/`)).toBe('moved')
    expect(readFileSync(join(root, 'data', 'media', 'public', 'logo.svg'), 'utf8')).toBe('<svg/>')
    expect(existsSync(join(root, 'media'))).toBe(false)
    expect(await moveMediaToData(localFiles(), root)).toBe('already-moved')
  })

  test('nothing to move when there never was a media folder', async () => {
    expect(await moveMediaToData(localFiles(), root)).toBe('nothing-to-move')
  })

  test('an empty leftover data/media is replaced; a full one is refused and nothing moves', async () => {
    mkdirSync(join(root, 'media'))
    writeFileSync(join(root, 'media', 'a.png'), 'a')
    mkdirSync(join(root, 'data', 'media'), { recursive: true })
    expect(await moveMediaToData(localFiles(), root)).toBe('moved')
    expect(readFileSync(join(root, 'data', 'media', 'a.png'), 'utf8')).toBe('a')

    mkdirSync(join(root, 'media'))
    writeFileSync(join(root, 'media', 'b.png'), 'b')
    const error = await caught(moveMediaToData(localFiles(), root))
    expect(error.code).toBe('HOST_FILE_FAILED')
    expect(error.message).toMatch(/will not merge/)
    expect(readFileSync(join(root, 'media', 'b.png'), 'utf8')).toBe('b')
  })
})
