/**
 * The import layers live in eslint.config.js (`no-restricted-imports` per folder of src/main, plus
 * the renderer, the preload and src/shared). This runs ESLint's own Node API with the project's
 * config on snippets placed at paths of the real tree: a wrong-way import must be reported, the
 * allowed one must not. Removing a layer rule makes these tests fail.
 */
import { join } from 'node:path'
import { ESLint } from 'eslint'
import { beforeAll, describe, expect, test } from 'vitest'

const root = join(import.meta.dirname, '..', '..')
let eslint: ESLint

beforeAll(() => {
  eslint = new ESLint({ cwd: root })
})

/** The `no-restricted-imports` messages ESLint reports for `code` placed at `filePath`. */
async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) })
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.fatal)
    .map((m) => m.message)
}

const wrongWay: [where: string, file: string, code: string, reason: RegExp][] = [
  [
    'the engine reaching up into the stack',
    'src/main/docker/layer-probe.ts',
    "import { type StackSpec } from '../stack/model'\nexport type X = StackSpec\n",
    /docker may import only ssh, core, app, settings, secrets/,
  ],
  [
    'a nested engine file reaching up into the stack',
    'src/main/docker/sub/layer-probe.ts',
    "export { buildStack } from '../../stack/catalogue'\n",
    /docker may import only/,
  ],
  [
    'the Authentik client running a recipe',
    'src/main/authentik/layer-probe.ts',
    "export { planAdminHandover } from '../recipes/r1-admin-handover'\n",
    /authentik may import only/,
  ],
  [
    'the reconciler reaching up into the recipes',
    'src/main/reconcile/layer-probe.ts',
    "export { setupRecipes } from '../recipes/index'\n",
    /reconcile may import only/,
  ],
  [
    'a domain service reaching the composition root',
    'src/main/directory/layer-probe.ts',
    "export { createServices } from '../services'\n",
    /directory may import only/,
  ],
  [
    'a host bypassing the composition root',
    'src/main/hosts/browser/layer-probe.ts',
    "export { createDockerEngine } from '../../docker/engine'\n",
    /hosts may import only services, core, app/,
  ],
  [
    'a host entry bypassing the composition root',
    'src/main/cli.ts',
    "export { createStackService } from './stack/stack-service'\n",
    /cli\.ts may import only/,
  ],
  [
    'the renderer importing the main process',
    'src/renderer/src/stores/layer-probe.ts',
    "export { createServices } from '../../../main/services'\n",
    /only through the contract|may import only src\/shared/,
  ],
  [
    'src/shared importing the main process',
    'src/shared/layer-probe.ts',
    "export { createDispatcher } from '../main/core/dispatcher'\n",
    /src\/shared imports nothing from main/,
  ],
  [
    'a service importing Electron',
    'src/main/stack/layer-probe.ts',
    "import { app } from 'electron'\nexport const name = app.name\n",
    /Only src\/main\/electron/,
  ],
]

describe('import layers (eslint.config.js)', () => {
  test.each(wrongWay)('refuses %s', async (_where, file, code, reason) => {
    const errors = await layerErrors(file, code)
    expect(errors.length, `no layer error for ${file}`).toBeGreaterThan(0)
    expect(errors.join('\n')).toMatch(reason)
  })

  test.each([
    [
      'the stack using the engine',
      'src/main/stack/layer-probe.ts',
      "export { up } from '../docker/lifecycle'\n",
    ],
    [
      'the engine using the bus',
      'src/main/docker/layer-probe.ts',
      "export type { EventBus } from '../core/event-bus'\n",
    ],
    [
      'recipes using the reconciler',
      'src/main/recipes/layer-probe.ts',
      "export { reconcile } from '../reconcile/engine'\n",
    ],
    [
      'integrations using recipes and Traefik',
      'src/main/integrations/checks/layer-probe.ts',
      "export * from '../../recipes/plan-apply'\nexport * from '../../traefik/labels'\n",
    ],
    [
      'a host using the composition root',
      'src/main/serve.ts',
      "export { createServices } from './services'\n",
    ],
    [
      'Electron in its own folder',
      'src/main/electron/layer-probe.ts',
      "export { app } from 'electron'\nexport { createServices } from '../services'\n",
    ],
    [
      'the renderer using the contract',
      'src/renderer/src/stores/layer-probe.ts',
      "export { contract } from '../../../shared/contract'\n",
    ],
  ])('allows %s', async (_what, file, code) => {
    expect(await layerErrors(file, code)).toEqual([])
  })
})
