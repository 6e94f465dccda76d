/**
 * The Electron entry (src/main/electron/main.ts) wired against a recording `electron` module: the
 * Electron binary cannot run on the build machines, but what main.ts hands to Electron — window
 * options, permission handlers, CSP header, navigation and window.open guards, IPC — can be
 * captured and driven here.
 */
import { beforeAll, describe, expect, test, vi } from 'vitest'
import { contentSecurityPolicy } from '../../src/shared/csp'

type Handler = (...args: never[]) => unknown
const recorded = vi.hoisted(() => ({
  appHandlers: new Map<string, Handler>(),
  windows: [] as {
    options: Record<string, unknown> & { webPreferences: Record<string, unknown> }
    contentsHandlers: Map<string, Handler>
    openHandler?: (details: { url: string }) => { action: string }
    loadedUrl?: string
  }[],
  permissionRequest: undefined as
    undefined | ((wc: unknown, permission: string, callback: (granted: boolean) => void) => void),
  permissionCheck: undefined as undefined | ((...args: unknown[]) => boolean),
  headers: undefined as
    | undefined
    | ((
        details: { responseHeaders?: Record<string, string[]> },
        callback: (response: { responseHeaders: Record<string, string[]> }) => void,
      ) => void),
  ipcHandle: new Map<string, Handler>(),
  ipcOn: new Map<string, Handler>(),
  openedExternally: [] as string[],
  sandboxEnabled: false,
  invoked: [] as { method: unknown; input: unknown; ctx: unknown }[],
  disposed: 0,
  quits: 0,
}))

vi.mock('electron', () => {
  class BrowserWindow {
    static getAllWindows = () => recorded.windows
    readonly webContents: Record<string, unknown>
    constructor(options: (typeof recorded.windows)[number]['options']) {
      const entry: (typeof recorded.windows)[number] = { options, contentsHandlers: new Map() }
      recorded.windows.push(entry)
      this.webContents = {
        on: (name: string, fn: Handler) => entry.contentsHandlers.set(name, fn),
        setWindowOpenHandler: (fn: typeof entry.openHandler) => (entry.openHandler = fn),
      }
      this.loadURL = async (url: string) => {
        entry.loadedUrl = url
      }
    }
    loadURL: (url: string) => Promise<void>
    once() {}
    show() {}
  }
  return {
    app: {
      isPackaged: true,
      setPath: () => {},
      getPath: () => '/nonexistent/gatehouse-test-data',
      enableSandbox: () => (recorded.sandboxEnabled = true),
      whenReady: () => Promise.resolve(),
      on: (name: string, fn: Handler) => recorded.appHandlers.set(name, fn),
      quit: () => void recorded.quits++,
    },
    BrowserWindow,
    ipcMain: {
      handle: (channel: string, fn: Handler) => recorded.ipcHandle.set(channel, fn),
      on: (channel: string, fn: Handler) => recorded.ipcOn.set(channel, fn),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: typeof recorded.permissionRequest) =>
          (recorded.permissionRequest = fn),
        setPermissionCheckHandler: (fn: typeof recorded.permissionCheck) =>
          (recorded.permissionCheck = fn),
        webRequest: { onHeadersReceived: (fn: typeof recorded.headers) => (recorded.headers = fn) },
      },
    },
    shell: { openExternal: async (url: string) => void recorded.openedExternally.push(url) },
  }
})

// No real services: this test is about what main.ts tells Electron, not about Docker.
vi.mock('../../src/main/services', () => ({
  createServices: () => ({
    dataDir: '/nonexistent',
    dispose: async () => void recorded.disposed++,
    bus: { subscribe: () => () => {} },
    dispatcher: {
      preload: async () => {},
      invoke: async (method: unknown, input: unknown, ctx: unknown) => {
        recorded.invoked.push({ method, input, ctx })
        return { ok: true, value: 'dispatched' }
      },
    },
  }),
}))

