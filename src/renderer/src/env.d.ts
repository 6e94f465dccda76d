/// <reference types="vite/client" />
import type { GatehouseBridge } from '../../shared/contract'

declare global {
  interface Window {
    /** Present only in the Electron window (exposed by the preload). */
    readonly gatehouse?: GatehouseBridge
  }
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}
