import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { SecretName, SecretsStatus } from '../../../shared/contract'
import type { GatehouseErrorData } from '../../../shared/errors'
import type { Settings, SettingsInput } from '../../../shared/settings'
import { gatehouse } from '../api'
import { attempt, errorData } from '../errors'

export const useSettings = defineStore('settings', () => {
  const settings = ref<Settings | null>(null)
  const loaded = ref(false)
  const loadError = ref<GatehouseErrorData | null>(null)
  const saveError = ref<GatehouseErrorData | null>(null)
  const saving = ref(false)
  const keychain = ref<SecretsStatus | null>(null)

  async function load() {
    await attempt(loadError, async () => (settings.value = await gatehouse.settings.get()))
    loaded.value = true
    await loadKeychain()
  }

  async function loadKeychain() {
    try {
      keychain.value = await gatehouse.secrets.status()
    } catch (error) {
      keychain.value = {
        available: false,
        backend: 'unknown',
        secrets: {} as SecretsStatus['secrets'],
        error: errorData(error),
      }
    }
  }

  /** Returns true when saved; on failure the field errors stay in saveError for the form. */
  function save(input: SettingsInput, smtpPassword: string): Promise<boolean> {
    // The Docker host card (#15) owns kind/ssh/tls: a save from the main form keeps them.
    const kept = settings.value?.docker
    if (kept?.kind && !input.docker?.kind)
      input = { ...input, docker: { ...kept, endpoint: undefined, ...input.docker } }
    return attempt(
      saveError,
      async () => {
        settings.value = await gatehouse.settings.save(input)
        if (smtpPassword) await gatehouse.secrets.setSmtpPassword({ password: smtpPassword })
        await loadKeychain()
      },
      saving,
    )
  }

  /** One secret's value for a reveal or a copy; the caller shows it briefly, it is not kept here. */
  const revealSecret = async (name: SecretName) => (await gatehouse.secrets.reveal({ name })).value

  return {
    settings,
    loaded,
    loadError,
    saveError,
    saving,
    keychain,
    load,
    loadKeychain,
    save,
    revealSecret,
  }
})
