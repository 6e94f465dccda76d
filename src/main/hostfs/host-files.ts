import type { Readable, Writable } from 'node:stream'

/** What `stat` tells about a file or folder on the Docker host. */
export interface HostFileStat {
  size: number
  /** Permission bits only (e.g. 0o600). */
  mode: number
  uid: number
  gid: number
  mtimeMs: number
  isDirectory: boolean
}

/**
 * The files of the machine the Docker engine runs on (#15): the data folder, Traefik's
 * `dynamic_config.yml`, the compose export, backups. Two implementations: this computer's file
 * system (`local-files.ts`) and SFTP over the same SSH connection as the engine. Everything that
 * touches the Docker host's files goes through this, never through `node:fs` directly, so it works
 * the same when the NAS is remote.
 *
 * Paths are POSIX absolute paths on that host. Failures are GatehouseErrors with the codes
 * HOST_FILE_NOT_FOUND, HOST_FILE_PERMISSION, HOST_FILE_FAILED (`details.path` names the file).
 */
export interface HostFiles {
  /** For messages: "this computer" or "ssh://admin@nas:22". */
  readonly where: string
  readFile(path: string): Promise<Buffer>
  /** The path with symbolic links resolved (the file a write must replace); `null` if missing. */
  realpath(path: string): Promise<string | null>
  /** `null` when nothing exists at `path`. */
  stat(path: string): Promise<HostFileStat | null>
  /**
   * Replaces `path` so that a crash leaves the old or the new file, never half of each (temp file
   * in the same folder, then rename). `mode` defaults to the existing file's mode, else 0o644.
   */
  writeFileAtomic(path: string, data: Buffer | string, options?: { mode?: number }): Promise<void>
  rename(from: string, to: string): Promise<void>
  /** mkdir -p; existing folders are left as they are. */
  mkdirp(path: string, options?: { mode?: number }): Promise<void>
  chmod(path: string, mode: number): Promise<void>
  chown(path: string, uid: number, gid: number): Promise<void>
  /** Names (not paths) in a folder, sorted. */
  list(path: string): Promise<string[]>
  /** Removes a file, or a folder with `recursive`; nothing there is not an error. */
  remove(path: string, options?: { recursive?: boolean }): Promise<void>
  /** Streams a file's bytes (backups are never held whole in memory). */
  openRead(path: string): Promise<Readable>
  /**
   * Streams into a new file that appears at `path` only when the stream finished without error
   * (written to a temp name, renamed on finish; removed on error or destroy).
   */
  openWrite(path: string, options?: { mode?: number }): Promise<Writable & { done: Promise<void> }>
  /** Closes what the implementation holds open (an SFTP channel); the local one has nothing. */
  close(): Promise<void>
}
