import type { BrowserWindowConstructorOptions } from 'electron'
import { createRequire } from 'node:module'
import { describe, expect, test } from 'vitest'
import {
  csp,
  externalUrlToOpen,
  isNavigationAllowed,
  isTrustedSender,
  openWindow,
  permissionDecision,
  type AppLocation,
} from '../../src/main/electron/security'
import { contentSecurityPolicy } from '../../src/shared/csp'

/** Google's CSP Evaluator, the one electronegativity's CSP check runs (it ships no types). */
interface CspFinding {
  severity: number
  directive: string
  value: string
  description: string
}
const cspEvaluator = createRequire(import.meta.url)('@doyensec/csp-evaluator') as {
  CspParser: new (policy: string) => { csp: unknown }
  CspEvaluator: new (csp: unknown, version: unknown) => { evaluate(): CspFinding[] }
  Version: { CSP3: unknown }
}
function evaluateCsp(policy: string): { directive: string; value: string; severity: number }[] {
  const parsed = new cspEvaluator.CspParser(policy)
  return new cspEvaluator.CspEvaluator(parsed.csp, cspEvaluator.Version.CSP3)
    .evaluate()
    .map(({ directive, value, severity }) => ({ directive, value, severity }))
}
// csp.Finding.Severity: HIGH 10, SYNTAX 20, MEDIUM 30, HIGH_MAYBE 40, STRICT_CSP 45, MEDIUM_MAYBE 50.
const MEDIUM_MAYBE = 50

/** What `new BrowserWindow(…)` receives, recorded instead of opening a window. */
function windowOptions(location: AppLocation): BrowserWindowConstructorOptions {
  class Recorder {
    constructor(readonly options: BrowserWindowConstructorOptions) {}
  }
  return openWindow(Recorder, location).options
}

const packaged: AppLocation = {
  dev: false,
  rendererUrl: 'file:///opt/Gatehouse/resources/app/out/renderer/index.html',
  preloadPath: '/opt/Gatehouse/resources/app/out/preload/index.cjs',
}

describe('Electron window security (one function, asserted here because Electron cannot run in CI)', () => {
  test('isolates the renderer completely', () => {
    const prefs = windowOptions(packaged).webPreferences!
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      disableBlinkFeatures: 'Auxclick',
      devTools: false,
      preload: packaged.preloadPath,
    })
    // Nothing that re-enables what the list above turns off.
    expect(prefs).not.toHaveProperty('enableBlinkFeatures')
    expect(prefs).not.toHaveProperty('additionalArguments')
    expect(prefs).not.toHaveProperty('partition')
    expect(windowOptions({ ...packaged, dev: true }).webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      devTools: true,
    })
  })

  test('is usable from 1024×700', () => {
    expect(windowOptions(packaged)).toMatchObject({ minWidth: 1024, minHeight: 700 })
  })

  test('CSP allows nothing remote, no eval, no inline script', () => {
    const policy = csp(packaged)
    expect(policy).toContain("default-src 'none'")
    expect(policy).toContain("script-src 'self'")
    expect(policy).not.toMatch(/unsafe-eval|https?:|\*/)
    expect(policy.split(';').find((d) => d.trim().startsWith('script-src'))).not.toContain(
      'unsafe-inline',
    )
    expect(policy).toContain("object-src 'none'")
    expect(policy).toContain("base-uri 'none'")
    expect(policy).toContain("form-action 'none'")
  })

  test("CSP Evaluator's only remark on the shipped policy is the generic one about 'self'", () => {
    // The remark: "'self' can be problematic if you host JSONP, Angular or user uploaded files".
    // Gatehouse serves none of those: 'self' holds only its own Vite bundle. Anything more (an
    // unsafe-inline script, a wildcard, a missing object-src) fails here.
    const onlySelf = [{ directive: 'script-src', value: "'self'", severity: MEDIUM_MAYBE }]
    expect(evaluateCsp(csp(packaged))).toEqual(onlySelf)
    expect(evaluateCsp(`${contentSecurityPolicy()}; frame-ancestors 'none'`)).toEqual(onlySelf)
    // The dev server's HMR socket is the one addition, and only in dev.
    const dev = evaluateCsp(csp({ ...packaged, dev: true }))
    expect(dev.filter((f) => f.directive !== 'connect-src')).toEqual(onlySelf)
    expect(dev.filter((f) => f.directive === 'connect-src').map((f) => f.value)).toEqual([
      'http://localhost:*',
    ])
    // The evaluator is not a rubber stamp: a weak policy gets high-severity findings.
    expect(
      evaluateCsp("default-src *; script-src 'unsafe-inline' 'unsafe-eval' *").some(
        (f) => f.severity <= 30,
      ),
    ).toBe(true)
  })

  test('navigation stays on the app document', () => {
    expect(isNavigationAllowed(packaged.rendererUrl + '#/users', packaged)).toBe(true)
    expect(isNavigationAllowed('https://auth.example.com/', packaged)).toBe(false)
    expect(isNavigationAllowed('file:///etc/passwd', packaged)).toBe(false)
    expect(isNavigationAllowed('javascript:alert(1)', packaged)).toBe(false)
    expect(isNavigationAllowed('file:///opt/Gatehouse/other.html', packaged)).toBe(false)
    expect(isNavigationAllowed('data:text/html,<script>1</script>', packaged)).toBe(false)
    expect(isNavigationAllowed('not a url', packaged)).toBe(false)
    const dev = { ...packaged, dev: true, rendererUrl: 'http://localhost:5173/' }
    expect(isNavigationAllowed('http://localhost:5173/#/flows', dev)).toBe(true)
    expect(isNavigationAllowed('http://localhost:5174/', dev)).toBe(false)
  })

  test('IPC answers only the top-level app frame', () => {
    expect(isTrustedSender({ url: packaged.rendererUrl, parent: null }, packaged)).toBe(true)
    expect(isTrustedSender({ url: packaged.rendererUrl, parent: {} }, packaged)).toBe(false)
    expect(isTrustedSender({ url: 'https://evil.example/', parent: null }, packaged)).toBe(false)
    expect(isTrustedSender(null, packaged)).toBe(false)
  })

  test('window.open never opens a window; only https links go to the system browser', () => {
    expect(externalUrlToOpen('https://goauthentik.io/docs')).toBe('https://goauthentik.io/docs')
    expect(externalUrlToOpen('http://example.com')).toBeNull()
    expect(externalUrlToOpen('file:///etc/passwd')).toBeNull()
    expect(externalUrlToOpen('smb://nas/share')).toBeNull()
    expect(externalUrlToOpen('javascript:alert(1)')).toBeNull()
    expect(externalUrlToOpen('ms-msdt:/id PCWDiagnostic')).toBeNull()
    expect(externalUrlToOpen('')).toBeNull()
  })

  test('every permission request is denied', () => {
    expect(permissionDecision()).toBe(false)
  })
})
