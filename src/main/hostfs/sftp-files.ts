import { randomBytes } from 'node:crypto'
import { posix } from 'node:path'
import { Writable, type Readable } from 'node:stream'
import type { SFTPWrapper, Stats } from 'ssh2'
import type { SshConnection } from '../ssh/connection'
import type { HostFiles, HostFileStat } from './host-files'
import { hostFileError } from './local-files'

// SFTP status codes (draft-ietf-secsh-filexfer-02 §7) → the errno names hostFileError knows.
const SFTP_NO_SUCH_FILE = 2
const SFTP_PERMISSION_DENIED = 3

function errnoOf(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code
  if (code === SFTP_NO_SUCH_FILE)
    return Object.assign(new Error('no such file'), { code: 'ENOENT' })
  if (code === SFTP_PERMISSION_DENIED)
    return Object.assign(new Error('permission denied'), { code: 'EACCES' })
  return error
}

const call = <T>(
  run: (cb: (err: Error | null | undefined, value: T) => void) => void,
): Promise<T> =>
  new Promise<T>((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value))))

const done = (run: (cb: (err: Error | null | undefined) => void) => void): Promise<void> =>
  new Promise<void>((resolve, reject) => run((err) => (err ? reject(err) : resolve())))

const tempName = (path: string) =>
  posix.join(posix.dirname(path), `.${posix.basename(path)}.part-${randomBytes(6).toString('hex')}`)

const toStat = (s: Stats): HostFileStat => ({
  size: s.size,
  mode: s.mode & 0o7777,
  uid: s.uid,
  gid: s.gid,
  mtimeMs: s.mtime * 1000,
  isDirectory: s.isDirectory(),
})

/**
 * The Docker host's files over SFTP on the same SSH connection as the engine (#15): no second
 * login, no agent or daemon on the NAS beyond its sshd. Atomic replacement uses OpenSSH's
 * posix-rename extension (plain SFTP rename refuses to overwrite), so a reader on the NAS sees the
 * old file or the new one, never half of each.
 */
export function sftpFiles(connection: SshConnection): HostFiles {
  const session = (): Promise<SFTPWrapper> => connection.sftp()

  async function wrap<T>(path: string, work: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    try {
      return await work(await session())
    } catch (error) {
      throw hostFileError(path, errnoOf(error))
    }
  }

  const statOrNull = async (sftp: SFTPWrapper, path: string): Promise<Stats | null> => {
    try {
      return await call<Stats>((cb) => sftp.stat(path, cb))
    } catch (error) {
      if ((error as { code?: unknown }).code === SFTP_NO_SUCH_FILE) return null
      throw error
    }
  }

  const replace = (sftp: SFTPWrapper, from: string, to: string) =>
    done((cb) => sftp.ext_openssh_rename(from, to, cb))

  async function removeTree(sftp: SFTPWrapper, path: string): Promise<void> {
    const s = await call<Stats>((cb) => sftp.lstat(path, cb))
    if (!s.isDirectory()) return done((cb) => sftp.unlink(path, cb))
    const entries = await call<{ filename: string }[]>((cb) => sftp.readdir(path, cb))
    for (const e of entries) {
      if (e.filename === '.' || e.filename === '..') continue
      await removeTree(sftp, posix.join(path, e.filename))
    }
    await done((cb) => sftp.rmdir(path, cb))
  }

  return {
    where: connection.display,
    readFile: (path) => wrap(path, (sftp) => call<Buffer>((cb) => sftp.readFile(path, cb))),
    // OpenSSH's realpath resolves symbolic links on the NAS, as realpath(3) does.
    realpath: (path) =>
      wrap(path, async (sftp) => {
        if (!(await statOrNull(sftp, path))) return null
        return call<string>((cb) => sftp.realpath(path, cb))
      }),
    stat: (path) =>
      wrap(path, async (sftp) => {
        const s = await statOrNull(sftp, path)
        return s ? toStat(s) : null
      }),
    writeFileAtomic: (path, data, options) =>
      wrap(path, async (sftp) => {
        const mode = options?.mode ?? ((await statOrNull(sftp, path))?.mode ?? 0o644) & 0o7777
        const temp = tempName(path)
        try {
          await done((cb) =>
            sftp.writeFile(
              temp,
              typeof data === 'string' ? Buffer.from(data, 'utf8') : data,
              { mode, flag: 'wx' },
              cb,
            ),
          )
          // The umask of sshd's session may have narrowed the mode at creation.
          await done((cb) => sftp.chmod(temp, mode, cb))
          await replace(sftp, temp, path)
        } catch (error) {
          await done((cb) => sftp.unlink(temp, cb)).catch(() => undefined)
          throw error
        }
      }),
    rename: (from, to) => wrap(from, (sftp) => replace(sftp, from, to)),
    mkdirp: (path, options) =>
      wrap(path, async (sftp) => {
        const parts = posix.normalize(path).split('/').filter(Boolean)
        let current = ''
        for (const part of parts) {
          current += `/${part}`
          const s = await statOrNull(sftp, current)
          if (s?.isDirectory()) continue
          await done((cb) =>
            sftp.mkdir(current, options?.mode ? { mode: options.mode } : {}, cb),
          ).catch(async (error: unknown) => {
            // Someone else made it in between: fine; anything else is the real failure.
            if (!(await statOrNull(sftp, current))?.isDirectory()) throw error
          })
        }
      }),
    chmod: (path, mode) => wrap(path, (sftp) => done((cb) => sftp.chmod(path, mode, cb))),
    chown: (path, uid, gid) => wrap(path, (sftp) => done((cb) => sftp.chown(path, uid, gid, cb))),
    list: (path) =>
      wrap(path, async (sftp) =>
        (await call<{ filename: string }[]>((cb) => sftp.readdir(path, cb)))
          .map((e) => e.filename)
          .filter((n) => n !== '.' && n !== '..')
          .sort(),
      ),
    remove: (path, options) =>
      wrap(path, async (sftp) => {
        const s = await call<Stats>((cb) => sftp.lstat(path, cb)).catch((error: unknown) => {
          if ((error as { code?: unknown }).code === SFTP_NO_SUCH_FILE) return null
          throw error
        })
        if (!s) return
        if (s.isDirectory() && !options?.recursive) return done((cb) => sftp.rmdir(path, cb))
        await removeTree(sftp, path)
      }),
    openRead: (path) =>
      wrap(path, async (sftp): Promise<Readable> => {
        await call<Stats>((cb) => sftp.stat(path, cb))
        return sftp.createReadStream(path)
      }),
    openWrite: (path, options) =>
      wrap(path, async (sftp) => {
        const temp = tempName(path)
        const mode = options?.mode ?? 0o600
        const handle = await call<Buffer>((cb) => sftp.open(temp, 'wx', { mode }, cb))
        return tempWriter(sftp, handle, temp, mode, path, replace)
      }),
    async close() {
      // The SFTP session belongs to the connection (shared with other users of it): nothing here.
    },
  }
}

