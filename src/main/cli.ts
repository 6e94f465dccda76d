/** Entry of the `gatehouse` command (bin/gatehouse.mjs loads the built copy of this file). */
import { readFile, writeFile } from 'node:fs/promises'
import { createLocalBridge } from './core/local-bridge'
import { runCli } from './hosts/cli/cli'
import { createServices } from './services'
import { secretsForCli } from './secrets/choose-store'

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

// The secret store (keychain or vault, #21): `secrets init-vault|migrate` run and exit here.
const secretSetup = await secretsForCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text + '\n'),
  stderr: (text) => process.stderr.write(text + '\n'),
})
if (secretSetup.exitCode !== undefined) process.exit(secretSetup.exitCode)

const services = createServices({
  host: 'cli',
  ...secretSetup.options,
})
const bridge = createLocalBridge(services.dispatcher, services.bus, { host: 'cli' })
const code = await runCli(secretSetup.argv, bridge, {
  stdout: (text) => process.stdout.write(text + '\n'),
  stderr: (text) => process.stderr.write(text + '\n'),
  readStdin,
  interrupted: new Promise<void>((resolve) => process.once('SIGINT', () => resolve())),
  readFile: (path) => readFile(path, 'utf8'),
  // A saved plan names the admin's objects and parameters: readable by its owner only.
  writeFile: (path, text) => writeFile(path, text, { mode: 0o600 }),
})
await services.dispose()
process.exitCode = code
