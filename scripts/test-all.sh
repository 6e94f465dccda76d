#!/usr/bin/env bash
# The one test command (`npm test`). On a fresh Debian 12 machine, as root, it installs what the
# suites need, starts what they need, runs every suite against the real parts and ends with one
# summed line "N passed, N failed". Nothing is skipped for a missing prerequisite: it fails.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/.test-output"
rm -rf "$out" && mkdir -p "$out"
checks="$out/checks.tsv"
: >"$checks"

say() { printf '\n==> %s\n' "$*"; }
die() {
  printf 'test-all: %s\n' "$*" >&2
  echo "0 passed, 1 failed"
  exit 1
}

# --- 1. Debian packages ------------------------------------------------------------------------
packages=(docker.io busybox-static gnome-keyring dbus-x11 libsecret-tools chromium docker-registry docker-compose file openssl iproute2 util-linux openssh-server openssh-client postgresql procps)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    die "missing Debian packages: ${missing[*]}. Run: sudo apt-get install -y ${missing[*]}"
  fi
  say "Installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >"$out/apt.log" 2>&1 &&
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$out/apt.log" 2>&1 ||
    die "apt-get install failed (see $out/apt.log)"
fi

# --- 2. npm dependencies -----------------------------------------------------------------------
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund >"$out/npm-ci.log" 2>&1 || die "npm ci failed (see $out/npm-ci.log)"
fi

# --- 3. Docker engine: use the one that answers, or start one and stop it at the end -----------
started_dockerd=""
stop_dockerd() {
  if [ -n "$started_dockerd" ]; then
    kill "$started_dockerd" 2>/dev/null
    wait "$started_dockerd" 2>/dev/null
  fi
}
trap stop_dockerd EXIT
if ! docker version >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || die "no Docker engine answers and only root can start one: start Docker first"
  say "Starting dockerd"
  dockerd >"$out/dockerd.log" 2>&1 &
  started_dockerd=$!
  for _ in $(seq 1 60); do
    docker version >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker version >/dev/null 2>&1 || die "dockerd did not come up (see $out/dockerd.log)"
fi

# --- 4. Static checks, each counted as one test ----------------------------------------------
check() {
  local name=$1
  shift
  say "$name"
  if "$@" >"$out/$name.log" 2>&1; then
    printf '%s\t1\t0\t0\n' "$name" >>"$checks"
    echo "ok"
  else
    printf '%s\t0\t1\t0\n' "$name" >>"$checks"
    tail -n 40 "$out/$name.log"
    echo "FAILED: $name (full log: $out/$name.log)"
  fi
}
check prettier npx prettier --check .
check eslint npx eslint . --max-warnings 0
check electronegativity node scripts/electronegativity.mjs src
check typecheck npm run -s typecheck
check build npx electron-vite build

# --- 5. Test suites on the real parts, inside a D-Bus session with an unlocked keyring -------
say "vitest (unit + integration) and Playwright (Chromium against the browser host)"
# Each runner gets its own throw-away keyring, so one suite's secrets never leak into another's.
bash scripts/with-keyring.sh npx vitest run --reporter=default --reporter=json \
  --outputFile.json=.test-output/vitest.json 2>&1 | tee "$out/vitest.log"
bash scripts/with-keyring.sh npx playwright test 2>&1 | tee "$out/playwright.log"

# --- 6. One summed line, last ------------------------------------------------------------------
stop_dockerd
started_dockerd=""
node scripts/summarize-tests.mjs "$out"