/**
 * A Writable into an open SFTP handle of a temp file: on finish the handle is closed, the mode set
 * and the temp file renamed over `path` (`done` resolves); on destroy or error the temp file is
 * removed (`done` rejects). ssh2's own write stream closes its handle inside _final, so a complete
 * write cannot be told from a cut-off one there.
 */
function tempWriter(
  sftp: SFTPWrapper,
  handle: Buffer,
  temp: string,
  mode: number,
  path: string,
  replace: (sftp: SFTPWrapper, from: string, to: string) => Promise<void>,
): Writable & { done: Promise<void> } {
  let position = 0
  let closed = false
  let settle: { resolve(): void; reject(e: unknown): void } = { resolve() {}, reject() {} }
  const finished = new Promise<void>((resolve, reject) => (settle = { resolve, reject }))
  finished.catch(() => undefined)
  const closeHandle = async () => {
    if (closed) return
    closed = true
    await done((cb) => sftp.close(handle, cb))
  }
  const writer = new Writable({
    write(chunk: Buffer, _encoding, cb) {
      const at = position
      position += chunk.length
      sftp.write(handle, chunk, 0, chunk.length, at, (err) => cb(err ?? null))
    },
    final(cb) {
      closeHandle()
        .then(() => done((c) => sftp.chmod(temp, mode, c)))
        .then(() => replace(sftp, temp, path))
        .then(
          () => {
            settle.resolve()
            cb()
          },
          (error: unknown) => {
            settle.reject(hostFileError(path, errnoOf(error)))
            cb(error as Error)
          },
        )
    },
    destroy(error, cb) {
      if (writer.writableFinished) return cb(error)
      const why = error ?? new Error('the write was cut off')
      closeHandle()
        .catch(() => undefined)
        .then(() => done((c) => sftp.unlink(temp, c)).catch(() => undefined))
        .finally(() => {
          settle.reject(hostFileError(path, errnoOf(why)))
          cb(error)
        })
    },
  })
  // Whoever writes learns the outcome from `done` (as with the local implementation).
  writer.on('error', () => undefined)
  return Object.assign(writer, { done: finished })
}
