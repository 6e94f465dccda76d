import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type {
  InputOf,
  LogLine,
  StackOperation,
  StackProgressEvent,
  StackStatus,
} from '../../../shared/contract'
import type { GatehouseErrorData } from '../../../shared/errors'
import { gatehouse } from '../api'
import { errorData } from '../errors'

export type PullBar = StackProgressEvent['event'] & { step: 'images' }

export interface Run {
  operation: StackOperation
  runId: string
  state: 'running' | 'finished' | 'failed'
  /** The step list that ticks off: network → volumes → images → containers → healthy. */
  steps: Record<
    'network' | 'volumes' | 'images' | 'containers' | 'healthy',
    'waiting' | 'active' | 'done'
  >
  pulls: Record<string, PullBar['progress']>
  lines: string[]
  error: GatehouseErrorData | null
}

const ORDER = ['network', 'volumes', 'images', 'containers', 'healthy'] as const

function newRun(
  operation: StackOperation,
  runId: string,
  state: Run['state'],
  error: GatehouseErrorData | null,
): Run {
  const steps = Object.fromEntries(ORDER.map((s) => [s, 'waiting'])) as Run['steps']
  return { operation, runId, state, steps, pulls: {}, lines: [], error }
}

/**
 * The stack card's state. Progress lives here, not in a component, so the admin can leave the
 * Dashboard during a Start and come back to the same step list.
 */
export const useStack = defineStore('stack', () => {
  const status = ref<StackStatus | null>(null)
  const loadError = ref<GatehouseErrorData | null>(null)
  const run = ref<Run | null>(null)
  const busy = computed(() => run.value?.state === 'running')
  let following = false

  async function refresh() {
    try {
      status.value = await gatehouse.stack.status()
      loadError.value = null
    } catch (error) {
      loadError.value = errorData(error)
    }
  }

  function onProgress(p: StackProgressEvent) {
    const e = p.event
    if (e.step === 'started' || !run.value || run.value.runId !== p.runId) {
      run.value = newRun(p.operation, p.runId, 'running', null)
      if (e.step === 'started') return
    }
    const r = run.value
    if (e.step === 'finished') {
      r.state = 'finished'
      for (const s of ORDER)
        if (r.steps[s] !== 'waiting' || p.operation === 'up') r.steps[s] = 'done'
      void refresh()
      return
    }
    if (e.step === 'failed') {
      r.state = 'failed'
      r.error = e.error
      void refresh()
      return
    }
    // Reaching a step completes the ones before it.
    const index = ORDER.indexOf(e.step)
    ORDER.forEach((s, i) => {
      if (i < index) r.steps[s] = 'done'
    })
    r.steps[e.step] = 'active'
    if (e.step === 'images') r.pulls[e.image] = e.progress
    else if (e.step === 'network')
      r.lines.push(
        `Network ${e.network} ${e.created ? 'created' : 'present'}${e.note ? `: ${e.note}` : ''}`,
      )
    else if (e.step === 'volumes')
      r.lines.push(`Volume ${e.name} ${e.created ? 'created' : 'present'}`)
    else if (e.step === 'containers') r.lines.push(`${e.service}: ${e.action}`)
    else if (e.step === 'healthy') r.lines.push(`${e.service}: ${e.health}`)
    if (r.lines.length > 200) r.lines.splice(0, r.lines.length - 200)
  }

  function follow() {
    if (following) return
    following = true
    gatehouse.on('stack.progress', onProgress)
    void refresh()
  }

  async function perform(operation: 'up' | 'stop' | 'restart' | 'down') {
    try {
      await gatehouse.stack[operation]()
    } catch (error) {
      // The failure also arrives as a progress event; a refusal (busy, not configured) does not.
      if (!run.value || run.value.state !== 'failed') {
        run.value = newRun(operation, 'local', 'failed', errorData(error))
      }
    }
    await refresh()
  }

  // The Dashboard's tools and logs: thin calls, their results belong to the component showing them.
  const testEmail = (to: string) => gatehouse.stack.testEmail({ to })
  const exportStack = (input: InputOf<'stack.export'>) => gatehouse.stack.export(input)
  async function removeVolumes(confirm: string) {
    try {
      return await gatehouse.stack.removeVolumes({ confirm })
    } finally {
      await refresh()
    }
  }
  const logs = (input: InputOf<'stack.logs'>) => gatehouse.stack.logs(input)
  /** Live log lines until the returned function is called (main stops when nobody listens). */
  const followLogs = (listener: (lines: LogLine[]) => void) =>
    gatehouse.on('stack.logs', (p) => listener(p.lines))

  return {
    status,
    loadError,
    run,
    busy,
    refresh,
    follow,
    perform,
    testEmail,
    exportStack,
    removeVolumes,
    logs,
    followLogs,
  }
})