describe('Electron entry (main.ts) against a recording electron module', () => {
  let win: (typeof recorded.windows)[number]

  beforeAll(async () => {
    await import('../../src/main/electron/main')
    // whenReady() resolved: let its .then run.
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(recorded.windows).toHaveLength(1)
    win = recorded.windows[0]!
  })

  test('enables the sandbox for every renderer and opens one isolated window', () => {
    expect(recorded.sandboxEnabled).toBe(true)
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      devTools: false,
    })
    expect(String(win.options.webPreferences.preload)).toMatch(/preload[\\/]index\.cjs$/)
    expect(win.loadedUrl).toMatch(/^file:\/\/.*\/renderer\/index\.html$/)
  })

  test('denies every permission request and check', () => {
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'openExternal',
      'fullscreen',
      'hid',
      'serial',
    ]) {
      const answers: boolean[] = []
      recorded.permissionRequest!({}, permission, (granted) => answers.push(granted))
      expect(answers, permission).toEqual([false])
      expect(recorded.permissionCheck!({}, permission, 'file://', {})).toBe(false)
    }
  })

  test('sends the one CSP on every response, keeping the other headers', () => {
    let sent: Record<string, string[]> | undefined
    recorded.headers!({ responseHeaders: { 'X-Other': ['1'] } }, (r) => (sent = r.responseHeaders))
    expect(sent).toEqual({
      'X-Other': ['1'],
      'Content-Security-Policy': [contentSecurityPolicy()],
    })
  })

  test('refuses navigation and redirects away from the app document', () => {
    for (const name of ['will-navigate', 'will-redirect']) {
      const guard = win.contentsHandlers.get(name) as unknown as (
        event: { preventDefault(): void },
        url: string,
      ) => void
      const outcome = (url: string) => {
        let prevented = false
        guard({ preventDefault: () => (prevented = true) }, url)
        return prevented
      }
      expect(outcome('https://evil.example/'), name).toBe(true)
      expect(outcome('file:///etc/passwd'), name).toBe(true)
      expect(outcome(`${win.loadedUrl}#/settings`), name).toBe(false)
    }
  })

  test('window.open never opens a window; only https goes to the system browser', () => {
    const open = win.openHandler!
    for (const url of [
      'https://goauthentik.io/docs',
      'http://example.com/',
      'file:///etc/passwd',
      'smb://nas/share',
      'javascript:alert(1)',
    ])
      expect(open({ url })).toEqual({ action: 'deny' })
    expect(recorded.openedExternally).toEqual(['https://goauthentik.io/docs'])
  })

  test('refuses to attach a <webview> in any web contents', () => {
    const handlers = new Map<string, Handler>()
    const created = recorded.appHandlers.get('web-contents-created') as unknown as (
      event: unknown,
      contents: { on(name: string, fn: Handler): void },
    ) => void
    created({}, { on: (name, fn) => handlers.set(name, fn) })
    let prevented = false
    ;(handlers.get('will-attach-webview') as unknown as (e: { preventDefault(): void }) => void)({
      preventDefault: () => (prevented = true),
    })
    expect(prevented).toBe(true)
  })

  test('answers IPC only for the top-level app frame', async () => {
    const invoke = recorded.ipcHandle.get('gatehouse:invoke') as unknown as (
      event: { senderFrame: { url: string; parent: unknown } | null },
      method: unknown,
      input: unknown,
    ) => Promise<unknown>
    const foreign = await invoke(
      { senderFrame: { url: 'https://evil.example/', parent: null } },
      'app.info',
      {},
    )
    const subframe = await invoke(
      { senderFrame: { url: win.loadedUrl!, parent: {} } },
      'app.info',
      {},
    )
    for (const refused of [foreign, subframe])
      expect(refused).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } })
    expect(recorded.invoked).toEqual([])
    const ok = await invoke({ senderFrame: { url: win.loadedUrl!, parent: null } }, 'app.info', {})
    expect(ok).toEqual({ ok: true, value: 'dispatched' })
    expect(recorded.invoked).toEqual([{ method: 'app.info', input: {}, ctx: { host: 'electron' } }])
  })
  test('quitting disposes the services once, then quits', async () => {
    let prevented = 0
    const event = { preventDefault: () => void prevented++ }
    recorded.appHandlers.get('will-quit')!(event as never)
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(recorded.disposed).toBe(1)
    expect(prevented).toBe(1)
    expect(recorded.quits).toBe(1)
    // The quit that follows is not held up again.
    recorded.appHandlers.get('will-quit')!(event as never)
    expect(prevented).toBe(1)
    expect(recorded.disposed).toBe(1)
  })
})
