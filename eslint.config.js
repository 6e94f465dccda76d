import pluginVue from 'eslint-plugin-vue'
import tseslint from 'typescript-eslint'
import vueParser from 'vue-eslint-parser'

/**
 * The layers of src/main, lowest first. Each folder lists the folders it may import (besides its
 * own files and src/shared, open to all); every other folder of src/main is refused by
 * `no-restricted-imports`, the way VS Code's layer rules work. The picture is in
 * docs/architecture.md ("Layers"); tests/unit/lint-layers.test.ts proves a wrong-way import fails.
 */
const base = ['core', 'app', 'settings', 'secrets']
const mainLayers = {
  core: [],
  app: [],
  settings: [],
  // The vault (#21) writes atomically like the settings and finds the data folder like the app.
  secrets: ['app', 'settings'],
  // #15: one SSH connection to the NAS (engine, files, port forwards); the NAS's files over it.
  ssh: base,
  hostfs: ['ssh', ...base],
  docker: ['ssh', ...base],
  stack: ['docker', 'hostfs', 'ssh', ...base],
  authentik: ['ssh', ...base],
  reconcile: ['authentik', ...base],
  recipes: ['reconcile', 'authentik', ...base],
  directory: ['authentik', ...base],
  traefik: ['hostfs', ...base],
  integrations: ['recipes', 'traefik', 'directory', 'reconcile', 'authentik', 'hostfs', ...base],
  // #17: backups and restores of the stack, and the upgrade planner that makes one first.
  backup: ['stack', 'docker', 'hostfs', 'ssh', 'authentik', ...base],
  upgrade: ['backup', 'stack', 'docker', 'hostfs', 'ssh', 'authentik', ...base],
  // Hosts see the composition root (src/main/services.ts), the dispatcher and the bus only.
  hosts: ['services', 'core', 'app'],
  electron: ['services', 'core', 'app'],
}
const mainFolders = Object.keys(mainLayers)
/** Files of src/main that are not in a folder: the composition root and the host entries. */
const rootFiles = {
  'services.ts': mainFolders.filter((f) => f !== 'hosts' && f !== 'electron'),
  // The entries also choose the secret store (keychain or an unlocked vault) before the
  // services exist: the passphrase prompt belongs to the process, not to a service.
  'cli.ts': ['hosts', 'core', 'app', 'services', 'secrets'],
  'serve.ts': ['hosts', 'core', 'app', 'services', 'secrets'],
}
/** Packages only one place may load. */
const electronOnly = {
  name: 'electron',
  message: 'Only src/main/electron and the preload talk to Electron.',
}

const alternatives = (names) => names.join('|')

/** One `no-restricted-imports` setting: `refused` folders of src/main, reached `up` levels up. */
function layerRule(who, allowed, up) {
  const refused = [...mainFolders, 'services'].filter((f) => f !== who && !allowed.includes(f))
  const prefix = up === 0 ? '\\./' : `(\\.\\./){${up}}`
  return [
    'error',
    {
      // src/main/electron is the one folder of main that imports Electron.
      paths: who === 'electron' ? [] : [electronOnly],
      patterns: [
        {
          regex: `^${prefix}(${alternatives(refused)})(/|$)`,
          message: `${who} may import only ${allowed.length ? allowed.join(', ') : 'nothing of src/main'} (and src/shared): see the layers in docs/architecture.md.`,
        },
        {
          regex: `^(\\.\\./){${up + 1}}(renderer|preload)(/|$)`,
          message: 'The main process never imports the renderer or the preload.',
        },
      ],
    },
  ]
}

/** A config block per folder and depth (src/main/<folder>/…/file.ts, up to four levels). */
function layerConfigs() {
  const configs = []
  for (const [folder, allowed] of Object.entries(mainLayers)) {
    for (let depth = 1; depth <= 4; depth++) {
      configs.push({
        files: [`src/main/${folder}/${'*/'.repeat(depth - 1)}*.ts`],
        rules: { 'no-restricted-imports': layerRule(folder, allowed, depth) },
      })
    }
  }
  for (const [file, allowed] of Object.entries(rootFiles))
    configs.push({
      files: [`src/main/${file}`],
      rules: { 'no-restricted-imports': layerRule(file, allowed, 0) },
    })
  return configs
}

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      '.test-output/**',
    ],
  },
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: {
      parser: vueParser,
      parserOptions: {
        parser: tseslint.parser,
        extraFileExtensions: ['.vue'],
        sourceType: 'module',
      },
    },
  },
  {
    rules: {
      // No `any` may cross the contract; keep it out of the code base entirely.
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'vue/multi-word-component-names': 'off',
      // Prettier owns formatting.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
    },
  },
  {
    files: ['src/renderer/**/*'],
    rules: {
      // The renderer reaches the machine only through the contract: of the rest of src it may
      // import src/shared alone.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'electron',
                'node:*',
                'dockerode',
                '**/main/**',
                '@napi-rs/*',
                '@goauthentik/*',
              ],
              message: 'The renderer reaches the machine only through the contract.',
            },
            {
              regex: '^\\.{1,2}/(.*/)?(main|preload)(/|$)',
              message: 'The renderer may import only src/shared (and its own files).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      // Shared by every side: it imports nothing of main, renderer or preload, and no Electron.
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnly],
          patterns: [
            {
              regex: '^\\.\\./(.*/)?(main|renderer|preload)(/|$)',
              message: 'src/shared imports nothing from main, renderer or preload.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(.*/)?(main|renderer)(/|$)',
              message: 'The preload exposes the bridge only; it imports src/shared alone.',
            },
          ],
        },
      ],
    },
  },
  ...layerConfigs(),
)
