import { z } from 'zod'
import {
  contract,
  isMethodName,
  isTopic,
  methodNames,
  type GatehouseBridge,
} from '../../../shared/contract'
import type { GatehouseErrorData } from '../../../shared/errors'

export interface CliIO {
  stdout: (text: string) => void
  stderr: (text: string) => void
  readStdin: () => Promise<string>
  /** Resolves when the user interrupts (Ctrl-C); ends `--follow`. */
  interrupted?: Promise<void>
  /** `--plan <file>` reads a saved plan, `--out <file>` writes a result (mode 0600). */
  readFile?: (path: string) => Promise<string>
  writeFile?: (path: string, text: string) => Promise<void>
}

/**
 * A plan saved with `--out`: what apply needs from it is the id, the recipe or integration, and
 * the parameters it was made with — so the apply is of exactly that plan, not of new typing.
 */
async function readSavedPlan(
  read: (path: string) => Promise<string>,
  path: string,
): Promise<{ id: string; params: Record<string, unknown>; planId: string } | GatehouseErrorData> {
  let parsed: unknown
  try {
    parsed = JSON.parse(await read(path))
  } catch (error) {
    return usageError(`--plan ${path} is not a readable JSON plan: ${(error as Error).message}`)
  }
  const plan = z
    .object({
      planId: z.string(),
      params: z.record(z.string(), z.unknown()),
      recipe: z.string().optional(),
      id: z.string().optional(),
    })
    .safeParse(parsed)
  const id = plan.success ? (plan.data.recipe ?? plan.data.id) : undefined
  if (!plan.success || id === undefined)
    return usageError(
      `--plan ${path} is not a saved plan (it needs planId, params and the recipe or integration id); make one with \`gatehouse recipes plan <id> --out ${path}\`.`,
    )
  return { id, params: plan.data.params, planId: plan.data.planId }
}

const USAGE = `Usage: gatehouse <domain> <method> [<id>] [--json '{…}' | --json -] [--params '{…}'] [--follow]
                [--out <file>] [--plan <file>]

Calls one method of the Gatehouse contract and prints its result as JSON on stdout.
On failure it prints the error and a hint on stderr and exits non-zero
(1: the method failed, 2: the command line or its input is wrong).
Progress of long work (e.g. \`gatehouse stack up\`) is printed on stderr.
--follow keeps printing the method's live stream as JSON lines (e.g. \`gatehouse stack logs --follow\`)
until Ctrl-C.
A third word is the id of methods that take one, and --params fills their params:
\`gatehouse recipes plan r8 --params '{"flowSlug":"join"}'\` is
\`gatehouse recipes plan --json '{"id":"r8","params":{"flowSlug":"join"}}'\`.
--out <file> also writes the result to a file (mode 0600), e.g. a plan to apply later:
\`gatehouse recipes plan r8 --out plan.json\`, then \`gatehouse recipes apply --plan plan.json\`
applies exactly that plan (its id, recipe and parameters), or refuses with PLAN_STALE (exit 1)
when the parameters or the server changed since. Add --json '{"acknowledged":["CODE"]}' for a
plan whose warnings need acknowledging.`

/** Help generated from the contract, so a new method shows up here with no extra wiring. */
export function helpText(): string {
  const lines = [USAGE, '', 'Methods:']
  const width = Math.max(...methodNames.map((m) => m.length)) + 2
  for (const [domain, methods] of Object.entries(contract)) {
    for (const [name, spec] of Object.entries(methods)) {
      const full = `${domain} ${name}`
      lines.push(`  ${full.padEnd(width)}${spec.summary}`)
      const fields = inputFields(spec.input)
      if (fields) lines.push(`  ${''.padEnd(width)}input: ${fields}`)
    }
  }
  return lines.join('\n')
}

function inputFields(schema: z.ZodType): string {
  try {
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
      properties?: Record<string, { type?: unknown }>
      required?: string[]
    }
    const props = Object.entries(json.properties ?? {})
    return props
      .map(([key, value]) => {
        const optional = json.required?.includes(key) ? '' : '?'
        return `${key}${optional}: ${typeof value.type === 'string' ? value.type : 'value'}`
      })
      .join(', ')
  } catch {
    return ''
  }
}

