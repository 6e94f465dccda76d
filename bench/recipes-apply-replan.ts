/**
 * Setup recipes against the schema-checked fake Authentik of each supported version: "apply all"
 * (R2, R4–R9) on a fresh install, then a re-plan of every recipe on the configured server. Prints
 * API calls, writes and wall time of each phase; the target is a re-plan in ≤ 1 s with 0 writes.
 * The fake answers from memory over loopback HTTP, so times are Gatehouse's own cost plus HTTP and
 * schema validation, not a real server's database work.
 */
import type { RecipeId } from '../src/shared/contract'
import type { FakeVersion } from '../tests/fakes/authentik/server'
import { DOMAIN, planThenApply, startRecipeHarness } from '../tests/support/recipe-harness'

const ids: RecipeId[] = ['r2', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9']
const params: Partial<Record<RecipeId, Record<string, unknown>>> = {
  r9: { host: `sonarr.${DOMAIN}` },
}
const RUNS = Number(process.env.BENCH_RUNS ?? 5)

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

async function once(version: FakeVersion) {
  const h = await startRecipeHarness(version)
  try {
    // Warm the connection (version detection) so it is not billed to the first phase.
    await h.client.authentik.status()
    const log = h.fake.state.requestLog
    let mark = log.length
    let t = performance.now()
    for (const id of ids) {
      // Plan, then apply that plan (what the UI and CLI do since #14): both are billed to apply.
      const result = await planThenApply(h.client, { id, params: params[id] })
      if (!result.completed)
        throw new Error(`${id} did not complete: ${JSON.stringify(result.error)}`)
    }
    const applyMs = performance.now() - t
    const applyCalls = log.length - mark
    const applyWrites = log.slice(mark).filter((r) => r.method !== 'GET').length

    mark = log.length
    t = performance.now()
    let pending = 0
    for (const id of ids) {
      const plan = await h.client.recipes.plan({ id, params: params[id] })
      pending += plan.steps.filter((s) => s.action !== 'unchanged').length
    }
    const replanMs = performance.now() - t
    const replanCalls = log.length - mark
    const replanWrites = log.slice(mark).filter((r) => r.method !== 'GET').length
    if (h.fake.schemaViolations.length) throw new Error(h.fake.schemaViolations.join('\n'))
    return { applyMs, applyCalls, applyWrites, replanMs, replanCalls, replanWrites, pending }
  } finally {
    await h.close()
  }
}

for (const version of ['2025.6.3', '2026.8.3'] as FakeVersion[]) {
  const runs = []
  for (let i = 0; i < RUNS; i++) runs.push(await once(version))
  const last = runs.at(-1)!
  const replanMs = median(runs.map((r) => r.replanMs))
  console.log(
    `Authentik ${version} (fake), ${RUNS} runs, medians:\n` +
      `  apply all (R2, R4–R9) on a fresh install: ${median(runs.map((r) => r.applyMs)).toFixed(0)} ms, ` +
      `${last.applyCalls} API calls, ${last.applyWrites} writes\n` +
      `  re-plan all on the configured server:      ${replanMs.toFixed(0)} ms, ` +
      `${last.replanCalls} API calls, ${last.replanWrites} writes, ${last.pending} pending changes\n` +
      `  target re-plan ≤ 1000 ms and 0 writes: ${replanMs <= 1000 && last.replanWrites === 0 && last.pending === 0 ? 'met' : 'NOT MET'}`,
  )
}
