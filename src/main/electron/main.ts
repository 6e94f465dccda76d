/** Electron entry: the only file that starts Electron. Everything else is plain Node services. */
import { app, BrowserWindow, ipcMain, session, shell } from 'electron'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { resolveDataDir } from '../app/paths'
import { createServices, type Services } from '../services'
import { registerIpc } from './ipc'
import {
  csp,
  externalUrlToOpen,
  isNavigationAllowed,
  openWindow,
  permissionDecision,
  type AppLocation,
} from './security'

const here = dirname(fileURLToPath(import.meta.url))
const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined
const location: AppLocation = {
  dev: !!devUrl,
  rendererUrl: devUrl ?? pathToFileURL(join(here, '../renderer/index.html')).href,
  preloadPath: join(here, '../preload/index.cjs'),
  iconPath: join(here, '../../resources/icon.png'),
}

app.setPath('userData', resolveDataDir())
app.enableSandbox()

let services: Services | undefined

function createWindow() {
  const win = openWindow(BrowserWindow, location)
  win.once('ready-to-show', () => win.show())
  win.webContents.on('will-navigate', (event, url) => {
    if (!isNavigationAllowed(url, location)) event.preventDefault()
  })
  win.webContents.on('will-redirect', (event, url) => {
    if (!isNavigationAllowed(url, location)) event.preventDefault()
  })
  win.webContents.setWindowOpenHandler(({ url }) => {
    const external = externalUrlToOpen(url)
    // externalUrlToOpen lets only https: URLs through (asserted in tests/unit/electron-security):
    // no file:, smb: or custom scheme reaches the OS handler. The scan cannot see that check.
    if (external) void shell.openExternal(external) // eng-disable OPEN_EXTERNAL_JS_CHECK
    return { action: 'deny' }
  })
  void win.loadURL(location.rendererUrl)
}

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault())
})

void app.whenReady().then(() => {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) =>
    callback(permissionDecision()),
  )
  session.defaultSession.setPermissionCheckHandler(() => permissionDecision())
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    // The policy is built by src/shared/csp.ts (it differs in dev), so the scan sees no literal
    // to evaluate here; tests/unit/electron-security runs the scanner's evaluator on the string.
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp(location)] }, // eng-disable CSP_GLOBAL_CHECK
    })
  })
  services = createServices({ host: 'electron', dataDir: app.getPath('userData') })
  registerIpc(ipcMain, services, location)
  createWindow()
  // While the window loads, load every domain so the first click does not wait for an import.
  void services.dispatcher.preload()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow()
  })
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})

// However the app quits (last window, Cmd-Q, the OS logging out), the services close first: log
// streams, the status monitor and event subscriptions. Quitting waits for that, once.
let disposed = false
app.on('will-quit', (event) => {
  if (disposed || !services) return
  disposed = true
  event.preventDefault()
  void services
    .dispose()
    .catch(() => undefined)
    .finally(() => app.quit())
})
