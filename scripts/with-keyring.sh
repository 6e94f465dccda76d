#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with a fresh, unlocked gnome-keyring, so the
# keychain suites talk to a real Secret Service without touching the user's own keyring.
# Usage: scripts/with-keyring.sh <command> [args…]
set -uo pipefail
[ $# -gt 0 ] || { echo "usage: $0 <command> [args…]" >&2; exit 2; }
for tool in dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null || { echo "with-keyring: $tool is missing (apt-get install dbus-x11 gnome-keyring)" >&2; exit 1; }
done
tmp=$(mktemp -d -t gatehouse-keyring.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export XDG_DATA_HOME="$tmp/data" XDG_RUNTIME_DIR="$tmp/run" GATEHOUSE_KEYRING_PASSWORD
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
GATEHOUSE_KEYRING_PASSWORD=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
# dbus-run-session prints a harmless "Failed to set fd limit" as root; keep stderr otherwise.
dbus-run-session -- bash -c '
  eval "$(printf %s "$GATEHOUSE_KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  unset GATEHOUSE_KEYRING_PASSWORD
  exec "$@"
' with-keyring "$@" 2> >(grep -v 'Failed to set fd limit' >&2)
