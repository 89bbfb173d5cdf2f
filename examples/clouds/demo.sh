#!/usr/bin/env bash
# make demo-clouds: the quickstart zone applied to emulated Cloudflare and
# Route 53 APIs (cmd/zonecast-emulator, on loopback) and a zone-file
# provider, with no account and no network.
set -euo pipefail
bin=${BIN:-bin/zonecast}
emu=${EMU:-bin/zonecast-emulator}
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
cp examples/quickstart/example.com.zone "$work/"
"$emu" --zone example.com --config-out "$work/zonecast.yaml" > "$work/emulator.log" &
pid=$!
for _ in $(seq 100); do [ -s "$work/zonecast.yaml" ] && break; sleep 0.1; done
head -2 "$work/emulator.log"
export EMULATOR_CF_TOKEN=emulator-token EMULATOR_AWS_KEY=AKIDEMULATOR EMULATOR_AWS_SECRET=emulator-secret
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
echo
echo '== zonecast plan   (the emulated clouds serve only their own SOA and NS)'
"$bin" plan --config "$work/zonecast.yaml"
echo
echo '== zonecast apply --yes'
"$bin" apply --config "$work/zonecast.yaml" --yes
echo
echo '== zonecast plan   (again: nothing left to do)'
"$bin" plan --config "$work/zonecast.yaml" --exit-code
