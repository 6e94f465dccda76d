/**
 * `npm run bench`: every benchmark of bench/, one after the other, each in its own process so
 * one's engine or browser state cannot skew the next. `npm run bench -- <name>` runs only those
 * whose file name contains <name>.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const filters = process.argv.slice(2)
const benches = readdirSync(here)
  .filter((file) => file.endsWith('.ts') && file !== 'run-all.ts' && !file.startsWith('_'))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort()

let failed = 0
for (const file of benches) {
  console.log(`\n=== ${file} ===`)
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(here, file)], {
    stdio: 'inherit',
  })
  if (run.status !== 0) {
    failed += 1
    console.log(`${file} failed (exit ${String(run.status)})`)
  }
}
process.exit(failed === 0 ? 0 : 1)
