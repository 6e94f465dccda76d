import { createClient } from '../../shared/client'
import { createBrowserBridge } from './transport/browser-bridge'

/**
 * The renderer's only door to the machine. In Electron the preload provides the bridge; served by
 * the browser host, the same contract goes over HTTP + WebSocket.
 */
export const gatehouse = createClient(window.gatehouse ?? createBrowserBridge())
