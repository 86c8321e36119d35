#!/usr/bin/env bash
# Starts Debian's InspIRCd in the foreground for the IRC tests, listening for WebSocket
# clients on 127.0.0.1:PORT. Usage: run.sh PORT WORKDIR
set -euo pipefail
port=$1
dir=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
# The second line is what tests/e2e/irc-conversations.test.mjs looks for in the server conversation.
printf '%s\n' "wschat test network" "Be kind to the test bots." >"$dir/motd.txt"
sed -e "s|@PORT@|$port|g" -e "s|@DIR@|$dir|g" "$here/inspircd.conf.in" >"$dir/inspircd.conf"
exec /usr/sbin/inspircd --nofork --runasroot --config="$dir/inspircd.conf"
