# Sourced by the scripts: starts the reference server in the background and stops it on exit.
# shellcheck shell=bash

# start_server ADDR [ARGS...]: builds and starts wschat-server; sets SERVER_PID and SERVER_ADDR.
# Its log goes to $SERVER_LOG, and to stderr too when SERVER_LOG_TO_STDERR=1.
start_server() {
  local addr=$1
  shift
  cargo build --quiet --release -p wschat-server
  SERVER_LOG=$(mktemp)
  if [ "${SERVER_LOG_TO_STDERR:-0}" = 1 ]; then
    # tee ends by itself when the server closes its stderr.
    "$WSCHAT_ROOT/target/release/wschat-server" --addr "$addr" "$@" 2> >(tee -a "$SERVER_LOG" >&2) &
  else
    "$WSCHAT_ROOT/target/release/wschat-server" --addr "$addr" "$@" 2>"$SERVER_LOG" &
  fi
  SERVER_PID=$!
  trap stop_server EXIT
  # The server prints "listening on ADDR" once bound; wait for that line, not for a time.
  SERVER_ADDR=""
  for _ in $(seq 1 100); do
    # `read` skips a last line without its newline: never take half an address.
    while IFS= read -r line; do
      case $line in "[wschat-server] listening on "*) SERVER_ADDR=${line#*listening on } ;; esac
    done <"$SERVER_LOG"
    [ -n "$SERVER_ADDR" ] && break
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      cat "$SERVER_LOG" >&2
      echo "the reference server did not start" >&2
      return 1
    fi
    sleep 0.1
  done
  [ -n "$SERVER_ADDR" ] || { cat "$SERVER_LOG" >&2; echo "the reference server did not report its address" >&2; return 1; }
}

stop_server() {
  if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}
