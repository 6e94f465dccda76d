import { useMessage } from 'naive-ui'
import { onBeforeUnmount, ref } from 'vue'
import { errorData } from '../errors'

/**
 * Reveal and copy for secrets fetched one at a time from the main process. The value lives only
 * in this component while shown (optionally hidden again after `hideAfterMs`), and a copied
 * secret is wiped from the clipboard after a minute. Failures become a message, not a throw.
 */
export function useSecretReveal(fetch: (key: string) => Promise<string>, hideAfterMs?: number) {
  const message = useMessage()
  const shown = ref<{ key: string; value: string } | null>(null)
  let hideTimer: ReturnType<typeof setTimeout> | undefined
  let clearTimer: ReturnType<typeof setTimeout> | undefined
  onBeforeUnmount(() => {
    clearTimeout(hideTimer)
    shown.value = null
  })

  async function get(key: string): Promise<string | null> {
    try {
      return await fetch(key)
    } catch (error) {
      message.error(errorData(error).message)
      return null
    }
  }

  async function reveal(key: string) {
    const value = await get(key)
    if (value === null) return
    shown.value = { key, value }
    clearTimeout(hideTimer)
    if (hideAfterMs) hideTimer = setTimeout(() => (shown.value = null), hideAfterMs)
  }

  async function copy(key: string) {
    const value = await get(key)
    if (value === null) return
    await navigator.clipboard.writeText(value)
    message.success('Copied. The clipboard is cleared in one minute.')
    clearTimeout(clearTimer)
    clearTimer = setTimeout(() => void navigator.clipboard.writeText(''), 60_000)
  }

  const hide = () => (shown.value = null)
  return { shown, reveal, copy, hide }
}
