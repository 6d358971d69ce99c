#!/usr/bin/env bash
# What one room event costs Redis, alone on a core: the real publish.lua (one message with a new cid into a room of
# 100 kept messages, as the chat sends it), run by redis-benchmark (8 clients, on CPU 0) against Redis on CPU 1,
# with two subscribers of the room's channel (two chat nodes), first on one Redis (PUBLISH), then on the primary of a
# Redis Cluster of three primaries and three replicas (SPUBLISH, and the replica receiving every write and every
# sharded message). Append-only off: this is the cost of ordering, not of fsync (bench/redis-fsync.sh has that).
# Prints scripts/s, p50 and p99 as the client saw them, Redis's own time per script (INFO commandstats), and the CPU
# per script of the Redis process, and on the cluster of its replica too. The README's arithmetic rests on it.
#
#   bench/redis-shard.sh [REQUESTS] [SUBSCRIBERS]   # defaults 100000 and 2 (ten nodes with members in the room: 10)
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-100000}
subscribers=${2:-2}
script=src/main/resources/dev/chatwar/engine/redis/publish.lua
event='{"type":"message","room":"lobby","ts":"2026-12-06T08:00:00.000Z","user":{"name":"alice","address":"203.0.113.8"},"text":"a message of about a hundred characters, which is what people type in a chat room on most days","cid":"5f0e2c4b-1a2b-4c3d-8e9f-0a1b2c3d4e5f"}'
scratch=$(mktemp -d)
pids=()
trap 'kill ${pids[*]} 2>/dev/null || true; rm -rf "$scratch"' EXIT

# A free port of at most 55535 whose cluster bus port (10,000 above) is free too.
free_port() {
  python3 bench/cluster-port.py
}

cpu_seconds() { # PORT: the Redis process's CPU so far, user and system
  redis-cli -p "$1" info cpu | tr -d '\r' | awk -F: '/^used_cpu_(sys|user):/ {s += $2} END {printf "%.3f", s}'
}

# measure LABEL PORT PUBLISH [REPLICA_PORT]
measure() {
  local label=$1 port=$2 publish=$3 replica=${4:-}
  local sha before replica_before result usec after
  sha=$(redis-cli -p "$port" script load "$(cat "$script")")
  for _ in $(seq "$subscribers"); do # as many nodes with members in the room; they read and discard
    if [ "$publish" = SPUBLISH ]; then
      redis-cli -p "$port" ssubscribe 'chat:{lobby}' > /dev/null &
    else
      redis-cli -p "$port" subscribe 'chat:{lobby}' > /dev/null &
    fi
    pids+=("$!")
  done
  sleep 0.5 # the subscribers' connections; nothing to poll that says they are in
  redis-cli -p "$port" config resetstat > /dev/null
  before=$(cpu_seconds "$port")
  [ -z "$replica" ] || replica_before=$(cpu_seconds "$replica")
  result=$(taskset -c 0 redis-benchmark -p "$port" -n "$requests" -c 8 -r 1000000000 --csv \
    EVALSHA "$sha" 3 'chat:{lobby}:seq' 'chat:{lobby}:history' 'chat:{lobby}:resend:alice__rand_int__' \
    'chat:{lobby}' "$event" 1 1 100 604800 0 600000 'chat/1 event n ' '' "$publish" | tail -1)
  usec=$(redis-cli -p "$port" info commandstats | tr -d '\r' | sed -n 's/^cmdstat_evalsha:.*usec_per_call=\([0-9.]*\).*/\1/p')
  after=$(cpu_seconds "$port")
  local line
  line=$(echo "$result" | tr -d '"' | awk -F, '{printf "%s scripts/s, p50 %s ms, p99 %s ms", $(NF-6), $(NF-3), $(NF-1)}')
  line="$line, Redis time $usec us per script, CPU $(python3 -c "print('%.1f' % (($after - $before) * 1e6 / $requests))") us per script"
  if [ -n "$replica" ]; then
    line="$line (its replica: $(python3 -c "print('%.1f' % (($(cpu_seconds "$replica") - $replica_before) * 1e6 / $requests))") us)"
  fi
  echo "$label: $line"
}

echo "machine: $(nproc) cores, $(uname -r); $(redis-server --version | cut -d' ' -f1-3); $(date -u +%F); $subscribers subscribers"

port=$(free_port)
mkdir -p "$scratch/single"
taskset -c 1 redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$scratch/single" \
  > "$scratch/single/redis.log" 2>&1 &
pids+=("$!")
for _ in $(seq 100); do redis-cli -p "$port" ping > /dev/null 2>&1 && break; sleep 0.05; done
measure "one Redis (PUBLISH)" "$port" PUBLISH

ports=()
for i in 1 2 3 4 5 6; do
  p=$(free_port)
  mkdir -p "$scratch/$p"
  taskset -c 1 redis-server --port "$p" --bind 127.0.0.1 --save "" --appendonly no --dir "$scratch/$p" \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 1000 \
    --cluster-require-full-coverage no > "$scratch/$p/redis.log" 2>&1 &
  pids+=("$!") ports+=("$p")
done
for p in "${ports[@]}"; do
  for _ in $(seq 200); do redis-cli -p "$p" ping > /dev/null 2>&1 && break; sleep 0.05; done
done
redis-cli --cluster create $(printf '127.0.0.1:%s ' "${ports[@]}") --cluster-replicas 1 --cluster-yes \
  > "$scratch/create.log"
for _ in $(seq 200); do redis-cli -p "${ports[0]}" cluster info | grep -q 'cluster_state:ok' && break; sleep 0.1; done
slot=$(redis-cli -p "${ports[0]}" cluster keyslot 'chat:{lobby}')
primary_id=""
primary=""
while read -r id address flags _ _ _ _ _ slots; do
  for range in $slots; do
    from=${range%-*} to=${range#*-}
    if [[ "$flags" == *master* ]] && [ "$slot" -ge "$from" ] && [ "$slot" -le "$to" ]; then
      primary=${address%%@*} primary=${primary##*:} primary_id=$id
    fi
  done
done < <(redis-cli -p "${ports[0]}" cluster nodes)
replica=""
for _ in $(seq 100); do # the replicas take their primaries a moment after the cluster is created
  replica=$(redis-cli -p "$primary" cluster nodes | awk -v id="$primary_id" '$4 == id {split($2, a, "[:@]"); print a[2]}')
  [ -n "$replica" ] && redis-cli -p "$replica" info replication | grep -q 'master_link_status:up' && break
  sleep 0.1
done
measure "Redis Cluster primary (SPUBLISH, one replica)" "$primary" SPUBLISH "$replica"
