import { watch, type WatchSource } from 'vue'

/** Reloads a list a moment after the admin stops typing in its search box (one request, not ten). */
export function useDebouncedReload(source: WatchSource<unknown>, reload: () => unknown, ms = 250) {
  let timer: ReturnType<typeof setTimeout> | undefined
  watch(source, () => {
    clearTimeout(timer)
    timer = setTimeout(() => void reload(), ms)
  })
}
