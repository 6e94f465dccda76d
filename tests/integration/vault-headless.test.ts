import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser } from '@playwright/test'
import Docker from 'dockerode'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ensureFakeStackImage } from '../support/fake-stack-image'
import { removeProjectResources, removeTestNetwork, testProject } from '../support/stack-resources'
import { invoke } from '../support/serve-host'

/**
 * The README's "headless NAS" path, end to end, with NO D-Bus session (so no keychain at all):
 * `npx gatehouse secrets init-vault --passphrase-file …`, then the browser host as `npm run serve`
 * runs it (`node out/main/serve.js`, built) with the passphrase file; settings saved, Start clicked
 * in Chromium on the real engine, the host restarted (passphrase again) and the same secrets used:
 * no container recreated. Along the way: the passphrase never shows in /proc (cmdline, environ)
 * of the host or its children, in its output or in the data folder.
 */
const root = join(import.meta.dirname, '..', '..')
const work = mkdtempSync(join(tmpdir(), 'gh-headless-'))
const dataDir = join(work, 'data')
const project = testProject()
const network = `${project}-proxy`
const api = new Docker()
// Random, so a match anywhere can only be a leak.
const passphrase = `vault-pass-${randomBytes(12).toString('hex')}`
const passphraseFile = join(work, 'passphrase')
const wrongFile = join(work, 'wrong-passphrase')

function headlessEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_TRAEFIK_NETWORK: network,
  }
  // No session bus and no test keychain service: nothing could reach a Secret Service.
  delete env.DBUS_SESSION_BUS_ADDRESS
  delete env.GATEHOUSE_KEYCHAIN_SERVICE
  return env
}

interface Host {
  child: ChildProcess
  url: string
  origin: string
  token: string
  output: () => string
  stop(): Promise<void>
}

const outputs: string[] = []

/** `node out/main/serve.js …` (what `npm run serve -- …` runs after its build). */
function startServe(args: string[]): Promise<Host> {
  const child = spawn(process.execPath, [join(root, 'out/main/serve.js'), ...args], {
    cwd: root,
    env: headlessEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const index = outputs.push('') - 1
  const read = (chunk: Buffer) => {
    output += chunk.toString()
    outputs[index] = output
  }
  child.stdout!.on('data', read)
  child.stderr!.on('data', read)
  return new Promise<Host>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL:\n${output}`)), 30_000)
    const check = () => {
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output)
      if (!match) return
      clearTimeout(timer)
      const url = match[1]!
      resolve({
        child,
        url,
        origin: new URL(url).origin,
        token: new URL(url).searchParams.get('token') ?? '',
        output: () => output,
        async stop() {
          if (child.exitCode !== null) return
          const exited = new Promise((r) => child.once('exit', r))
          child.kill('SIGTERM')
          await exited
        },
      })
    }
    child.stdout!.on('data', check)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited with ${String(code)}:\n${output}`))
    })
  })
}

/** The process and every descendant, from /proc. */
function processTree(pid: number): number[] {
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d))
  const parentOf = new Map<number, number>()
  for (const d of all) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      parentOf.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      // Gone meanwhile.
    }
  }
  const tree = [pid]
  for (let i = 0; i < tree.length; i++)
    for (const [child, parent] of parentOf) if (parent === tree[i]) tree.push(child)
  return tree
}

function filesUnder(folder: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name)
    if (entry.isDirectory()) out.push(...filesUnder(path))
    else if (entry.isFile()) out.push(path)
  }
  return out
}

async function containerIds(): Promise<Record<string, string>> {
  const list = await api.listContainers({
    all: true,
    filters: { label: [`com.docker.compose.project=${project}`] },
  })
  return Object.fromEntries(list.map((c) => [c.Labels['com.docker.compose.service'] ?? c.Id, c.Id]))
}

let image = ''
let browser: Browser | undefined
beforeAll(async () => {
  image = await ensureFakeStackImage(api)
  if (!existsSync(join(root, 'out/main/serve.js'))) {
    const built = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'ignore' })
    if (built.status !== 0) throw new Error('electron-vite build failed')
  }
  writeFileSync(passphraseFile, `${passphrase}\n`, { mode: 0o600 })
  writeFileSync(wrongFile, 'certainly-not-the-passphrase\n', { mode: 0o600 })
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  })
})
afterAll(async () => {
  await browser?.close()
  await removeProjectResources(api, project)
  await removeTestNetwork(api, network)
  rmSync(work, { recursive: true, force: true })
})