function printError(io: CliIO, error: GatehouseErrorData) {
  io.stderr(`error [${error.code}]: ${error.message}`)
  if (error.hint) io.stderr(`hint: ${error.hint}`)
}

/** Runs one command line; returns the process exit code. */
export async function runCli(argv: string[], bridge: GatehouseBridge, io: CliIO): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    io.stdout(helpText())
    return argv.length === 0 ? 2 : 0
  }
  const positional: string[] = []
  let json: string | undefined
  let params: string | undefined
  let follow = false
  let out: string | undefined
  let planFile: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--follow') follow = true
    else if (arg === '--out' || arg === '--plan') {
      const value = argv[++i]
      if (value === undefined || value.startsWith('-')) {
        printError(io, usageError(`${arg} needs a file name, e.g. ${arg} plan.json.`))
        return 2
      }
      if (arg === '--out') out = value
      else planFile = value
    } else if (arg === '--json') {
      json = argv[++i]
      if (json === undefined) {
        printError(io, usageError('--json needs a value: a JSON object, or - to read stdin.'))
        return 2
      }
    } else if (arg === '--params') {
      params = argv[++i]
      if (params === undefined) {
        printError(
          io,
          usageError('--params needs a JSON object, e.g. --params \'{"flowSlug":"join"}\'.'),
        )
        return 2
      }
    } else if (arg.startsWith('--json=')) json = arg.slice('--json='.length)
    else if (arg.startsWith('-')) {
      printError(io, usageError(`Unknown option ${arg}.`))
      return 2
    } else positional.push(arg)
  }
  // `gatehouse recipes plan r8`: a third word is the `id` of methods that take one.
  const id = positional.length === 3 ? positional.pop() : undefined
  if (positional.length !== 2) {
    printError(io, usageError('Give exactly a domain and a method, e.g. `gatehouse docker ping`.'))
    return 2
  }
  const method = `${positional[0]}.${positional[1]}`
  if (!isMethodName(method)) {
    printError(io, {
      code: 'UNKNOWN_METHOD',
      message: `Gatehouse has no method "${positional.join(' ')}".`,
      hint: 'Run `gatehouse --help` to list the methods this version offers.',
    })
    return 2
  }
  let input: unknown = {}
  if (json !== undefined) {
    const text = json === '-' ? await io.readStdin() : json
    try {
      input = JSON.parse(text)
    } catch (error) {
      printError(io, usageError(`--json is not valid JSON: ${(error as Error).message}`))
      return 2
    }
  }
  if (id !== undefined || params !== undefined) {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      printError(io, usageError('--json must be an object when an id or --params is given.'))
      return 2
    }
    let parsedParams: unknown
    if (params !== undefined) {
      try {
        parsedParams = JSON.parse(params)
      } catch (error) {
        printError(io, usageError(`--params is not valid JSON: ${(error as Error).message}`))
        return 2
      }
    }
    input = {
      ...input,
      ...(id !== undefined ? { id } : {}),
      ...(params !== undefined ? { params: parsedParams } : {}),
    }
  }
  if (planFile !== undefined) {
    if (!io.readFile) {
      printError(io, usageError('--plan is not available here.'))
      return 2
    }
    const saved = await readSavedPlan(io.readFile, planFile)
    if ('code' in saved) {
      printError(io, saved)
      return 2
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      printError(io, usageError('--json must be an object when --plan is given.'))
      return 2
    }
    input = { ...input, ...saved }
  }
  const stream = `${positional[0]}.${positional[1]}`
  if (follow && !isTopic(stream)) {
    printError(io, usageError(`${positional.join(' ')} has no live stream to follow.`))
    return 2
  }
  // Long work reports on `<domain>.progress`: show it on stderr so stdout stays pure JSON.
  const progressTopic = `${positional[0]}.progress`
  const stopProgress = isTopic(progressTopic)
    ? bridge.subscribe(progressTopic, (payload) => io.stderr(formatProgress(payload)))
    : () => {}
  const envelope = await bridge.invoke(method, input as never).finally(stopProgress)
  if (!envelope.ok) {
    printError(io, envelope.error)
    return envelope.error.code === 'VALIDATION_FAILED' ? 2 : 1
  }
  io.stdout(JSON.stringify(envelope.value, null, 2))
  if (out !== undefined) {
    if (!io.writeFile) {
      printError(io, usageError('--out is not available here.'))
      return 2
    }
    try {
      await io.writeFile(out, `${JSON.stringify(envelope.value, null, 2)}\n`)
      io.stderr(`Saved to ${out}.`)
    } catch (error) {
      printError(io, {
        code: 'INTERNAL',
        message: `The result could not be written to ${out}: ${(error as Error).message}.`,
        hint: 'Choose a file in a folder you can write to.',
      })
      return 1
    }
  }
  if (follow && isTopic(stream)) {
    const stop = bridge.subscribe(stream, (payload) => io.stdout(JSON.stringify(payload)))
    await (io.interrupted ?? new Promise<void>(() => {}))
    stop()
  }
  // An apply that stopped part-way answers normally (its steps say where) with completed: false;
  // a script must still see that it did not finish.
  if (incomplete(envelope.value)) {
    io.stderr('error: the work did not complete; the result above says which step stopped.')
    return 1
  }
  return 0
}

