#!/usr/bin/env bash
# Starts Debian's InspIRCd in the foreground for the IRC tests, listening for WebSocket
# clients on 127.0.0.1:PORT. Usage: run.sh PORT WORKDIR
set -euo pipefail
port=$1
dir=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
echo "wschat test network" >"$dir/motd.txt"
sed -e "s|@PORT@|$port|g" -e "s|@DIR@|$dir|g" "$here/inspircd.conf.in" >"$dir/inspircd.conf"
exec /usr/sbin/inspircd --nofork --runasroot --config="$dir/inspircd.conf"
