/**
 * Every Electron security decision in one pure module, so a unit test can assert it without the
 * Electron binary (which cannot be downloaded on the build machines). Only types come from electron.
 */
import type { BrowserWindowConstructorOptions } from 'electron'
import { contentSecurityPolicy } from '../../shared/csp'

export interface AppLocation {
  /** Dev: the renderer dev server URL; packaged: the file URL of out/renderer/index.html. */
  readonly rendererUrl: string
  readonly preloadPath: string
  readonly iconPath?: string
  readonly dev: boolean
}

/**
 * The one place a Gatehouse window is created. The constructor is passed in so this module needs
 * no Electron at run time (the unit test passes a recorder); the options stay an object literal
 * right inside `new BrowserWindow(…)` because that is where the electronegativity scan reads them.
 */
export function openWindow<W>(
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => W,
  location: AppLocation,
): W {
  return new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    title: 'Gatehouse',
    ...(location.iconPath ? { icon: location.iconPath } : {}),
    autoHideMenuBar: true,
    webPreferences: {
      // Reviewed: the preload exposes only { invoke, subscribe } over three fixed channels and
      // refuses names outside the contract (tests/unit/preload-surface.test.ts loads the build).
      preload: location.preloadPath, // eng-disable PRELOAD_JS_CHECK
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
      // A middle click on a link would otherwise try to open it in a new window.
      disableBlinkFeatures: 'Auxclick',
      safeDialogs: true,
      spellcheck: false,
      devTools: location.dev,
    },
  })
}

export function csp(location: AppLocation): string {
  return contentSecurityPolicy({ dev: location.dev })
}

/** Same document only (hash routes change the fragment, never the document). */
export function isAppUrl(target: string, location: AppLocation): boolean {
  let url: URL
  let app: URL
  try {
    url = new URL(target)
    app = new URL(location.rendererUrl)
  } catch {
    return false
  }
  if (app.protocol === 'file:') return url.protocol === 'file:' && url.pathname === app.pathname
  return url.origin === app.origin
}

/** Navigation away from the app is refused: remote content never gets the bridge. */
export function isNavigationAllowed(target: string, location: AppLocation): boolean {
  return isAppUrl(target, location)
}

/** IPC is answered only for our own top-level document, never a frame or a foreign page. */
export function isTrustedSender(
  frame: { url: string; parent: unknown } | null | undefined,
  location: AppLocation,
): boolean {
  return !!frame && frame.parent === null && isAppUrl(frame.url, location)
}

/** Links to the outside (Authentik's admin UI, docs) open in the system browser, only over https. */
export function externalUrlToOpen(target: string): string | null {
  try {
    const url = new URL(target)
    return url.protocol === 'https:' ? url.href : null
  } catch {
    return null
  }
}

/** Camera, notifications, geolocation…: Gatehouse needs none, so every request is denied. */
export function permissionDecision(): boolean {
  return false
}
