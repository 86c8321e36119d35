#!/usr/bin/env bash
# Starts Debian's RabbitMQ in the foreground for the STOMP tests, as a private node: its own
# name, data and log folders under WORKDIR, Web STOMP on ws://127.0.0.1:PORT/ws, AMQP and the
# Erlang distribution on the other two loopback ports given. guest/guest works from loopback.
# With MQTT_PORT, Web MQTT too (MQTT 3.1.1 only in this version) on ws://127.0.0.1:MQTT_PORT/ws.
# Usage: run.sh PORT AMQP_PORT DIST_PORT WORKDIR [MQTT_PORT]
set -euo pipefail
port=$1
amqp_port=$2
dist_port=$3
dir=$4
mqtt_port=${5:-}
mkdir -p "$dir/mnesia" "$dir/log"
cat >"$dir/rabbitmq.conf" <<CONF
web_stomp.tcp.port = $port
web_stomp.tcp.ip = 127.0.0.1
listeners.tcp.default = 127.0.0.1:$amqp_port
stomp.listeners.tcp = none
CONF
if [ -n "$mqtt_port" ]; then
  cat >>"$dir/rabbitmq.conf" <<CONF
web_mqtt.tcp.port = $mqtt_port
web_mqtt.tcp.ip = 127.0.0.1
mqtt.listeners.tcp = none
CONF
  echo "[rabbitmq_web_stomp,rabbitmq_web_mqtt]." >"$dir/enabled_plugins"
else
  echo "[rabbitmq_web_stomp]." >"$dir/enabled_plugins"
fi
export RABBITMQ_NODENAME="wschat-$port@localhost"
export RABBITMQ_MNESIA_BASE="$dir/mnesia"
export RABBITMQ_LOG_BASE="$dir/log"
export RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
export RABBITMQ_NODE_PORT="$amqp_port"
export RABBITMQ_DIST_PORT="$dist_port"
export RABBITMQ_LOGS=-
# The script itself, not /usr/sbin's wrapper: that one changes to the rabbitmq user, which
# cannot write WORKDIR.
exec /usr/lib/rabbitmq/bin/rabbitmq-server
