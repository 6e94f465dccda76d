/**
 * How long the secret vault takes to unlock (what `serve` does once at start and the CLI once per
 * run) at each scrypt cost from 2^14 to 2^18 (memory 128·r·N = N KiB), against a peer in the same run: Node's own native
 * `crypto.scrypt` at the same N, r = 8, p = 1 (the floor: age's scrypt is @noble/hashes in plain
 * JavaScript). Also one write (age derives a fresh key per file, so every write costs one scrypt).
 * The product's cost is marked; the target is an unlock under 1 s on this machine.
 *
 * The vault holds the product's real payload size: six 64-character secrets and two integration
 * secrets. Runs alternate between the two sides so machine load hits both alike.
 */
import { scrypt } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateSecret } from '../src/main/secrets/generate'
import { secretNames } from '../src/main/secrets/store'
import { vaultScryptLogN } from '../src/main/secrets/vault-file'
import { createVault, unlockVault } from '../src/main/secrets/vault-store'

const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const costs = [14, 15, 16, 17, 18]
const passphrase = 'correct horse battery staple'

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

function nodeScrypt(logN: number): Promise<number> {
  const t = performance.now()
  return new Promise((resolve, reject) =>
    scrypt(
      passphrase,
      'age-encryption.org/v1/scrypt0123456789abcdef',
      32,
      { N: 2 ** logN, r: 8, p: 1, maxmem: 2 ** 30 },
      (error) => (error ? reject(error) : resolve(performance.now() - t)),
    ),
  )
}

const work = mkdtempSync(join(tmpdir(), 'gh-bench-vault-'))
try {
  console.log(
    `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ${RUNS} runs each, medians`,
  )
  console.log('log2 N | memory  | unlock (age) | one write (age) | node crypto.scrypt | age/node')
  for (const logN of costs) {
    const path = join(work, `vault-${logN}.age`)
    const vault = await createVault({ path, passphrase, scryptLogN: logN })
    for (const name of secretNames) await vault.set(name, generateSecret())
    await vault.set('integration:immich:clientSecret', generateSecret())
    await vault.set('integration:servarr:password:radarr', generateSecret())

    const unlock: number[] = []
    const write: number[] = []
    const native: number[] = []
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now()
      const opened = await unlockVault({ path, passphrase, scryptLogN: logN })
      unlock.push(performance.now() - t)
      if ((await opened.get('postgresPassword'))?.length !== 64) throw new Error('bad read')
      t = performance.now()
      await opened.set('smtpPassword', generateSecret())
      write.push(performance.now() - t)
      native.push(await nodeScrypt(logN))
    }
    const u = median(unlock)
    const n = median(native)
    const mark = logN === vaultScryptLogN ? '  ← Gatehouse' : ''
    console.log(
      `${String(logN).padStart(6)} | ${String(2 ** logN / 1024).padStart(4)} MiB | ${u.toFixed(0).padStart(9)} ms | ${median(write).toFixed(0).padStart(12)} ms | ${n.toFixed(0).padStart(15)} ms | ${(u / n).toFixed(2).padStart(8)}${mark}`,
    )
    if (logN === vaultScryptLogN && u >= 1000) {
      console.log(`target missed: unlock at 2^${logN} took ${u.toFixed(0)} ms (≥ 1 s)`)
      process.exitCode = 1
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}
