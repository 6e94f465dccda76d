#!/usr/bin/env node
// The `gatehouse` command. It runs the built CLI; on a fresh clone it builds once first.
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const entry = join(root, 'out', 'main', 'cli.js')
if (!existsSync(entry)) {
  process.stderr.write('gatehouse: first run, building (npm run build)…\n')
  const built = spawnSync('npm', ['run', '--silent', 'build'], {
    cwd: root,
    stdio: ['ignore', 2, 2],
  })
  if (built.status !== 0) {
    process.stderr.write('gatehouse: the build failed; run `npm ci` first, then `npm run build`.\n')
    process.exit(1)
  }
}
await import(pathToFileURL(entry).href)
