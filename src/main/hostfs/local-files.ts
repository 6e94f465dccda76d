import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import {
  chmod,
  chown,
  mkdir,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
} from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { GatehouseError } from '../../shared/errors'
import { writeFileAtomic } from '../settings/atomic-write'
import type { HostFiles, HostFileStat } from './host-files'

/** The Docker host is this computer: node:fs, with the same errors the SFTP side gives. */
export function localFiles(): HostFiles {
  return {
    where: 'this computer',
    readFile: (path) => wrap(path, () => readFile(path)),
    async realpath(path) {
      try {
        return await realpath(path)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
        throw hostFileError(path, error)
      }
    },
    async stat(path): Promise<HostFileStat | null> {
      try {
        const s = await stat(path)
        return {
          size: s.size,
          mode: s.mode & 0o7777,
          uid: s.uid,
          gid: s.gid,
          mtimeMs: s.mtimeMs,
          isDirectory: s.isDirectory(),
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
        throw hostFileError(path, error)
      }
    },
    writeFileAtomic: (path, data, options) =>
      wrap(path, async () => {
        const mode = options?.mode ?? ((await stat(path).catch(() => null))?.mode ?? 0o644) & 0o7777
        await writeFileAtomic(path, typeof data === 'string' ? data : data.toString('utf8'), mode)
      }),
    rename: (from, to) => wrap(from, () => rename(from, to)),
    mkdirp: (path, options) =>
      wrap(path, async () => {
        await mkdir(path, { recursive: true, ...(options?.mode ? { mode: options.mode } : {}) })
      }),
    chmod: (path, mode) => wrap(path, () => chmod(path, mode)),
    chown: (path, uid, gid) => wrap(path, () => chown(path, uid, gid)),
    list: (path) => wrap(path, async () => (await readdir(path)).sort()),
    remove: (path, options) =>
      wrap(path, () => rm(path, { force: true, recursive: options?.recursive ?? false })),
    openRead: (path) =>
      wrap(path, async (): Promise<Readable> => {
        await stat(path)
        return createReadStream(path)
      }),
    openWrite: (path, options) =>
      wrap(path, async () => {
        const temp = join(
          dirname(path),
          `.${basename(path)}.part-${randomBytes(6).toString('hex')}`,
        )
        const stream = createWriteStream(temp, { flags: 'wx', mode: options?.mode ?? 0o600 })
        const done = new Promise<void>((resolve, reject) => {
          stream.once('error', (error) => {
            void rm(temp, { force: true }).finally(() => reject(hostFileError(path, error)))
          })
          stream.once('close', () => {
            if (!stream.writableFinished) {
              void rm(temp, { force: true }).finally(() =>
                reject(hostFileError(path, new Error('the write was cut off'))),
              )
              return
            }
            rename(temp, path).then(resolve, (error: unknown) => reject(hostFileError(path, error)))
          })
        })
        done.catch(() => undefined)
        return Object.assign(stream as Writable, { done })
      }),
    close: async () => undefined,
  }
}

async function wrap<T>(path: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    throw hostFileError(path, error)
  }
}

/** One error shape for both implementations, naming the file and what to do. */
export function hostFileError(path: string, error: unknown): GatehouseError {
  if (error instanceof GatehouseError) return error
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT')
    return new GatehouseError({
      code: 'HOST_FILE_NOT_FOUND',
      message: `${path} does not exist on the Docker host.`,
      hint: 'Check the path in Settings; the folder must exist on the machine Docker runs on.',
      details: { path },
    })
  if (code === 'EACCES' || code === 'EPERM')
    return new GatehouseError({
      code: 'HOST_FILE_PERMISSION',
      message: `Gatehouse may not access ${path} on the Docker host (${code}).`,
      hint: 'Give the user Gatehouse runs as (or the SSH user) access to it, e.g. `sudo chown -R <user> <folder>`.',
      details: { path },
    })
  return new GatehouseError({
    code: 'HOST_FILE_FAILED',
    message: `Gatehouse could not use ${path} on the Docker host: ${(error as Error)?.message ?? String(error)}.`,
    hint: 'Check that the disk is mounted and not full, then try again.',
    details: { path },
  })
}
