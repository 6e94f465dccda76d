import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { AppInfo } from '../../../shared/contract'
import type { GatehouseErrorData } from '../../../shared/errors'
import { gatehouse } from '../api'
import { attempt } from '../errors'

export const useAppInfo = defineStore('app-info', () => {
  const info = ref<AppInfo | null>(null)
  const error = ref<GatehouseErrorData | null>(null)
  const loading = ref(false)

  async function load() {
    await attempt(error, async () => (info.value = await gatehouse.app.info()), loading)
  }

  return { info, error, loading, load }
})
