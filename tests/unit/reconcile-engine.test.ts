import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import type { AuthentikRest, JsonObject, Query } from '../../src/main/authentik/rest'
import { owned, ref, type DesiredObject } from '../../src/main/reconcile/desired'
import { reconcile } from '../../src/main/reconcile/engine'
import { kinds } from '../../src/main/reconcile/kinds'

/**
 * Properties of the reconciler on an in-memory server (the schema-checked fake covers the real
 * API in tests/integration/recipes.test.ts): from any starting state, and with the apply cut at
 * any write, a second apply converges, creates no duplicates, and keeps list items the admin
 * added by hand.
 */
class Interrupted extends Error {}

function memoryRest(seed: Record<string, JsonObject[]>, failAt: number | null, failAfter: boolean) {
  const store = new Map<string, JsonObject[]>(
    Object.entries(seed).map(([path, items]) => [path, items.map((i) => structuredClone(i))]),
  )
  let nextPk = 1000
  let writes = 0
  const collection = (path: string) => {
    const base = Object.values(kinds).find((k) => path.startsWith(k.path))?.path ?? path
    if (!store.has(base)) store.set(base, [])
    return { base, items: store.get(base)! }
  }
  const write = <T>(apply: () => T): T => {
    writes += 1
    if (writes === failAt && !failAfter) throw new Interrupted('before')
    const result = apply()
    if (writes === failAt && failAfter) throw new Interrupted('after')
    return result
  }
  const matches = (item: JsonObject, query: Query | undefined) =>
    Object.entries(query ?? {}).every(([key, value]) => {
      if (key === 'page' || key === 'page_size') return true
      const field = key.replace(/__iexact$/, '')
      return key.endsWith('__iexact')
        ? String(item[field]).toLowerCase() === String(value).toLowerCase()
        : String(item[field]) === String(value)
    })
  const byDetail = (path: string) => {
    const { base, items } = collection(path)
    const id = decodeURIComponent(path.slice(base.length).replace(/\/$/, ''))
    const kind = Object.values(kinds).find((k) => k.path === base)!
    const index = items.findIndex((i) => String(i[kind.detailKey]) === id)
    if (index < 0) throw new Error(`404 ${path}`)
    return { items, index }
  }
  const rest: AuthentikRest = {
    stats: { requests: 0, writes: 0 },
    get: async () => ({}) as never,
    page: async () => ({ count: 0, next: 0, results: [] }),
    list: async (path, query) =>
      structuredClone(collection(path).items.filter((i) => matches(i, query))) as never,
    post: async (path, body) =>
      write(() => {
        const created = { ...(body as JsonObject), pk: String(nextPk++) }
        collection(path).items.push(created)
        return structuredClone(created) as never
      }),
    patch: async (path, body) =>
      write(() => {
        const { items, index } = byDetail(path)
        items[index] = { ...items[index]!, ...(body as JsonObject) }
        return structuredClone(items[index]) as never
      }),
    put: async () => {
      throw new Error('not used')
    },
    delete: async (path) =>
      write(() => {
        const { items, index } = byDetail(path)
        items.splice(index, 1)
      }),
  }
  return { rest, store, writes: () => writes }
}

/** A recipe-shaped desired state: a flow, two stages bound in it, an owned list, a removal. */
function desiredState(subject: string, order: number): DesiredObject[] {
  return [
    {
      key: 'flow',
      kind: kinds.flow,
      ensure: 'present',
      identity: { slug: 'f' },
      fields: { title: subject },
    },
    {
      key: 'a',
      kind: kinds.emailStage,
      ensure: 'present',
      identity: { name: 'a' },
      fields: { subject },
    },
    {
      key: 'b',
      kind: kinds.emailStage,
      ensure: 'present',
      identity: { name: 'b' },
      fields: { subject },
    },
    { key: 'old', kind: kinds.passwordPolicy, ensure: 'optional', identity: { name: 'old' } },
    {
      key: 'prompt',
      kind: kinds.promptStage,
      ensure: 'present',
      identity: { name: 'p' },
      fields: { validation_policies: owned([ref('a')], [ref('old')]) },
    },
    {
      key: 'bind-a',
      kind: kinds.binding,
      ensure: 'present',
      identity: { target: ref('flow'), stage: ref('a') },
      fields: { order },
    },
    {
      key: 'bind-b',
      kind: kinds.binding,
      ensure: 'absent',
      identity: { target: ref('flow'), stage: ref('b') },
    },
  ]
}

