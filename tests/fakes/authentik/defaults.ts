/**
 * Model defaults: what Authentik stores for a field a create omits. Both versions' fields are
 * listed; the response projection drops those a version does not declare. Sources: the model
 * files of authentik (read through the search index where noted in README.md); the rest is from
 * memory and marked "guessed" there.
 */
import type { Rec } from './engine'
import { hasFeature } from '../../../src/shared/authentik-releases'

export const FLOW_DEFAULTS = (): Rec => ({
  policy_engine_mode: 'any',
  compatibility_mode: false,
  layout: 'stacked',
  denied_action: 'message_continue',
  authentication: 'none',
  background: '',
})

export const BINDING_DEFAULTS = (): Rec => ({
  evaluate_on_plan: false,
  re_evaluate_policies: true,
  policy_engine_mode: 'any',
  invalid_response_action: 'retry',
})

/** Per stage `_type`. */
export const STAGE_DEFAULTS: Record<string, () => Rec> = {
  identification: () => ({
    user_fields: [],
    password_stage: null,
    captcha_stage: null,
    case_insensitive_matching: true,
    show_matched_user: true,
    enrollment_flow: null,
    recovery_flow: null,
    passwordless_flow: null,
    sources: [],
    show_source_labels: false,
    pretend_user_exists: true,
    enable_remember_me: false,
    webauthn_stage: null,
  }),
  password: () => ({
    backends: [],
    configure_flow: null,
    failed_attempts_before_cancel: 5,
    allow_show_password: false,
  }),
  prompt: () => ({ fields: [], validation_policies: [] }),
  user_write: () => ({
    user_creation_mode: 'create_when_required',
    create_users_as_inactive: false,
    create_users_group: null,
    user_type: 'external',
    user_path_template: '',
  }),
  user_login: () => ({
    session_duration: 'seconds=0',
    terminate_other_sessions: false,
    remember_me_offset: 'seconds=0',
    network_binding: 'no_binding',
    geoip_binding: 'no_binding',
    remember_device: 'days=30',
  }),
  user_logout: () => ({}),
  consent: () => ({ mode: 'always_require', consent_expire_in: 'weeks=4' }),
  invitation: () => ({ continue_flow_without_invitation: false }),
  email: () => ({
    use_global_settings: false,
    host: 'localhost',
    port: 25,
    username: '',
    password: '',
    use_tls: false,
    use_ssl: false,
    timeout: 10,
    from_address: 'system@authentik.local',
    token_expiry: 'minutes=30',
    subject: 'authentik',
    template: 'email/password_reset.html',
    activate_user_on_success: false,
    recovery_max_attempts: 5,
    recovery_cache_timeout: 'minutes=5',
  }),
  authenticator_validate: () => ({
    not_configured_action: 'skip',
    device_classes: ['static', 'totp', 'webauthn', 'duo', 'sms', 'email'],
    configuration_stages: [],
    last_auth_threshold: 'seconds=0',
    webauthn_user_verification: 'preferred',
    webauthn_hints: [],
    webauthn_allowed_device_types: [],
    email_otp_throttling_factor: 1,
    sms_otp_throttling_factor: 1,
    totp_otp_throttling_factor: 1,
    static_otp_throttling_factor: 1,
  }),
  authenticator_totp: () => ({ configure_flow: null, friendly_name: null, digits: '6' }),
  authenticator_static: () => ({ configure_flow: null, friendly_name: null, token_count: 6 }),
  authenticator_webauthn: () => ({ configure_flow: null, friendly_name: null }),
}

export const PROMPT_DEFAULTS = (): Rec => ({
  required: true,
  placeholder: '',
  initial_value: '',
  order: 0,
  sub_text: '',
  placeholder_expression: false,
  initial_value_expression: false,
})

export const PASSWORD_POLICY_DEFAULTS = (): Rec => ({
  execution_logging: false,
  password_field: 'password',
  amount_digits: 0,
  amount_uppercase: 0,
  amount_lowercase: 0,
  amount_symbols: 0,
  length_min: 0,
  symbol_charset: '!\\"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~ ',
  error_message: '',
  check_static_rules: true,
  check_have_i_been_pwned: true,
  check_zxcvbn: true,
  hibp_allowed_count: 0,
  zxcvbn_score_threshold: 2,
})

