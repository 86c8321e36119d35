#!/usr/bin/env bash
# Starts Debian's Mosquitto in the foreground for the MQTT tests: WebSocket clients on
# 127.0.0.1:PORT, and (this version will not start without one) plain MQTT on PLAIN_PORT.
# With a password file when USER and PASSWORD are given, else anonymous.
# Sessions are saved in WORKDIR every second and when it stops, and read again when it starts
# there (so a broker killed hard keeps what it knew a second before).
# Usage: run.sh PORT PLAIN_PORT WORKDIR [USER PASSWORD]
set -euo pipefail
port=$1
plain_port=$2
dir=$3
mkdir -p "$dir"
{
  # Sessions and retained messages saved in the folder each second and when stopped.
  # Run as root (the tests are), mosquitto would switch to its own user and lose the folder.
  echo "user $(id -un)"
  echo "persistence true"
  echo "persistence_location $dir/"
  echo "autosave_interval 1"
  echo "log_dest stderr"
  echo "log_type error"
  echo "log_type warning"
  echo "log_type notice"
  echo "listener $plain_port 127.0.0.1"
  echo "socket_domain ipv4"
  echo "listener $port 127.0.0.1"
  echo "protocol websockets"
  echo "socket_domain ipv4"
  if [ $# -ge 5 ]; then
    echo "per_listener_settings false"
    echo "allow_anonymous false"
    echo "password_file $dir/passwords"
  else
    echo "allow_anonymous true"
  fi
} >"$dir/mosquitto.conf"
if [ $# -ge 5 ]; then
  mosquitto_passwd -b -c "$dir/passwords" "$4" "$5"
fi
# -v: the "running" line the tests wait for is only written with it.
exec /usr/sbin/mosquitto -v -c "$dir/mosquitto.conf"
