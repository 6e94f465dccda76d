/** The app integrations in the guide's order. */
import type { IntegrationId } from '../../shared/contract/integrations'
import type { AnyIntegration } from './integration'
import { r10Servarr } from './r10-servarr'
import { r11Nextcloud } from './r11-nextcloud'
import { r12Synology } from './r12-synology'
import { r13Immich } from './r13-immich'
import { r14Inventree } from './r14-inventree'

export const allIntegrations = [
  r10Servarr,
  r11Nextcloud,
  r12Synology,
  r13Immich,
  r14Inventree,
] as unknown as readonly AnyIntegration[]

export function integrationById(id: IntegrationId): AnyIntegration {
  const found = allIntegrations.find((i) => i.id === id)
  if (!found) throw new Error(`Gatehouse bug: no integration ${id}`)
  return found
}