function incomplete(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { completed?: unknown }).completed === false
  )
}

/** One human line per progress event; unknown shapes fall back to compact JSON. */
export function formatProgress(payload: unknown): string {
  const r = payload as {
    recipe?: string
    /** integrations.progress names the integration as `id`. */
    id?: string
    index?: number
    total?: number
    title?: string
    action?: string
    status?: string
  }
  const who = r.recipe ?? r.id
  if (typeof who === 'string' && typeof r.title === 'string')
    return `${who} ${String((r.index ?? 0) + 1)}/${String(r.total)}: ${String(r.action)} ${r.title}${r.status === 'done' ? ' — done' : ''}`
  // upgrade.progress: a pre-flight check or a step, already in words.
  const u = payload as {
    phase?: string
    check?: string
    version?: string
    state?: string
    message?: string
  }
  if (u.phase === 'preflight')
    return `pre-flight ${String(u.check)}: ${String(u.state)} — ${String(u.message)}`
  if (u.phase === 'step')
    return `upgrade ${String((r.index ?? 0) + 1)}/${String(r.total)} ${String(u.version)}: ${String(u.state)} — ${String(u.message)}`
  const p = payload as { operation?: string; event?: Record<string, unknown> }
  const e = p.event
  if (!e || typeof e.step !== 'string') return `progress: ${JSON.stringify(payload)}`
  const op = p.operation ?? ''
  switch (e.step) {
    case 'started':
      return `${op}: started`
    case 'finished':
      return `${op}: done`
    case 'failed':
      return `${op}: failed`
    case 'network':
      return `network ${String(e.network)}: ${e.created ? 'created' : 'present'}`
    case 'volumes':
      return `volume ${String(e.name)}: ${e.created ? 'created' : 'present'}`
    case 'images': {
      const pr = e.progress as {
        phase: string
        percent: number
        bytesDone: number
        bytesTotal: number
      }
      // An image found locally was not pulled: "0.0/0.0 MB" would read as an empty download.
      if (pr.phase === 'present') return `image ${String(e.image)}: already present`
      return `image ${String(e.image)}: ${pr.phase} ${Math.round(pr.percent)}% (${(pr.bytesDone / 1e6).toFixed(1)}/${(pr.bytesTotal / 1e6).toFixed(1)} MB)`
    }
    case 'containers':
      return `${String(e.service)}: ${String(e.action)}`
    case 'healthy':
      return `${String(e.service)}: ${String(e.health)}`
    default:
      return `progress: ${JSON.stringify(payload)}`
  }
}

function usageError(message: string): GatehouseErrorData {
  return { code: 'VALIDATION_FAILED', message, hint: 'Run `gatehouse --help` for the usage.' }
}