describe('headless NAS: serve with a vault, no D-Bus session', () => {
  let firstIds: Record<string, string> = {}
  let postgresPassword = ''

  test('without a vault, serve says the keychain is unavailable and explains the choice', async () => {
    const host = await startServe([])
    // The notice comes from a probe that does not hold the start; give it a moment.
    await expect.poll(host.output, { timeout: 10_000 }).toMatch(/OS keychain is not available/)
    expect(host.output()).toMatch(/never falls back to another by itself/)
    expect(host.output()).toContain('gatehouse secrets init-vault --passphrase-file')
    const status = await invoke(host, 'secrets.status', {})
    expect(status).toMatchObject({ available: false, store: 'keychain' })
    expect(status.error?.hint).toMatch(/init-vault/)
    await host.stop()
  })

  test('init-vault with the passphrase file, as the README says', () => {
    const r = spawnSync(
      'npx',
      ['--no-install', 'gatehouse', 'secrets', 'init-vault', '--passphrase-file', passphraseFile],
      { cwd: root, env: headlessEnv(), encoding: 'utf8' },
    )
    outputs.push(r.stdout + r.stderr)
    expect(r.status, r.stderr).toBe(0)
    expect(statSync(join(dataDir, 'secrets.age')).mode & 0o777).toBe(0o600)
  })

  test('serve unlocks it once; settings saved; Start in Chromium brings the stack up on the real engine', async () => {
    const host = await startServe(['--passphrase-file', passphraseFile])
    expect(host.output()).toMatch(/vault .*secrets\.age is unlocked for the life of this process/)
    await invoke(host, 'settings.save', {
      baseDomain: 'example.test',
      adminEmail: 'admin@example.test',
      smtp: { host: 'smtp.example.test', port: 25, from: 'a@example.test', tls: 'none' },
      dataFolder: join(dataDir, 'stack'),
      timezone: 'UTC',
      project,
      imageOverrides: { postgresql: image, authentik: image },
    })

    const page = await browser!.newPage()
    await page.goto(host.url)
    const indicator = page.getByTestId('keychain-indicator')
    await indicator.waitFor()
    await expect
      .poll(() => indicator.textContent(), { timeout: 15_000 })
      .toContain('Vault unlocked')
    await page.getByTestId('nav-dashboard').click()
    await page.getByTestId('stack-start').click()
    await expect
      .poll(() => page.getByTestId('stack-run').getAttribute('data-state'), { timeout: 120_000 })
      .toBe('finished')
    await page.getByTestId('nav-settings').click()
    await expect
      .poll(() => page.getByTestId('secret-store').textContent(), { timeout: 15_000 })
      .toMatch(/encrypted vault file.*vault unlocked/)
    await page.close()

    const status = await invoke(host, 'stack.status', {})
    expect((status as { services: { health: string }[] }).services.map((s) => s.health)).toEqual([
      'healthy',
      'healthy',
      'healthy',
    ])
    firstIds = await containerIds()
    expect(Object.keys(firstIds).sort()).toEqual(['postgresql', 'server', 'worker'])
    expect(await invoke(host, 'secrets.status', {})).toMatchObject({
      available: true,
      store: 'vault',
      backend: 'age-vault',
      secrets: { postgresPassword: true, authentikSecretKey: true },
    })
    postgresPassword = (await invoke(host, 'secrets.reveal', { name: 'postgresPassword' })).value
    expect(postgresPassword).toHaveLength(64)
    // The vault file holds it encrypted only.
    expect(readFileSync(join(dataDir, 'secrets.age'), 'utf8')).not.toContain(postgresPassword)

    // The passphrase is in no argv and no environment of the host or anything it started.
    const tree = processTree(host.child.pid!)
    expect(tree.length).toBeGreaterThanOrEqual(1)
    for (const pid of tree) {
      for (const file of ['cmdline', 'environ']) {
        let text = ''
        try {
          text = readFileSync(`/proc/${pid}/${file}`).toString('latin1')
        } catch {
          continue
        }
        expect(text, `/proc/${pid}/${file}`).not.toContain(passphrase)
      }
    }
    // …nor in the containers' environment.
    for (const id of Object.values(firstIds)) {
      const env = (await api.getContainer(id).inspect()).Config.Env ?? []
      expect(env.join('\n')).not.toContain(passphrase)
    }
    await host.stop()
  }, 240_000)

  test('a wrong passphrase: serve refuses to start and the vault is not touched', async () => {
    const path = join(dataDir, 'secrets.age')
    const before = { bytes: readFileSync(path, 'base64'), mtimeMs: statSync(path).mtimeMs }
    const error = await startServe(['--passphrase-file', wrongFile]).then(
      () => null,
      (e: Error) => e.message,
    )
    expect(error).toMatch(/serve exited with 1/)
    expect(error).toMatch(/VAULT_WRONG_PASSPHRASE/)
    expect({ bytes: readFileSync(path, 'base64'), mtimeMs: statSync(path).mtimeMs }).toEqual(before)
  })

  test('restart with the passphrase again: the same secrets, no container recreated', async () => {
    const host = await startServe(['--passphrase-file', passphraseFile])
    const page = await browser!.newPage()
    await page.goto(host.url)
    await expect
      .poll(() => page.getByTestId('keychain-indicator').textContent(), { timeout: 15_000 })
      .toContain('Vault unlocked')
    await page.close()

    const up = await invoke(host, 'stack.up', {})
    expect((up as { services: { health: string }[] }).services.map((s) => s.health)).toEqual([
      'healthy',
      'healthy',
      'healthy',
    ])
    expect(await containerIds()).toEqual(firstIds)
    expect((await invoke(host, 'secrets.reveal', { name: 'postgresPassword' })).value).toBe(
      postgresPassword,
    )
    // The database container runs with the password from the vault.
    const env = (await api.getContainer(firstIds.postgresql!).inspect()).Config.Env ?? []
    expect(env).toContain(`POSTGRES_PASSWORD=${postgresPassword}`)

    await invoke(host, 'stack.down', {})
    await host.stop()
  }, 240_000)

  test('the passphrase never appears in any output nor in any file of the data folder', () => {
    expect(outputs.length).toBeGreaterThanOrEqual(5)
    for (const output of outputs) expect(output).not.toContain(passphrase)
    for (const file of filesUnder(dataDir)) {
      expect(readFileSync(file).toString('latin1'), file).not.toContain(passphrase)
    }
  })
})
