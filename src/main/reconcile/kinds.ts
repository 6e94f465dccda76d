/**
 * The Authentik object kinds recipes manage: where they live, how their detail path is addressed
 * and how a person recognises one. Paths and field names are the schema's (API map section 0).
 */
export interface ResourceKind {
  /** Stable id used in plans and tests, e.g. `stage.identification`. */
  readonly id: string
  /** What Authentik's admin UI calls it, for plan lines: "identification stage". */
  readonly label: string
  /** Collection path, with the trailing slash every Authentik path has. */
  readonly path: string
  /** Field whose value addresses the detail path (`slug` for flows and applications). */
  readonly detailKey: string
  /** Field shown to the admin to name the object. */
  readonly nameField: string
  /** A singleton such as `/admin/settings/`: no list, no create, no delete. */
  readonly singleton?: boolean
}

const kind = (k: ResourceKind): ResourceKind => k

export const kinds = {
  brand: kind({
    id: 'brand',
    label: 'brand',
    path: '/core/brands/',
    detailKey: 'brand_uuid',
    nameField: 'domain',
  }),
  flow: kind({
    id: 'flow',
    label: 'flow',
    path: '/flows/instances/',
    detailKey: 'slug',
    nameField: 'slug',
  }),
  binding: kind({
    id: 'binding',
    label: 'stage binding',
    path: '/flows/bindings/',
    detailKey: 'pk',
    nameField: 'order',
  }),
  identificationStage: kind({
    id: 'stage.identification',
    label: 'identification stage',
    path: '/stages/identification/',
    detailKey: 'pk',
    nameField: 'name',
  }),
  passwordStage: kind({
    id: 'stage.password',
    label: 'password stage',
    path: '/stages/password/',
    detailKey: 'pk',
    nameField: 'name',
  }),
  promptStage: kind({
    id: 'stage.prompt',
    label: 'prompt stage',
    path: '/stages/prompt/stages/',
    detailKey: 'pk',
    nameField: 'name',
  }),
  prompt: kind({
    id: 'prompt',
    label: 'prompt',
    path: '/stages/prompt/prompts/',
    detailKey: 'pk',
    nameField: 'name',
  }),
  userWriteStage: kind({
    id: 'stage.user_write',
    label: 'user write stage',
    path: '/stages/user_write/',
    detailKey: 'pk',
    nameField: 'name',
  }),
  userLoginStage: kind({
    id: 'stage.user_login',
    label: 'user login stage',
    path: '/stages/user_login/',
    detailKey: 'pk',
    nameField: 'name',
  }),
  invitationStage: kind({
    id: 'stage.invitation',
    label: 'invitation stage',
    path: '/stages/invitation/stages/',
    detailKey: 'pk',
    nameField: 'name',
  }),
  emailStage: kind({
    id: 'stage.email',
    label: 'email stage',
    path: '/stages/email/',
    detailKey: 'pk',
    nameField: 'name',
  }),
  validateStage: kind({
    id: 'stage.authenticator_validate',
    label: 'authenticator validation stage',
    path: '/stages/authenticator/validate/',
    detailKey: 'pk',
    nameField: 'name',
  }),
  totpStage: kind({
    id: 'stage.authenticator_totp',
    label: 'TOTP setup stage',
    path: '/stages/authenticator/totp/',
    detailKey: 'pk',
    nameField: 'name',
  }),
  passwordPolicy: kind({
    id: 'policy.password',
    label: 'password policy',
    path: '/policies/password/',
    detailKey: 'pk',
    nameField: 'name',
  }),
  policyBinding: kind({
    id: 'policy_binding',
    label: 'policy binding',
    path: '/policies/bindings/',
    detailKey: 'pk',
    nameField: 'order',
  }),
  proxyProvider: kind({
    id: 'provider.proxy',
    label: 'proxy provider',
    path: '/providers/proxy/',
    detailKey: 'pk',
    nameField: 'name',
  }),
  oauth2Provider: kind({
    id: 'provider.oauth2',
    label: 'OAuth2/OpenID provider',
    path: '/providers/oauth2/',
    detailKey: 'pk',
    nameField: 'name',
  }),
  application: kind({
    id: 'application',
    label: 'application',
    path: '/core/applications/',
    detailKey: 'slug',
    nameField: 'slug',
  }),
  group: kind({
    id: 'group',
    label: 'group',
    path: '/core/groups/',
    detailKey: 'pk',
    nameField: 'name',
  }),
  scopeMapping: kind({
    id: 'propertymapping.scope',
    label: 'scope mapping',
    path: '/propertymappings/provider/scope/',
    detailKey: 'pk',
    nameField: 'name',
  }),
  outpost: kind({
    id: 'outpost',
    label: 'outpost',
    path: '/outposts/instances/',
    detailKey: 'pk',
    nameField: 'name',
  }),
  certificate: kind({
    id: 'certificate',
    label: 'certificate-key pair',
    path: '/crypto/certificatekeypairs/',
    detailKey: 'pk',
    nameField: 'name',
  }),
  user: kind({
    id: 'user',
    label: 'user',
    path: '/core/users/',
    detailKey: 'pk',
    nameField: 'username',
  }),
  settings: kind({
    id: 'settings',
    label: 'system settings',
    path: '/admin/settings/',
    detailKey: '',
    nameField: '',
    singleton: true,
  }),
} as const

export type KindName = keyof typeof kinds
