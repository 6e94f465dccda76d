// `node --import ./tests/support/module-trace.mjs …`: appends the URL of every ES module the
// process resolves to the file named by GATEHOUSE_MODULE_TRACE, so a test can tell which
// packages a command loaded (tests/integration/cli.test.ts: what `docker ping` loads).
import { register } from 'node:module'

register('./module-trace-hooks.mjs', import.meta.url)
