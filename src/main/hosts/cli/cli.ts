import { z } from 'zod'
import {
  contract,
  isMethodName,
  methodNames,
  specOf,
  type GatehouseBridge,
} from '../../../shared/contract'
import type { GatehouseErrorData } from '../../../shared/errors'

export interface CliIO {
  stdout: (text: string) => void
  stderr: (text: string) => void
  readStdin: () => Promise<string>
}

const USAGE = `Usage: gatehouse <domain> <method> [--json '{…}' | --json -]

Calls one method of the Gatehouse contract and prints its result as JSON on stdout.
On failure it prints the error and a hint on stderr and exits non-zero
(1: the method failed, 2: the command line or its input is wrong).`

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
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--json') {
      json = argv[++i]
      if (json === undefined) {
        printError(io, usageError('--json needs a value: a JSON object, or - to read stdin.'))
        return 2
      }
    } else if (arg.startsWith('--json=')) json = arg.slice('--json='.length)
    else if (arg.startsWith('-')) {
      printError(io, usageError(`Unknown option ${arg}.`))
      return 2
    } else positional.push(arg)
  }
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
  specOf(method) // the contract knows it; the bridge validates the input
  const envelope = await bridge.invoke(method, input as never)
  if (!envelope.ok) {
    printError(io, envelope.error)
    return envelope.error.code === 'VALIDATION_FAILED' ? 2 : 1
  }
  io.stdout(JSON.stringify(envelope.value, null, 2))
  return 0
}

function usageError(message: string): GatehouseErrorData {
  return { code: 'VALIDATION_FAILED', message, hint: 'Run `gatehouse --help` for the usage.' }
}
