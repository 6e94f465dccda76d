import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { DockerStatus } from '../../../shared/contract'
import { GatehouseError } from '../../../shared/errors'
import { gatehouse } from '../api'

export type DockerIndicator = { state: 'checking' } | DockerStatus

/** The engine indicator of the status strip: one ping at start, then the pushed status stream. */
export const useDockerStatus = defineStore('docker-status', () => {
  const status = ref<DockerIndicator>({ state: 'checking' })
  let stop: (() => void) | null = null

  async function refresh() {
    const checkedAt = new Date().toISOString()
    try {
      status.value = { state: 'up', engine: await gatehouse.docker.ping(), checkedAt }
    } catch (error) {
      const e = error instanceof GatehouseError ? error : null
      status.value = {
        state: 'down',
        endpoint: (e?.details?.endpoint as string | undefined) ?? '',
        message: e?.message ?? String(error),
        hint: e?.hint ?? '',
        checkedAt,
      }
    }
  }

  function follow() {
    if (stop) return
    void refresh()
    stop = gatehouse.on('docker.status', (next) => (status.value = next))
  }

  return { status, refresh, follow }
})
