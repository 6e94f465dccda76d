import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { AppInfo } from '../../../shared/contract'
import type { GatehouseErrorData } from '../../../shared/errors'
import { GatehouseError } from '../../../shared/errors'
import { gatehouse } from '../api'

export const useAppInfo = defineStore('app-info', () => {
  const info = ref<AppInfo | null>(null)
  const error = ref<GatehouseErrorData | null>(null)
  const loading = ref(false)

  async function load() {
    loading.value = true
    error.value = null
    try {
      info.value = await gatehouse.app.info()
    } catch (e) {
      error.value =
        e instanceof GatehouseError
          ? e.toData()
          : { code: 'INTERNAL', message: String(e), hint: 'Reload the window.' }
    } finally {
      loading.value = false
    }
  }

  return { info, error, loading, load }
})
