import { StringDecoder } from 'node:string_decoder'
import { Writable } from 'node:stream'
import { GatehouseError } from '../../shared/errors'
import { longRunningApi } from './clients'
import type { DockerEngine } from './engine'
import { dockerFailure, statusCodeOf } from './failures'

/**
 * Runs a command in a running container (the e-mail test: `ak test_email <recipient>` in the
 * worker) and returns its exit code and output, stdout and stderr apart. The exec API gives no
 * exit code on the stream: it is read with exec.inspect() once the stream has ended.
 */

export interface ExecOptions {
  /** Default 60 s. The command keeps running in the container after a timeout (no API to kill it). */
  readonly timeoutMs?: number
  readonly user?: string
  readonly workingDir?: string
  /** Extra "KEY=value" variables for this command only. */
  readonly env?: readonly string[]
  /** Output beyond this many bytes per stream is dropped (the tail is kept). Default 1 MiB. */
  readonly maxOutputBytes?: number
}

export interface ExecResult {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Collects one stream's bytes, keeping only the last `max` bytes, decoded at the end. */
function collector(max: number) {
  let chunks: Buffer[] = []
  let size = 0
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk)
      size += chunk.length
      if (size > max) {
        const all = Buffer.concat(chunks)
        chunks = [all.subarray(all.length - max)]
        size = max
      }
      callback()
    },
  })
  return { sink, text: () => new StringDecoder('utf8').end(Buffer.concat(chunks)) }
}

export async function exec(
  engine: DockerEngine,
  container: string,
  cmd: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const timeoutMs = options.timeoutMs ?? 60_000
  const api = longRunningApi(engine)
  const what = `run ${cmd[0] ?? 'a command'} in ${container}`
  const deadline = Date.now() + timeoutMs

  let execution: Awaited<ReturnType<ReturnType<typeof api.getContainer>['exec']>>
  try {
    execution = await api.getContainer(container).exec({
      Cmd: [...cmd],
      AttachStdout: true,
      AttachStderr: true,
      AttachStdin: false,
      Tty: false,
      ...(options.user === undefined ? {} : { User: options.user }),
      ...(options.workingDir === undefined ? {} : { WorkingDir: options.workingDir }),
      ...(options.env === undefined ? {} : { Env: [...options.env] }),
    })
  } catch (error) {
    const status = statusCodeOf(error)
    if (status === 409 || status === 404) {
      throw new GatehouseError({
        code: 'DOCKER_FAILED',
        message: `Cannot ${what}: the container ${status === 404 ? 'does not exist' : 'is not running'}.`,
        hint: 'Start the stack first, then retry.',
        details: { container, cause: (error as Error).message },
      })
    }
    throw dockerFailure(engine, error, what, { container })
  }

  const max = options.maxOutputBytes ?? 1024 * 1024
  const out = collector(max)
  const err = collector(max)
  let stream: NodeJS.ReadableStream & { destroy?: () => void }
  try {
    stream = await execution.start({ hijack: true, stdin: false })
  } catch (error) {
    throw dockerFailure(engine, error, what, { container })
  }
  api.modem.demuxStream(stream, out.sink, err.sink)

  const ended = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve)
    stream.on('close', resolve)
    stream.on('error', reject)
  })
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()))
  })
  try {
    const first = await Promise.race([ended.then(() => 'ended' as const), timedOut])
    if (first === 'timeout') {
      stream.destroy?.()
      throw new GatehouseError({
        code: 'DOCKER_TIMEOUT',
        message: `The command ${cmd[0] ?? ''} in ${container} did not finish within ${Math.round(timeoutMs / 1000)} s.`,
        hint: 'It may still be running inside the container; check the service logs, then retry.',
        details: { container, command: cmd[0], timeoutMs },
      })
    }
  } catch (error) {
    if (error instanceof GatehouseError) throw error
    throw dockerFailure(engine, error, what, { container })
  } finally {
    clearTimeout(timer)
  }

  const exitCode = await exitCodeOf(engine, execution, {
    container,
    cmd,
    what,
    deadline,
    timeoutMs,
  })
  return { exitCode, stdout: out.text(), stderr: err.text() }
}

interface Execution {
  inspect(): Promise<{ Running: boolean; ExitCode: number | null }>
}

/**
 * The stream ends when the process closes its output; the engine records the exit code a moment
 * later, so inspect until it is no longer running (or the deadline passes).
 */
async function exitCodeOf(
  engine: DockerEngine,
  execution: Execution,
  run: {
    container: string
    cmd: readonly string[]
    what: string
    deadline: number
    timeoutMs: number
  },
): Promise<number> {
  const { container, cmd, what, deadline, timeoutMs } = run
  for (;;) {
    let info: Awaited<ReturnType<Execution['inspect']>>
    try {
      info = await execution.inspect()
    } catch (error) {
      throw dockerFailure(engine, error, what, { container })
    }
    if (!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) return info.ExitCode
    if (Date.now() >= deadline)
      throw new GatehouseError({
        code: 'DOCKER_TIMEOUT',
        message: `The command ${cmd[0] ?? ''} in ${container} closed its output but did not exit within ${Math.round(timeoutMs / 1000)} s.`,
        hint: 'It may still be running inside the container; check the service logs, then retry.',
        details: { container, command: cmd[0], timeoutMs },
      })
    await sleep(25)
  }
}
