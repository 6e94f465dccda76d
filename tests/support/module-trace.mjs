// `node --import ./tests/support/module-trace.mjs …`: appends the URL of every module the
// process resolves — ES modules through a resolve hook, CommonJS `require()`s (also those made
// through createRequire, as the engine loads dockerode) through Module._resolveFilename — to the
// file named by GATEHOUSE_MODULE_TRACE, so a test can tell which packages a command loaded
// (tests/integration/cli.test.ts: what `docker ping` loads).
import { appendFileSync } from 'node:fs'
import Module, { register } from 'node:module'
import { pathToFileURL } from 'node:url'

register('./module-trace-hooks.mjs', import.meta.url)

const file = process.env.GATEHOUSE_MODULE_TRACE
if (file) {
  const resolveFilename = Module._resolveFilename
  Module._resolveFilename = function (...args) {
    const resolved = resolveFilename.apply(this, args)
    appendFileSync(
      file,
      (resolved.startsWith('/') ? pathToFileURL(resolved).href : resolved) + '\n',
    )
    return resolved
  }
}
