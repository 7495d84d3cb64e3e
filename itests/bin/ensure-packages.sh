#!/usr/bin/env bash
# Installs the Debian packages the system tests drive as real peers (iperf3 behind a proxy rule,
# OpenSSH's client and server through tunnels, mosquitto clients and broker for the MQTT tests,
# pebble and curl for the ACME and TLS tests, chromium and its driver for the dashboard test, which
# playwright-core drives, GStreamer's tools and good plugins as an RTP sender for the voip test), so
# a new CI machine needs nothing done by hand.
# Each argument is command=package; nothing is installed when every command is already there.
set -euo pipefail
missing=()
for pair in "$@"; do
  cmd=${pair%%=*}
  pkg=${pair#*=}
  if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
    echo "ensure-packages: need root (or passwordless sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
echo "ensure-packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
