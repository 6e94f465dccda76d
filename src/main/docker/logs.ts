import { StringDecoder } from 'node:string_decoder'
import { Writable } from 'node:stream'
import { longRunningApi } from './clients'
import type { DockerEngine } from './engine'
import { dockerFailure } from './failures'

/**
 * Container logs with stdout and stderr told apart. Without `follow` the engine answers one
 * multiplexed buffer (8-byte frame headers: stream type, length); with `follow` a stream that
 * `modem.demuxStream` splits. A log view at high line rates must not get one message per line,
 * so followed lines are delivered in batches (every `batchMs` or `maxBatch` lines).
 */

export type LogStream = 'stdout' | 'stderr'

export interface LogLine {
  readonly stream: LogStream
  readonly text: string
  /** Set when the logs were asked `timestamps: true` (RFC 3339 as the engine wrote it). */
  readonly time?: string
}

export interface LogOptions {
  /** Last N lines; "all" for everything. Default 100. */
  readonly tail?: number | 'all'
  readonly timestamps?: boolean
  /** Only lines written at or after this Unix time (seconds); used to resume a follow. */
  readonly since?: number
}

/** Splits a byte stream into lines without breaking multi-byte characters across chunks. */
class LineSplitter {
  private readonly decoder = new StringDecoder('utf8')
  private partial = ''

  constructor(
    private readonly stream: LogStream,
    private readonly timestamps: boolean,
    private readonly emit: (line: LogLine) => void,
  ) {}

  push(chunk: Buffer): void {
    const text = this.partial + this.decoder.write(chunk)
    const parts = text.split('\n')
    this.partial = parts.pop() ?? ''
    for (const part of parts) this.line(part)
  }

  end(): void {
    const rest = this.partial + this.decoder.end()
    this.partial = ''
    if (rest) this.line(rest)
  }

  private line(raw: string): void {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (this.timestamps) {
      const space = text.indexOf(' ')
      if (space > 0) {
        this.emit({ stream: this.stream, time: text.slice(0, space), text: text.slice(space + 1) })
        return
      }
    }
    this.emit({ stream: this.stream, text })
  }
}

/** Splits the engine's multiplexed log buffer into (stream, payload) frames. */
export function demuxBuffer(buffer: Buffer): { stream: LogStream; payload: Buffer }[] {
  const frames: { stream: LogStream; payload: Buffer }[] = []
  let offset = 0
  while (offset + 8 <= buffer.length) {
    const type = buffer.readUInt8(offset)
    const length = buffer.readUInt32BE(offset + 4)
    const payload = buffer.subarray(offset + 8, offset + 8 + length)
    // 0 (stdin, never in logs) and 1 are stdout; 2 is stderr.
    frames.push({ stream: type === 2 ? 'stderr' : 'stdout', payload })
    offset += 8 + length
  }
  return frames
}

/** The engine's default is every line; "all" is not in the typings, so it means "omit". */
function tailOption(options: LogOptions): { tail?: number; since?: number } {
  const tail = options.tail ?? 100
  const since = options.since === undefined ? {} : { since: options.since }
  return tail === 'all' ? since : { tail, ...since }
}

async function isTty(engine: DockerEngine, container: string): Promise<boolean> {
  try {
    return Boolean((await engine.api.getContainer(container).inspect()).Config.Tty)
  } catch (error) {
    throw dockerFailure(engine, error, `read the logs of ${container}`, { container })
  }
}

