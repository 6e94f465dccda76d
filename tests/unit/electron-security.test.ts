import { describe, expect, test } from 'vitest'
import {
  csp,
  externalUrlToOpen,
  isNavigationAllowed,
  isTrustedSender,
  permissionDecision,
  windowOptions,
  type AppLocation,
} from '../../src/main/electron/security'

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
      webviewTag: false,
      devTools: false,
      preload: packaged.preloadPath,
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
  })

  test('navigation stays on the app document', () => {
    expect(isNavigationAllowed(packaged.rendererUrl + '#/users', packaged)).toBe(true)
    expect(isNavigationAllowed('https://auth.example.com/', packaged)).toBe(false)
    expect(isNavigationAllowed('file:///etc/passwd', packaged)).toBe(false)
    expect(isNavigationAllowed('javascript:alert(1)', packaged)).toBe(false)
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
  })

  test('every permission request is denied', () => {
    expect(permissionDecision()).toBe(false)
  })
})
