import { randomBytes } from 'node:crypto'
import { open, rename, rm, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/**
 * Replaces `path` with `data` so that a crash, a full disk or a killed process leaves either the
 * old file or the new one, never half of each: write a temp file in the same folder (rename is
 * atomic only within one file system), fsync it, rename it over the target, fsync the folder so
 * the rename itself survives a power cut. The temp file is removed on any failure.
 *
 * `mode` is applied with chmod as well as at creation, because the process umask can only take
 * bits away and a 0600 file must be exactly 0600 (on Windows this is a no-op, as Node documents).
 */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const folder = dirname(path)
  const temp = join(
    folder,
    `.${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`,
  )
  let handle: FileHandle | undefined
  try {
    handle = await open(temp, 'wx', mode)
    await handle.writeFile(data, 'utf8')
    await handle.chmod(mode)
    await handle.sync()
    await handle.close()
    handle = undefined
    await rename(temp, path)
  } catch (error) {
    await handle?.close().catch(() => undefined)
    await rm(temp, { force: true }).catch(() => undefined)
    throw error
  }
  await syncFolder(folder)
}

/** Best effort: Windows cannot open a folder for fsync, and the data is already renamed. */
async function syncFolder(folder: string): Promise<void> {
  let handle: FileHandle | undefined
  try {
    handle = await open(folder, 'r')
    await handle.sync()
  } catch {
    // Not fatal: see above.
  } finally {
    await handle?.close().catch(() => undefined)
  }
}