/** The last lines of a container's logs (stdout and stderr in the engine's order). */
export async function tailLogs(
  engine: DockerEngine,
  container: string,
  options: LogOptions = {},
): Promise<LogLine[]> {
  // A TTY container's logs are one raw stream (no frame headers), all of it "stdout".
  const tty = await isTty(engine, container)
  let raw: Buffer
  try {
    const result: unknown = await engine.api.getContainer(container).logs({
      follow: false,
      stdout: true,
      stderr: true,
      ...tailOption(options),
      timestamps: options.timestamps ?? false,
    })
    raw = Buffer.isBuffer(result) ? result : Buffer.from(String(result))
  } catch (error) {
    throw dockerFailure(engine, error, `read the logs of ${container}`, { container })
  }
  const lines: LogLine[] = []
  const splitters = {
    stdout: new LineSplitter('stdout', options.timestamps ?? false, (l) => lines.push(l)),
    stderr: new LineSplitter('stderr', options.timestamps ?? false, (l) => lines.push(l)),
  }
  if (tty) {
    splitters.stdout.push(raw)
  } else {
    // Frames are what the engine wrote in one go; a line split across frames of the same stream
    // is joined by the splitter, interleaving between streams is kept.
    for (const frame of demuxBuffer(raw)) splitters[frame.stream].push(frame.payload)
  }
  splitters.stdout.end()
  splitters.stderr.end()
  return lines
}

export interface FollowOptions extends LogOptions {
  /** Receives lines in batches, never an empty one. */
  readonly onLines: (lines: LogLine[]) => void
  /** The stream ended: the container stopped, or close() was called. */
  readonly onEnd?: () => void
  readonly onError?: (error: Error) => void
  /** Flush at least this often while lines arrive. Default 100 ms. */
  readonly batchMs?: number
  /** Flush as soon as this many lines are waiting. Default 500. */
  readonly maxBatch?: number
}

export interface LogFollower {
  /** Ends the stream (idempotent); resolves once the last batch was delivered. */
  close(): Promise<void>
  /** Resolves when the stream has ended, for whatever reason. */
  readonly done: Promise<void>
}

export async function followLogs(
  engine: DockerEngine,
  container: string,
  options: FollowOptions,
): Promise<LogFollower> {
  const tty = await isTty(engine, container)
  let stream: NodeJS.ReadableStream
  try {
    // The client without idle timeout: a quiet container would otherwise cut the stream after 5 s.
    stream = await longRunningApi(engine)
      .getContainer(container)
      .logs({
        follow: true,
        stdout: true,
        stderr: true,
        ...tailOption(options),
        timestamps: options.timestamps ?? false,
      })
  } catch (error) {
    throw dockerFailure(engine, error, `follow the logs of ${container}`, { container })
  }

  const batchMs = options.batchMs ?? 100
  const maxBatch = options.maxBatch ?? 500
  let batch: LogLine[] = []
  let timer: NodeJS.Timeout | undefined
  let ended = false

  const flush = () => {
    if (timer) clearTimeout(timer)
    timer = undefined
    if (batch.length === 0) return
    const out = batch
    batch = []
    options.onLines(out)
  }
  const add = (line: LogLine) => {
    if (ended) return
    batch.push(line)
    if (batch.length >= maxBatch) flush()
    else if (!timer) timer = setTimeout(flush, batchMs)
  }
  const timestamps = options.timestamps ?? false
  const out = new LineSplitter('stdout', timestamps, add)
  const err = new LineSplitter('stderr', timestamps, add)
  const sink = (splitter: LineSplitter) =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        splitter.push(chunk)
        callback()
      },
    })

  if (tty) stream.on('data', (chunk: Buffer) => out.push(chunk))
  else longRunningApi(engine).modem.demuxStream(stream, sink(out), sink(err))

  let closing = false
  let resolveDone: () => void = () => undefined
  const done = new Promise<void>((resolve) => (resolveDone = resolve))
  const finish = () => {
    if (ended) return
    out.end()
    err.end()
    flush()
    ended = true
    options.onEnd?.()
    resolveDone()
  }
  stream.on('end', finish)
  stream.on('close', finish)
  stream.on('error', (error: Error) => {
    // Destroying the stream on close() surfaces as an abort error; that is not a failure.
    if (!ended && !closing) options.onError?.(error)
    finish()
  })

  return {
    done,
    close() {
      closing = true
      const destroyable = stream as NodeJS.ReadableStream & { destroy?: () => void }
      if (typeof destroyable.destroy === 'function') destroyable.destroy()
      finish()
      return done
    },
  }
}
