import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createConnection } from 'node:net'
import { freePort } from './ports'

/**
 * A real OpenSSH server (Debian's /usr/sbin/sshd) for the SSH transport tests (#15). It runs on
 * 127.0.0.1 at a free port with its own config and host keys in a temp folder, and two users it
 * creates for the test run:
 * - `docker` user: member of the group that owns /var/run/docker.sock, so the engine answers;
 * - `outsider` user: not in that group, so the socket says "permission denied".
 * Both log in with a key pair made here (key file auth); an ssh-agent started here holds the same
 * key for agent auth. Everything (users, agent, sshd, folder) is removed by `dispose()`.
 * Needs root (CI runs the tests as root on Debian 12).
 */
export interface TestSshd {
  readonly host: string
  readonly port: number
  /** May use the engine's socket. */
  readonly user: string
  /** May not (permission denied on the socket). */
  readonly outsider: string
  /** Private key (OpenSSH format, no passphrase) both users accept. */
  readonly keyPath: string
  /** The same key, with a passphrase. */
  readonly encryptedKeyPath: string
  readonly passphrase: string
  /** SSH_AUTH_SOCK of an agent holding the key. */
  readonly agentSocket: string
  /** `ssh-keygen -lf` of the host key: "256 SHA256:… root@host (ED25519)" → only "SHA256:…". */
  readonly fingerprint: string
  /** Public host key line ("ssh-ed25519 AAAA…") for known_hosts files. */
  readonly hostKeyLine: string
  /** A folder both users may write (for SFTP tests). */
  readonly scratch: string
  /** Starts sshd (again) and waits until it accepts connections. */
  start(): Promise<void>
  /** SIGKILL sshd and every session process it forked for our users: the connection drops. */
  kill(): Promise<void>
  /** Replaces the host key (a "changed host key" / man-in-the-middle), restarts sshd. */
  rotateHostKey(): Promise<void>
  /** Appends a public key line to both users' authorized_keys. */
  authorize(publicKeyLine: string): void
  dispose(): Promise<void>
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function socketGroup(socket = '/var/run/docker.sock'): string {
  return execFileSync('stat', ['-c', '%G', socket], { encoding: 'utf8' }).trim()
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => {
      s.destroy()
      resolve(true)
    })
    s.on('error', () => resolve(false))
  })
}

