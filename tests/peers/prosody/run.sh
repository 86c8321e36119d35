#!/usr/bin/env bash
# Starts Debian's Prosody in the foreground for the XMPP tests: WebSocket clients on
# ws://localhost:PORT/xmpp-websocket; the host `localhost` with the users ada and bob (both
# with PASSWORD), the host `anon.localhost` for anonymous logins, rooms at
# conference.localhost, each keeping its messages in an archive (XEP-0313, mod_muc_mam, 50 a
# page), as each account does its private messages (mod_mam); its data in WORKDIR. Stream management (XEP-0198, mod_smacks) is on,
# as on a server people run, unless the fourth argument is `no-sm`.
# Usage: run.sh PORT WORKDIR PASSWORD [no-sm]
set -euo pipefail
port=$1
dir=$2
password=$3
sm='"smacks";'
if [ "${4:-}" = no-sm ]; then sm=""; fi
mkdir -p "$dir/data"
cat >"$dir/prosody.cfg.lua" <<CFG
run_as_root = true
pidfile = "$dir/prosody.pid"
data_path = "$dir/data"
log = { info = "*console" }
daemonize = false
interfaces = { "127.0.0.1" }
c2s_ports = {}
s2s_ports = {}
http_ports = { $port }
http_interfaces = { "127.0.0.1" }
https_ports = {}
c2s_require_encryption = false
-- PLAIN is not offered without TLS: logging in with a password goes through SCRAM-SHA-1.
allow_unencrypted_plain_auth = false
consider_websocket_secure = true
modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "websocket"; "posix"; "mam"; $sm }
modules_disabled = { "s2s"; "tls" }
authentication = "internal_plain"
storage = "internal"
VirtualHost "localhost"
VirtualHost "anon.localhost"
  authentication = "anonymous"
Component "conference.localhost" "muc"
  muc_room_locking = false
  muc_room_default_history_length = 20
  modules_enabled = { "muc_mam" }
  muc_log_by_default = true
  muc_log_all_rooms = true
  max_archive_query_results = 50
CFG
for user in ada bob; do
  prosodyctl --config "$dir/prosody.cfg.lua" register "$user" localhost "$password" >/dev/null
done
exec prosody --config "$dir/prosody.cfg.lua" -F
