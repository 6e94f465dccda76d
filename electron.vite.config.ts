import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'electron-vite'
import { resolve } from 'node:path'
import type { Plugin } from 'vite'
import { contentSecurityPolicy } from './src/shared/csp'

/** Writes the one CSP into index.html, so the file:// page in Electron carries it too. */
function cspMeta(): Plugin {
  return {
    name: 'gatehouse-csp-meta',
    transformIndexHtml: {
      order: 'pre',
      handler: (html, ctx) =>
        html.replace(
          '<!-- CSP -->',
          `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy({ dev: !!ctx.server })}" />`,
        ),
    },
  }
}

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        // One bundle per door into the house: Electron, the browser host, the CLI.
        input: {
          index: resolve('src/main/electron/main.ts'),
          serve: resolve('src/main/serve.ts'),
          cli: resolve('src/main/cli.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload cannot require npm packages: bundle everything, emit CommonJS.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    plugins: [vue(), cspMeta()],
    build: {
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
  },
})
