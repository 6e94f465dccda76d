/**
 * Child process for the vault's crash test: unlocks the vault given as argv[2] (passphrase on
 * stdin, never in argv or env), then rewrites `postgresPassword` with an increasing counter as
 * fast as it can, printing each counter once its write has returned. The test SIGKILLs it at a
 * random moment and checks that the file still opens with a value no older than the last one
 * printed.
 */
import { readFileSync } from 'node:fs'
import { unlockVault } from '../../src/main/secrets/vault-store'

const path = process.argv[2]!
const logN = Number(process.argv[3] ?? '10')
const passphrase = readFileSync(0, 'utf8').trim()
const vault = await unlockVault({ path, passphrase, scryptLogN: logN })
const start = Number((await vault.get('postgresPassword'))?.split('-')[1] ?? '0')
process.stdout.write(`ready ${start}\n`)
for (let n = start + 1; ; n++) {
  // Big enough that a write takes several syscalls: a kill can land in the middle of one.
  await vault.set('postgresPassword', `counter-${n}-${'x'.repeat(200_000)}`)
  process.stdout.write(`wrote ${n}\n`)
}