const startingState = fc.record({
  flowExists: fc.boolean(),
  stageA: fc.option(fc.string({ maxLength: 5 })),
  promptExtra: fc.array(fc.constantFrom('hand-1', 'hand-2'), { maxLength: 2 }),
  oldPolicy: fc.boolean(),
  bindB: fc.boolean(),
})

type StartingState = typeof startingState extends fc.Arbitrary<infer T> ? T : never

function seedFor(s: StartingState) {
  const seed: Record<string, JsonObject[]> = {
    [kinds.flow.path]: s.flowExists ? [{ pk: 'F', slug: 'f', title: 'x' }] : [],
    [kinds.emailStage.path]: [
      ...(s.stageA !== null ? [{ pk: 'A', name: 'a', subject: s.stageA }] : []),
      { pk: 'B', name: 'b', subject: 'y' },
    ],
    [kinds.passwordPolicy.path]: s.oldPolicy ? [{ pk: 'OLD', name: 'old' }] : [],
    [kinds.promptStage.path]: [
      {
        pk: 'P',
        name: 'p',
        validation_policies: [...s.promptExtra, ...(s.oldPolicy ? ['OLD'] : [])],
      },
    ],
    [kinds.binding.path]:
      s.flowExists && s.bindB ? [{ pk: 'BB', target: 'F', stage: 'B', order: 5 }] : [],
  }
  return seed
}

describe('reconciler', () => {
  test('from any state, an apply cut at any write converges on the next apply with no duplicates', async () => {
    await fc.assert(
      fc.asyncProperty(
        startingState,
        fc.string({ minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        async (start, subject, order, failAt, failAfter) => {
          const desired = desiredState(subject, order)
          const server = memoryRest(seedFor(start), failAt, failAfter)
          await reconcile(server.rest, desired, { dryRun: false }).catch((error: unknown) => {
            if (!(error instanceof Interrupted)) throw error
          })
          const healed = memoryRest(Object.fromEntries(server.store), null, false)
          await reconcile(healed.rest, desired, { dryRun: false })
          const plan = await reconcile(healed.rest, desired, { dryRun: true })
          expect(plan.steps.filter((s) => s.action !== 'unchanged')).toEqual([])
          const store = healed.store
          // No duplicates of anything identified by name/slug, exactly one binding of a.
          for (const [path, items] of store) {
            const names = items.map((i) => i.name ?? i.slug).filter((n) => n !== undefined)
            expect(new Set(names).size, path).toBe(names.length)
          }
          const bindings = store.get(kinds.binding.path) ?? []
          const flowPk = store.get(kinds.flow.path)![0]!.pk
          const stageA = store.get(kinds.emailStage.path)!.find((s) => s.name === 'a')!
          expect(bindings.filter((b) => b.stage === stageA.pk && b.target === flowPk)).toHaveLength(
            1,
          )
          expect(bindings.some((b) => b.stage === 'B' && b.target === flowPk)).toBe(false)
          // Hand-added validation policies stay; the owned one is in; the removed one is out.
          const prompt = store.get(kinds.promptStage.path)!.find((p) => p.name === 'p')!
          const policies = prompt.validation_policies as string[]
          for (const extra of start.promptExtra) expect(policies).toContain(extra)
          expect(policies).toContain(stageA.pk)
          expect(policies).not.toContain('OLD')
        },
      ),
      { numRuns: 300 },
    )
  })

  test('a plan writes nothing and an apply writes exactly what the plan listed', async () => {
    await fc.assert(
      fc.asyncProperty(startingState, fc.string({ maxLength: 8 }), async (start, subject) => {
        const desired = desiredState(subject, 10)
        const server = memoryRest(seedFor(start), null, false)
        const plan = await reconcile(server.rest, desired, { dryRun: true })
        expect(server.writes()).toBe(0)
        await reconcile(server.rest, desired, { dryRun: false })
        expect(server.writes()).toBe(plan.steps.filter((s) => s.action !== 'unchanged').length)
      }),
      { numRuns: 200 },
    )
  })

  test('two objects with the same identity stop the plan and name both', async () => {
    const server = memoryRest(
      {
        [kinds.emailStage.path]: [
          { pk: 'A1', name: 'a' },
          { pk: 'A2', name: 'a' },
        ],
      },
      null,
      false,
    )
    const error = await reconcile(server.rest, desiredState('s', 1), { dryRun: true }).catch(
      (e: unknown) => e as { code?: string; message?: string },
    )
    expect(error).toMatchObject({ code: 'RECONCILE_AMBIGUOUS' })
    expect((error as { message: string }).message).toMatch(/A1.*A2/)
  })
})
