import { readFileSync, statSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { GatehouseError } from '../../shared/errors'

/**
 * Where the vault passphrase comes from. It is never an argument or an environment variable (both
 * are readable in /proc by other processes and inherited by children): either a file given by
 * path (`--passphrase-file`, e.g. a systemd credential, a Docker secret, or /dev/fd/3), or the
 * terminal with echo off.
 */
export type PassphraseSource = { kind: 'file'; path: string } | { kind: 'terminal' }

export interface PassphraseIO {
  /** Prompts and warnings; never given the passphrase. */
  stderr: (text: string) => void
}

/**
 * Takes `--passphrase-file <path>` / `--passphrase-file=<path>` out of a command line. A relative
 * path is read from where the user typed the command (`npm run` moves into the package folder
 * and says where it came from in INIT_CWD).
 */
export function takePassphraseFileOption(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): { argv: string[]; file?: string; error?: string } {
  const rest: string[] = []
  let file: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    let value: string | undefined
    if (arg === '--passphrase-file') {
      value = argv[++i]
      if (value === undefined || value === '') {
        return { argv: rest, error: '--passphrase-file needs the path of a file.' }
      }
    } else if (arg.startsWith('--passphrase-file=')) {
      value = arg.slice('--passphrase-file='.length)
      if (!value) return { argv: rest, error: '--passphrase-file needs the path of a file.' }
    } else {
      rest.push(arg)
      continue
    }
    file = isAbsolute(value) ? value : resolve(env.INIT_CWD ?? process.cwd(), value)
  }
  return { argv: rest, ...(file ? { file } : {}) }
}

/** The first line of the file, without its line ending; anything after it is ignored. */
export function readPassphraseFile(path: string, io: PassphraseIO): string {
  let raw: string
  try {
    // /dev/fd/N is read through the descriptor itself: opening the path fails when N is a
    // socket (what Node and some supervisors hand over), while reading the fd works for all.
    const fd = /^\/(?:dev|proc\/self)\/fd\/(\d+)$/.exec(path)?.[1]
    raw = fd !== undefined ? readFileSync(Number(fd), 'utf8') : readFileSync(path, 'utf8')
  } catch (error) {
    throw new GatehouseError({
      code: 'VAULT_LOCKED',
      message: `The passphrase file ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
      hint: 'Give the path of a readable file that holds the vault passphrase on its first line.',
      details: { path },
    })
  }
  try {
    const info = statSync(path)
    if (info.isFile() && (info.mode & 0o077) !== 0) {
      io.stderr(
        `warning: the passphrase file ${path} is readable by other users (mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}); chmod 600 it.`,
      )
    }
  } catch {
    // A pipe (/dev/fd/3) that was read to its end may be gone: nothing to check then.
  }
  const passphrase = raw.split(/\r?\n/, 1)[0] ?? ''
  if (!passphrase) {
    throw new GatehouseError({
      code: 'VAULT_LOCKED',
      message: `The passphrase file ${path} is empty.`,
      hint: 'Put the vault passphrase on the first line of the file.',
      details: { path },
    })
  }
  return passphrase
}

function noTerminal(): GatehouseError {
  return new GatehouseError({
    code: 'VAULT_LOCKED',
    message:
      'The secret vault needs its passphrase, and there is no terminal to ask it on (stdin is not a TTY).',
    hint: 'Pass --passphrase-file <path> (a file readable only by you, a systemd credential, a Docker secret or /dev/fd/N).',
  })
}

// What was typed after the Enter that ended one prompt (a fast typist, a paste of two lines):
// kept for the next prompt instead of being lost.
let typedAhead = ''

/** Reads one line from the terminal with echo off (raw mode: nothing typed is shown). */
export function promptHidden(prompt: string): Promise<string> {
  const input = process.stdin
  if (!input.isTTY) return Promise.reject(noTerminal())
  // Echo goes off before the prompt shows: whatever is typed once it is visible stays hidden.
  input.setRawMode(true)
  // Written straight to the terminal so the cursor waits on the prompt's line.
  process.stderr.write(prompt)
  return new Promise((resolvePassphrase, reject) => {
    let value = ''
    const finish = () => {
      input.off('data', onData)
      input.setRawMode(false)
      input.pause()
      process.stderr.write('\n')
    }
    /** True when the line is complete (or abandoned). */
    const take = (text: string): boolean => {
      const chars = [...text]
      for (let i = 0; i < chars.length; i++) {
        const ch = chars[i]!
        if (ch === '\r' || ch === '\n') {
          typedAhead = chars
            .slice(i + 1)
            .join('')
            .replace(/^\n/, '')
          finish()
          resolvePassphrase(value)
          return true
        }
        if (ch === '\u0003' || ch === '\u0004') {
          // Ctrl-C / Ctrl-D: give up without a passphrase.
          typedAhead = ''
          finish()
          reject(
            new GatehouseError({
              code: 'VAULT_LOCKED',
              message: 'No passphrase was entered.',
              hint: 'Run the command again and type the vault passphrase, or pass --passphrase-file.',
            }),
          )
          return true
        }
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('')
        else if (ch === '\u0015') value = ''
        else if (ch >= ' ') value += ch
      }
      return false
    }
    const onData = (chunk: Buffer) => void take(chunk.toString('utf8'))
    input.resume()
    input.on('data', onData)
    const ahead = typedAhead
    typedAhead = ''
    if (ahead) take(ahead)
  })
}

/** The passphrase of an existing vault: from the file, or asked once on the terminal. */
export async function readPassphrase(
  source: PassphraseSource,
  io: PassphraseIO,
  what = 'Vault passphrase: ',
): Promise<string> {
  if (source.kind === 'file') return readPassphraseFile(source.path, io)
  return promptHidden(what)
}

/** A new passphrase: from the file, or typed twice on the terminal (both must match). */
export async function readNewPassphrase(source: PassphraseSource, io: PassphraseIO) {
  if (source.kind === 'file') return readPassphraseFile(source.path, io)
  const first = await promptHidden('New vault passphrase: ')
  const second = await promptHidden('Type it again: ')
  if (first !== second) {
    throw new GatehouseError({
      code: 'VALIDATION_FAILED',
      message: 'The two passphrases differ; nothing was created.',
      hint: 'Run the command again and type the same passphrase twice.',
    })
  }
  return first
}