export async function startTestSshd(): Promise<TestSshd> {
  const id = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`
  const user = `ghd${id}`.slice(0, 24)
  const outsider = `gho${id}`.slice(0, 24)
  const dir = mkdtempSync(join(tmpdir(), 'gh-sshd-'))
  chmodSync(dir, 0o755)
  const keys = join(dir, 'authorized')
  const scratch = join(dir, 'scratch')
  mkdirSync(keys, { mode: 0o755 })
  mkdirSync(scratch, { mode: 0o777 })
  chmodSync(scratch, 0o1777)
  const hostKey = join(dir, 'ssh_host_ed25519_key')
  const keyPath = join(dir, 'client_key')
  const encryptedKeyPath = join(dir, 'client_key_encrypted')
  const passphrase = `pass-${id}`
  const port = await freePort()
  const created: string[] = []
  let sshd: ChildProcess | undefined
  let agentPid = 0
  const agentSocket = join(dir, 'agent.sock')
  let log = ''

  const keygen = (path: string, pass = '') =>
    execFileSync('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      pass,
      '-C',
      'gatehouse-test',
      '-f',
      path,
    ])

  try {
    keygen(hostKey)
    keygen(keyPath)
    keygen(encryptedKeyPath, passphrase)
    const group = socketGroup()
    for (const [name, groups] of [
      [user, [group]],
      [outsider, []],
    ] as const) {
      const home = join(dir, `home-${name}`)
      execFileSync('useradd', [
        '-M',
        '-d',
        home,
        '-s',
        '/bin/sh',
        ...(groups.length ? ['-G', groups.join(',')] : []),
        name,
      ])
      created.push(name)
      mkdirSync(home, { mode: 0o755 })
      execFileSync('chown', [`${name}:`, home])
      // A fresh account's password is "!" (locked); without PAM sshd refuses locked accounts
      // even for key auth. "*" means "no password login" without the lock.
      execFileSync('usermod', ['-p', '*', name])
    }
    const pub =
      readFileSync(`${keyPath}.pub`, 'utf8') + readFileSync(`${encryptedKeyPath}.pub`, 'utf8')
    for (const name of created) writeFileSync(join(keys, name), pub, { mode: 0o644 })
    mkdirSync('/run/sshd', { recursive: true })
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKey}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${keys}/%u`,
        `AllowUsers ${user} ${outsider}`,
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        'UsePAM no',
        'StrictModes no',
        'AllowStreamLocalForwarding yes',
        'AllowTcpForwarding yes',
        'MaxStartups 50',
        'MaxSessions 50',
        'Subsystem sftp internal-sftp',
        'LogLevel VERBOSE',
      ].join('\n') + '\n',
    )
    const agent = execFileSync('ssh-agent', ['-s', '-a', agentSocket], { encoding: 'utf8' })
    agentPid = Number(/SSH_AGENT_PID=(\d+)/.exec(agent)?.[1] ?? 0)
    execFileSync('ssh-add', ['-q', keyPath], {
      env: { ...process.env, SSH_AUTH_SOCK: agentSocket },
    })
  } catch (error) {
    cleanup()
    throw error
  }

  function fingerprintOf(): { fingerprint: string; line: string } {
    const out = execFileSync('ssh-keygen', ['-lf', `${hostKey}.pub`], { encoding: 'utf8' })
    const line = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ')
    return { fingerprint: out.split(/\s+/)[1] ?? '', line }
  }

  function cleanup(): void {
    if (sshd && sshd.exitCode === null) sshd.kill('SIGKILL')
    for (const name of created) {
      try {
        for (const p of execFileSync('pgrep', ['-u', name], { encoding: 'utf8' }).split('\n'))
          if (Number(p) > 0) process.kill(Number(p), 'SIGKILL')
      } catch {
        // no processes left
      }
      try {
        execFileSync('userdel', [name], { stdio: 'ignore' })
      } catch {
        // already gone
      }
    }
    if (agentPid) {
      try {
        process.kill(agentPid, 'SIGTERM')
      } catch {
        // gone
      }
    }
    rmSync(dir, { recursive: true, force: true })
  }

  const start = async (): Promise<void> => {
    // -D: stay in the foreground as our child; -e: log to stderr (kept for failure messages).
    sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    sshd.stderr?.on('data', (c: Buffer) => {
      log = (log + c.toString()).slice(-8000)
    })
    const deadline = Date.now() + 20_000
    while (!(await canConnect(port))) {
      if (sshd.exitCode !== null) throw new Error(`sshd exited: ${log}`)
      if (Date.now() > deadline) throw new Error(`sshd did not listen: ${log}`)
      await sleep(50)
    }
  }

  const kill = async (): Promise<void> => {
    const child = sshd
    // The per-connection sshd processes (children of the listener, and the users' own) outlive
    // the listener: end them by pid, found by parent (before the listener dies and they are
    // re-parented) and by the users this run created.
    const pids = new Set<number>()
    const pgrep = (args: string[]) => {
      try {
        for (const p of execFileSync('pgrep', args, { encoding: 'utf8' }).split('\n'))
          if (Number(p) > 0) pids.add(Number(p))
      } catch {
        // none
      }
    }
    if (child?.pid && child.exitCode === null) pgrep(['-P', String(child.pid)])
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGKILL')
      await exited
    }
    for (const name of created) pgrep(['-u', name])
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }

  await start().catch((error: unknown) => {
    cleanup()
    throw error
  })
  let { fingerprint, line } = fingerprintOf()

  return {
    host: '127.0.0.1',
    port,
    user,
    outsider,
    keyPath,
    encryptedKeyPath,
    passphrase,
    agentSocket,
    get fingerprint() {
      return fingerprint
    },
    get hostKeyLine() {
      return line
    },
    scratch,
    start,
    kill,
    async rotateHostKey() {
      await kill()
      rmSync(hostKey, { force: true })
      rmSync(`${hostKey}.pub`, { force: true })
      keygen(hostKey)
      ;({ fingerprint, line } = fingerprintOf())
      await start()
    },
    authorize(publicKeyLine: string) {
      for (const name of created)
        writeFileSync(join(keys, name), publicKeyLine.trim() + '\n', { flag: 'a', mode: 0o644 })
    },
    async dispose() {
      await kill()
      cleanup()
    },
  }
}
