import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { AuthentikStatus } from '../../../shared/contract'
import { gatehouse } from '../api'
import { errorData } from '../errors'

/** Authentik's reachability and version for the status strip and the Setup panel. */
export const useAuthentik = defineStore('authentik', () => {
  const status = ref<AuthentikStatus | null>(null)
  async function refresh() {
    try {
      status.value = await gatehouse.authentik.status()
    } catch (error) {
      status.value = {
        configured: false,
        baseUrl: null,
        reachable: false,
        version: null,
        tokenSource: 'none',
        error: errorData(error),
      }
    }
  }
  return { status, refresh }
})
