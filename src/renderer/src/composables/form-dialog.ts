import { computed, reactive, watch } from 'vue'
import type { GatehouseErrorData } from '../../../shared/errors'
import { useAction } from '../errors'

/**
 * The state every form dialog shares: busy and the typed error of its submit, a reset each time it
 * opens or closes (`reset(open)`), and closing once the submit succeeded. `dialog` is what
 * FormDialog.vue takes as its `form`.
 */
export function useFormDialog(
  props: { show: boolean },
  emit: (event: 'update:show', value: boolean) => void,
  reset: (open: boolean) => void,
) {
  const { busy, error, run } = useAction()
  watch(
    () => props.show,
    (open) => {
      error.value = null
      reset(open)
    },
  )
  const close = () => emit('update:show', false)
  /** Runs the dialog's work; closes the dialog when it succeeded, else shows why it failed. */
  const submit = (work: () => Promise<void>) =>
    run(async () => {
      await work()
      close()
    })
  const dialog: FormDialogState = reactive({ show: computed(() => props.show), busy, error, close })
  return { busy, error, run, submit, close, dialog }
}

/** What FormDialog.vue shows: open or not, busy, the error, and how it closes. */
export interface FormDialogState {
  show: boolean
  busy: boolean
  error: GatehouseErrorData | null
  close(): void
}
