import { defineStore } from 'pinia'
import { reactive, ref } from 'vue'
import type {
  ConfiguredIntegration,
  IntegrationCard,
  IntegrationCheck,
  IntegrationId,
  IntegrationInfo,
  IntegrationRemovePlan,
} from '../../../shared/contract'
import { GatehouseError, type GatehouseErrorData } from '../../../shared/errors'
import { gatehouse } from '../api'
import { attempt, errorData } from '../errors'

/**
 * The Integrations panel: the catalogue, what Gatehouse configured (status, last check) and the
 * app-side cards. Forms (which may hold a typed password) live in their component, and secrets
 * are never kept here: a revealed value exists only while the card shows or copies it.
 */
export const useIntegrations = defineStore('integrations', () => {
  const catalog = ref<IntegrationInfo[]>([])
  const configured = ref<ConfiguredIntegration[]>([])
  const loadError = ref<GatehouseErrorData | null>(null)
  const loading = ref(false)
  const cards = reactive<Partial<Record<IntegrationId, IntegrationCard>>>({})
  const checking = reactive<Partial<Record<IntegrationId, boolean>>>({})
  const checkErrors = reactive<Partial<Record<IntegrationId, GatehouseErrorData>>>({})
  /** Step index → status while an apply or removal runs, per integration. */
  const live = reactive<Partial<Record<IntegrationId, Record<number, 'running' | 'done'>>>>({})
  let subscribed = false

  async function load() {
    loading.value = true
    try {
      if (catalog.value.length === 0) catalog.value = await gatehouse.integrations.catalog()
      configured.value = await gatehouse.integrations.list()
      loadError.value = null
      await Promise.all(configured.value.map((c) => loadCard(c.id)))
    } catch (error) {
      loadError.value = errorData(error)
    } finally {
      loading.value = false
    }
    if (!subscribed) {
      subscribed = true
      gatehouse.on('integrations.progress', (p) => {
        live[p.id] = { ...(live[p.id] ?? {}), [p.index]: p.status }
      })
    }
  }

  async function loadCard(id: IntegrationId) {
    try {
      cards[id] = await gatehouse.integrations.card({ id })
    } catch {
      // Not configured (yet): no card.
    }
  }

  async function check(id: IntegrationId): Promise<IntegrationCheck | null> {
    checking[id] = true
    delete checkErrors[id]
    try {
      const result = await gatehouse.integrations.check({ id })
      const entry = configured.value.find((c) => c.id === id)
      if (entry) entry.lastCheck = result
      return result
    } catch (error) {
      checkErrors[id] = errorData(error)
      return null
    } finally {
      checking[id] = false
    }
  }

  const info = (id: IntegrationId) => catalog.value.find((c) => c.id === id)

  // The form's plan and apply: the parameters (typed passwords among them) are passed through,
  // never kept here.
  const plan = (id: IntegrationId, params: Record<string, unknown>) =>
    gatehouse.integrations.plan({ id, params })
  /** Applies the plan `planId` (made from these same parameters) and nothing else. */
  async function apply(id: IntegrationId, params: Record<string, unknown>, planId: string) {
    live[id] = {}
    return gatehouse.integrations.apply({ id, params, planId })
  }
  /** A secret of an app-side card, for one reveal or copy; the caller drops it again. */
  const revealSecret = async (id: IntegrationId, secret: string) =>
    (await gatehouse.integrations.revealSecret({ id, secret })).value

  // Removal: the plan first (what Authentik will delete), then the removal it confirms.
  const removing = ref<IntegrationId | null>(null)
  const removal = ref<IntegrationRemovePlan | null>(null)
  const deleteShared = ref(false)
  const removeError = ref<GatehouseErrorData | null>(null)
  const removeBusy = ref(false)

  const removeParams = () => ({ params: { deleteShared: deleteShared.value } })
  async function planRemoval(id: IntegrationId) {
    removing.value = id
    removal.value = null
    await attempt(
      removeError,
      async () =>
        (removal.value = await gatehouse.integrations.removePlan({ id, ...removeParams() })),
    )
  }

  /** Resolves true once Authentik no longer has the integration's objects. */
  async function remove(): Promise<boolean> {
    const id = removing.value
    if (!id) return false
    let removed = false
    await attempt(
      removeError,
      async () => {
        const result = await gatehouse.integrations.removeApply({ id, ...removeParams() })
        if (result.error) throw new GatehouseError(result.error)
        delete cards[id]
        removing.value = null
        deleteShared.value = false
        removed = true
        await load()
      },
      removeBusy,
    )
    return removed
  }

  return {
    catalog,
    configured,
    loadError,
    loading,
    cards,
    checking,
    checkErrors,
    live,
    load,
    loadCard,
    check,
    info,
    plan,
    apply,
    revealSecret,
    removing,
    removal,
    deleteShared,
    removeError,
    removeBusy,
    planRemoval,
    remove,
  }
})
