/**
 * The one Content-Security-Policy of the Gatehouse UI: nothing remote, no eval, no inline script.
 * Inline styles stay allowed because the component library injects its generated CSS as <style>.
 */
export function contentSecurityPolicy(options: { dev?: boolean } = {}): string {
  const connect = options.dev ? "'self' ws://localhost:* http://localhost:*" : "'self'"
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src ${connect}`,
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
  ].join('; ')
}
