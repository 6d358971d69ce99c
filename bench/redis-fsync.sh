#!/usr/bin/env bash
# What Redis's append-only fsync policy costs the chat: the real publish.lua (one message with a cid into a room of
# 100 kept messages), run by redis-benchmark against Debian's redis-server with `appendfsync everysec` and then
# `always`, Redis pinned to CPU 1 and the client to CPU 0, its data on this machine's disk. Prints, for each policy,
# the scripts per second, their median and p99 latency as the client saw them, and Redis's own time per script
# (INFO commandstats). The README's "Which appendfsync" quotes it.
#
#   bench/redis-fsync.sh [REQUESTS] [CLIENTS]   # defaults 50000 and 8
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-50000}
clients=${2:-8}
script=src/main/resources/dev/chatwar/engine/redis/publish.lua
event='{"type":"message","room":"lobby","ts":"2026-12-06T08:00:00.000Z","user":{"name":"alice","address":"203.0.113.8"},"text":"a message of about a hundred characters, which is what people type in a chat room on most days","cid":"5f0e2c4b-1a2b-4c3d-8e9f-0a1b2c3d4e5f"}'
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "machine: $(nproc) cores, $(uname -r); $(redis-server --version | cut -d' ' -f1-3); $(date -u +%F)"
for policy in everysec always; do
  dir=$(mktemp -d)
  taskset -c 1 redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly yes --appendfsync "$policy" \
    --dir "$dir" >"$dir/redis.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
  sha=$(redis-cli -p "$port" script load "$(cat "$script")")
  # By its digest, as the chat runs it. The resend key varies with the request (__rand_int__), so every call is a
  # new message, as in a busy room.
  result=$(taskset -c 0 redis-benchmark -p "$port" -n "$requests" -c "$clients" -r 1000000000 --csv \
    EVALSHA "$sha" 3 'chat:{lobby}:seq' 'chat:{lobby}:history' 'chat:{lobby}:resend:alice__rand_int__' \
    'chat:{lobby}' "$event" 1 1 100 604800 0 600000 'chat/1 event n ' '' PUBLISH | tail -1)
  usec=$(redis-cli -p "$port" info commandstats | tr -d '\r' | sed -n 's/^cmdstat_evalsha:.*usec_per_call=\([0-9.]*\).*/\1/p')
  # The last seven fields are rps, avg, min, p50, p95, p99, max (the test's name before them holds commas).
  echo "appendfsync $policy: $(echo "$result" | tr -d '"' | awk -F, '{printf "%s scripts/s, p50 %s ms, p99 %s ms", $(NF-6), $(NF-3), $(NF-1)}'), Redis time ${usec} us per script"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
done
