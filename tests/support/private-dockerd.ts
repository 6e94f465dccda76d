import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import Docker from 'dockerode'

/**
 * A second, private Docker engine for fault tests that must stop the engine or fill its disk —
 * things no test may do to the shared system dockerd. It runs:
 * - in a network namespace of its own (`ip netns add`, entered with `nsenter --net` only, so the
 *   host's cgroup mounts stay visible): its bridges, its published ports (127.0.0.1:9000!) and its
 *   loopback are invisible to the host and to other tests, and theirs to it;
 * - with its own data root on a tmpfs of a chosen size (a disk that can really fill up), its own
 *   exec root, pid file and socket, and its own managed containerd under a containerd namespace
 *   of its own, so it never sees the system engine's containers;
 * - without iptables rules or the default bridge (nothing to clean up in the host's firewall).
 * The test process talks to it over its unix socket, which works across network namespaces.
 */

export interface PrivateDockerd {
  /** "unix:///run/gh-fault-<id>.sock": what the stack's settings or DOCKER_HOST would name. */
  readonly endpoint: string
  readonly api: Docker
  /** Path of the network namespace (for `nsenter --net=`). */
  readonly netns: string
  readonly dataRoot: string
  /** Starts (or restarts) the daemon and waits until it answers. */
  start(): Promise<void>
  /** SIGKILL: the engine vanishes mid-call, as when it crashes or is OOM-killed. */
  kill(): Promise<void>
  /** Whether the daemon process is alive. */
  running(): boolean
  /** Resizes the data root's tmpfs (the "disk"); shrinking below what is used fails. */
  resizeDisk(megabytes: number): void
  /** Loads images from the system engine (`docker save | docker -H … load`). */
  loadImages(...images: string[]): void
  /** Runs a process inside the daemon's network namespace; the caller stops it by its pid. */
  spawnInNetns(command: string, args: readonly string[]): ChildProcess
  /** Stops the daemon gracefully (it stops its containers), unmounts and removes everything. */
  dispose(): Promise<void>
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

export async function startPrivateDockerd(
  options: { diskMegabytes?: number } = {},
): Promise<PrivateDockerd> {
  const id = `${process.pid}-${Date.now().toString(36)}`
  const name = `gh-fault-${id}`
  const socket = `/run/${name}.sock`
  const dataRoot = `/var/lib/${name}`
  const execRoot = `/run/gh-fault-exec-${id}`
  const pidfile = `/run/${name}.pid`
  const netns = `/run/netns/${name}`
  const api = new Docker({ socketPath: socket, timeout: 10_000 })
  let daemon: ChildProcess | undefined
  let log = ''

  mkdirSync(dataRoot, { recursive: true })
  execFileSync('mount', [
    '-t',
    'tmpfs',
    '-o',
    `size=${options.diskMegabytes ?? 256}m`,
    'tmpfs',
    dataRoot,
  ])
  execFileSync('ip', ['netns', 'add', name])
  execFileSync('nsenter', [`--net=${netns}`, 'ip', 'link', 'set', 'lo', 'up'])

  const running = () => !!daemon && daemon.exitCode === null && daemon.signalCode === null

  async function start() {
    if (running()) return
    log = ''
    // nsenter execs dockerd, so the child's pid is the daemon's.
    const child = spawn(
      'nsenter',
      [
        `--net=${netns}`,
        'dockerd',
        `--host=unix://${socket}`,
        `--data-root=${dataRoot}`,
        `--exec-root=${execRoot}`,
        `--pidfile=${pidfile}`,
        `--containerd-namespace=${name}`,
        `--containerd-plugins-namespace=${name}-plugins`,
        '--iptables=false',
        '--ip6tables=false',
        '--bridge=none',
        '--storage-driver=overlay2',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    child.stderr?.on('data', (b: Buffer) => (log = (log + b.toString()).slice(-20_000)))
    daemon = child
    const deadline = Date.now() + 30_000
    for (;;) {
      if (!running())
        throw new Error(
          `private dockerd exited at start: ${log
            .split('\n')
            .filter((l) => !l.includes('module=grpc'))
            .slice(-8)
            .join('\n')}`,
        )
      try {
        await api.ping()
        return
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`private dockerd did not answer on ${socket}`)
      await sleep(100)
    }
  }

  /**
   * The daemon's managed containerd dies with it (parent-death signal), but not instantly, and
   * this machine's init does not reap orphans: a restarted dockerd would find the zombie's pid
   * in containerd.pid, take it for a live containerd and time out on its socket. Once the old
   * containerd is dead (or a zombie), its pid file goes, as a reaping init would make it.
   */
  async function waitContainerdGone() {
    const pidfile = `${execRoot}/containerd/containerd.pid`
    let pid = 0
    try {
      pid = Number(readFileSync(pidfile, 'utf8').trim())
    } catch {
      return
    }
    const deadline = Date.now() + 10_000
    while (pid > 0 && Date.now() < deadline) {
      let state: string | undefined
      try {
        state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.slice(0, 1)
      } catch {
        break
      }
      if (state === 'Z') break
      await sleep(50)
    }
    rmSync(pidfile, { force: true })
  }

  async function kill() {
    if (!daemon || !running()) return
    daemon.kill('SIGKILL')
    await waitExit(daemon, 5000)
    // A restart while the old containerd still winds down would wait on its socket and fail.
    await waitContainerdGone()
  }

  async function dispose() {
    // A killed daemon left its containers running under their shims: start it once more so its
    // own shutdown stops them (no process hunting by name).
    if (!running()) await start().catch(() => undefined)
    if (daemon && running()) {
      daemon.kill('SIGTERM')
      if (!(await waitExit(daemon, 20_000))) {
        daemon.kill('SIGKILL')
        await waitExit(daemon, 5000)
      }
    }
    // dockerd bind-mounts its data root onto itself and mounts overlays below it; a killed daemon
    // can leave some behind, and container network namespaces sit under the exec root. Deepest first, then the tmpfs itself.
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '')
      .filter((point) =>
        [dataRoot, execRoot].some((root) => point === root || point.startsWith(`${root}/`)),
      )
      .sort((a, b) => b.length - a.length)
    for (const point of mounts)
      try {
        execFileSync('umount', ['-l', point])
      } catch {
        // already gone
      }
    for (const path of [dataRoot, execRoot, socket, pidfile])
      rmSync(path, { recursive: true, force: true })
    if (existsSync(netns))
      try {
        execFileSync('ip', ['netns', 'del', name])
      } catch {
        // busy for a moment after the last process left
      }
  }

  return {
    endpoint: `unix://${socket}`,
    api,
    netns,
    dataRoot,
    start,
    kill,
    running,
    resizeDisk(megabytes) {
      execFileSync('mount', ['-o', `remount,size=${megabytes}m`, dataRoot])
    },
    loadImages(...images) {
      const tar = execFileSync('docker', ['save', ...images], { maxBuffer: 1024 * 1024 * 1024 })
      execFileSync('docker', ['-H', `unix://${socket}`, 'load', '-q'], {
        input: tar,
        maxBuffer: 16 * 1024 * 1024,
      })
    },
    spawnInNetns(command, args) {
      return spawn('nsenter', [`--net=${netns}`, command, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    },
    dispose,
  }
}
