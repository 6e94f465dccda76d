/** R3: the guide's `ak test_email` check. Nothing to reconcile: the card runs the check. */
import { z } from 'zod'
import { labelled } from './param-fields'
import { defineRecipe } from './recipe'

export const r3EmailCheck = defineRecipe({
  id: 'r3',
  title: 'E-mail check',
  section: 'test_email',
  summary: 'Sends a test e-mail with `ak test_email` inside the worker and shows the outcome.',
  params: z.strictObject({
    to: labelled(z.email().max(254).optional(), {
      label: 'Send the test e-mail to',
      help: 'Empty: the admin e-mail from Settings.',
    }),
  }),
  desired: () => [],
})
