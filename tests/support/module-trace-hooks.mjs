// Resolve hook of module-trace.mjs (runs on Node's loader thread).
import { appendFileSync } from 'node:fs'

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context)
  const file = process.env.GATEHOUSE_MODULE_TRACE
  if (file) appendFileSync(file, `${result.url}\n`)
  return result
}
