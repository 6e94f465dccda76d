import { GatehouseError } from '../../shared/errors'

/** "https://auth.example.org/" → "https://auth.example.org"; refuses anything but http(s). */
export function normalizeBaseUrl(baseUrl: string): string {
  let url: URL
  try {
    url = new URL(baseUrl)
  } catch {
    throw new GatehouseError({
      code: 'VALIDATION_FAILED',
      message: `"${baseUrl.slice(0, 100)}" is not a URL.`,
      hint: 'Use https://auth.<domain> or http://127.0.0.1:<port>.',
    })
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new GatehouseError({
      code: 'VALIDATION_FAILED',
      message: `Authentik's address must start with https:// or http://, not ${url.protocol}.`,
      hint: 'Use https://auth.<domain> or http://127.0.0.1:<port>.',
    })
  }
  // A pasted ".../api/v3" or ".../if/admin/" must not end up doubled in front of /api/v3.
  const path = url.pathname.replace(/\/(api\/v3|if\/.*)\/?$/, '').replace(/\/+$/, '')
  return `${url.origin}${path}`
}
