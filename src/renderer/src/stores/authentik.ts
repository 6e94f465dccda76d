import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { AuthentikStatus, OutputOf } from '../../../shared/contract'
import type { GatehouseErrorData } from '../../../shared/errors'
import { gatehouse } from '../api'
import { attempt, errorData } from '../errors'

type Certificate = OutputOf<'authentik.inspectCertificate'>

/**
 * Authentik's reachability and version for the status strip and the Setup panel, the wait until
 * it is ready (its phase lives here, so leaving the panel loses nothing) and the trust-on-first-use
 * of a self-signed certificate.
 */
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

  const waiting = ref(false)
  const phase = ref('')
  /** Why the last wait or certificate look-up failed (shown on the Authentik card). */
  const error = ref<GatehouseErrorData | null>(null)

  async function waitReady() {
    const off = gatehouse.on('authentik.progress', (p) => {
      phase.value = p.done ? `${p.phase}: done` : `${p.phase}: ${p.observed}`
    })
    await attempt(
      error,
      async () => {
        await gatehouse.authentik.waitReady({ timeoutMs: 180_000 })
        await refresh()
      },
      waiting,
    )
    off()
  }

  const certificate = ref<Certificate | null>(null)
  async function inspectCertificate() {
    await attempt(
      error,
      async () => (certificate.value = await gatehouse.authentik.inspectCertificate()),
    )
  }
  /** Trusts exactly the certificate the admin compared, then asks Authentik again. */
  async function trustCertificate() {
    if (!certificate.value) return
    await gatehouse.authentik.trustCertificate({ sha256: certificate.value.fingerprint })
    certificate.value = null
    await refresh()
  }

  const connecting = ref(false)
  const connectError = ref<GatehouseErrorData | null>(null)
  /**
   * An Authentik Gatehouse did not start: the address and a token the admin pasted. The token
   * goes straight to the main process (which checks it and keeps it in the keychain); the form
   * clears it, and it is never kept in this store.
   */
  async function connectExisting(url: string, token: string): Promise<string | null> {
    let username: string | null = null
    await attempt(
      connectError,
      async () => {
        username = (await gatehouse.authentik.connectExisting({ url, token })).username
        error.value = null
        await refresh()
      },
      connecting,
    )
    return username
  }

  return {
    status,
    connecting,
    connectError,
    connectExisting,
    refresh,
    waiting,
    phase,
    error,
    waitReady,
    certificate,
    inspectCertificate,
    trustCertificate,
  }
})