export const POLICY_BINDING_DEFAULTS = (): Rec => ({
  policy: null,
  group: null,
  user: null,
  negate: false,
  enabled: true,
  timeout: 30,
  failure_result: false,
  expires: null,
  expiring: false,
})

export const SCOPE_MAPPING_DEFAULTS = (): Rec => ({ managed: null, description: '' })

const PROVIDER_COMMON = (): Rec => ({
  authentication_flow: null,
  property_mappings: [],
  jwt_federation_sources: [],
  jwt_federation_providers: [],
  access_token_validity: 'hours=1',
  refresh_token_validity: 'days=30',
})

export const PROXY_PROVIDER_DEFAULTS = (): Rec => ({
  ...PROVIDER_COMMON(),
  access_token_validity: 'hours=24',
  internal_host: '',
  internal_host_ssl_validation: true,
  certificate: null,
  skip_path_regex: '',
  basic_auth_enabled: false,
  basic_auth_password_attribute: '',
  basic_auth_user_attribute: '',
  mode: 'proxy',
  intercept_header_auth: true,
  cookie_domain: '',
})

export const OAUTH2_PROVIDER_DEFAULTS = (): Rec => ({
  ...PROVIDER_COMMON(),
  client_type: 'confidential',
  grant_types: [
    'authorization_code',
    'implicit',
    'hybrid',
    'refresh_token',
    'client_credentials',
    'password',
    'urn:ietf:params:oauth:grant-type:device_code',
  ],
  access_code_validity: 'minutes=1',
  access_token_validity: 'hours=1',
  refresh_token_validity: 'days=30',
  refresh_token_threshold: 'seconds=0',
  include_claims_in_id_token: true,
  signing_key: null,
  encryption_key: null,
  logout_uri: '',
  // 2025.8 only (replaced by logout_uri in 2025.10).
  backchannel_logout_uri: '',
  logout_method: 'backchannel',
  sub_mode: 'hashed_user_id',
  issuer_mode: 'per_provider',
})

export const APPLICATION_DEFAULTS = (): Rec => ({
  provider: null,
  backchannel_providers: [],
  open_in_new_tab: false,
  meta_launch_url: '',
  meta_icon: '',
  meta_description: '',
  meta_publisher: '',
  policy_engine_mode: 'any',
  group: '',
  meta_hide: false,
})

export const INVITATION_DEFAULTS = (): Rec => ({
  fixed_data: {},
  single_use: false,
  flow: null,
})

/** `admin/settings` of a fresh install; every release's keys (projected on read). */
export const SETTINGS_DEFAULTS = (): Rec => ({
  avatars: 'gravatar,initials',
  base_url: '',
  default_user_change_name: true,
  default_user_change_email: false,
  default_user_change_username: false,
  event_retention: 'days=365',
  reputation_lower_limit: -5,
  reputation_upper_limit: 5,
  footer_links: [],
  gdpr_compliance: true,
  impersonation: true,
  impersonation_require_reason: true,
  default_token_duration: 'minutes=30',
  default_token_length: 60,
  pagination_default_page_size: 20,
  pagination_max_page_size: 100,
  // Every release's flags (the fake shows the ones the version declares), at their defaults.
  flags: {
    policies_buffered_access_view: false,
    core_default_app_access: true,
    enterprise_audit_include_expanded_diff: false,
    flows_continuous_login: false,
    flows_refresh_others: false,
  },
})

/** `/stages/email/templates/` built-ins per version (guessed from the API map, section 2 I4). */
export function emailTemplates(version: string): { name: string; description: string }[] {
  const base = [
    { name: 'email/password_reset.html', description: 'Password Reset' },
    { name: 'email/account_confirmation.html', description: 'Account Confirmation' },
  ]
  // Guessed: the invitation template arrives with invitation e-mails, the others with it.
  if (!hasFeature(version, 'invitationEmail')) return base
  return [
    ...base,
    { name: 'email/email_otp.html', description: 'Email OTP' },
    { name: 'email/event_notification.html', description: 'Event Notification' },
    { name: 'email/invitation.html', description: 'Invitation' },
  ]
}
