#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with a fresh, unlocked gnome-keyring, so the
# keychain suites talk to a real Secret Service without touching the user's own keyring.
# Usage: scripts/with-keyring.sh <command> [args…]    Exit code: the command's.
# Needs (Debian): dbus-x11 gnome-keyring; the tests also use libsecret-tools (secret-tool).
set -uo pipefail
[ $# -gt 0 ] || { echo "usage: $0 <command> [args…]" >&2; exit 2; }
for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
  command -v "$tool" >/dev/null ||
    { echo "with-keyring: $tool is missing (apt-get install dbus-x11 gnome-keyring)" >&2; exit 1; }
done

tmp=$(mktemp -d -t gatehouse-keyring.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
chmod 700 "$tmp"
# gnome-keyring keeps its keyrings in $XDG_DATA_HOME/keyrings: a fresh folder means a fresh login
# keyring, created by --unlock below with our password, whatever $HOME holds.
export XDG_DATA_HOME="$tmp/data" XDG_RUNTIME_DIR="$tmp/run" GATEHOUSE_KEYRING_DIR="$tmp"
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
# The password travels in a private file, not in the environment that dbus-daemon inherits.
(umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tmp/password") || exit 1

# shellcheck disable=SC2016 # expanded by the inner shell, inside the D-Bus session
inner='
  PW=$(cat "$GATEHOUSE_KEYRING_DIR/password") && rm -f "$GATEHOUSE_KEYRING_DIR/password" || exit 1
  set -a # export whatever the daemon prints (GNOME_KEYRING_CONTROL, …)
  eval "$(printf %s "$PW" | gnome-keyring-daemon --unlock --components=secrets)"
  set +a
  unset PW GATEHOUSE_KEYRING_DIR
  # The daemon claims org.freedesktop.secrets a moment after it returns; a call made before that
  # would D-Bus-activate a second daemon.
  bus() { dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus / "$@" 2>/dev/null; }
  for _ in $(seq 1 100); do
    bus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q true && break
    sleep 0.05
  done
  daemon=$(bus org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets |
    awk "{print \$2}")
  [ -n "$daemon" ] ||
    { echo "with-keyring: gnome-keyring-daemon did not come up on the session bus" >&2; exit 1; }
  "$@"
  status=$?
  # A test may freeze the daemon (SIGSTOP) to play a hung keyring; a frozen daemon would outlive
  # the session, so wake it: it then exits by itself when the bus goes away.
  kill -CONT "$daemon" 2>/dev/null
  exit "$status"
'
# dbus-run-session says "Failed to set fd limit" as root; that is harmless, so drop it. The filter
# sits in a pipeline (not a process substitution) so that all of stderr is out before we return.
{
  dbus-run-session -- bash -c "$inner" with-keyring "$@" 2>&1 1>&3 3>&- |
    grep --line-buffered -v 'Failed to set fd limit' >&2 3>&-
  status=${PIPESTATUS[0]}
} 3>&1
exit "$status"
