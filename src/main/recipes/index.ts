/** The setup recipes in the guide's order; "apply all" runs them in this order. */
import type { RecipeId } from '../../shared/contract/recipes'
import type { AnyRecipe } from './recipe'
import { r2ForwardAuth } from './r2-forward-auth'
import { r3EmailCheck } from './r3-email-check'
import { r4PasswordManagerLogin } from './r4-password-manager-login'
import { r5PasswordPolicy } from './r5-password-policy'
import { r6MfaTotp } from './r6-mfa-totp'
import { r7Recovery } from './r7-recovery'
import { r8InvitationEnrollment } from './r8-invitation-enrollment'
import { r9ApiBypass } from './r9-api-bypass'

export const setupRecipes = [
  r2ForwardAuth,
  r3EmailCheck,
  r4PasswordManagerLogin,
  r5PasswordPolicy,
  r6MfaTotp,
  r7Recovery,
  r8InvitationEnrollment,
  r9ApiBypass,
] as unknown as readonly AnyRecipe[]

export function recipeById(id: RecipeId): AnyRecipe {
  const recipe = setupRecipes.find((r) => r.id === id)
  if (!recipe) throw new Error(`Gatehouse bug: no recipe ${id}`)
  return recipe
}
