#!/usr/bin/env bash
# Fan-out benchmark of the chat on this machine: builds the WAR and the load client, starts the chat in the Tomcat
# version and configuration the Docker image ships (docker/server.xml, exploded WAR), pinned to CPU 1, and drives it
# from the load client pinned to CPU 0, over loopback. Prints one RESULT line per scenario.
#
#   bench/run.sh small     # seconds; what CI runs to prove the benchmark works
#   bench/run.sh full      # the README's table
#   bench/run.sh profile   # N=100, R=1000 with Java Flight Recorder on the server: target/bench-server.jfr
#
# The chat's abuse limits are lifted for the run (every client comes from 127.0.0.1 and sends far above 10/s).
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-small}

mvn -B -ntp -q -DskipTests package
mvn -B -ntp -q -f bench/pom.xml package
tomcat_version=$(sed -n "s:.*<tomcat.version>\(.*\)</tomcat.version>.*:\1:p" pom.xml | head -1)
home="target/apache-tomcat-${tomcat_version}"
base=$(mktemp -d)
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -rf "$base"' EXIT

mkdir -p "$base"/{conf,logs,temp,work,webapps}
cp "$home"/conf/{catalina.properties,context.xml,web.xml} "$base/conf/"
cp docker/server.xml docker/logging.properties "$base/conf/"
cp -r target/chat "$base/webapps/chat"

export CATALINA_HOME="$PWD/$home" CATALINA_BASE="$base" CATALINA_PID="$base/tomcat.pid"
# Port 0: the kernel picks a free one, read back from Tomcat's log.
export CATALINA_OPTS="$(sed -n 's/^ENV CATALINA_OPTS="\(.*\)"/\1/p' docker/Dockerfile) -Dchat.http.address=127.0.0.1 -Dchat.http.port=0"
if [ "$size" = profile ]; then
  CATALINA_OPTS="$CATALINA_OPTS -XX:StartFlightRecording=filename=$PWD/target/bench-server.jfr,settings=profile"
fi
export CHAT_RATE_PER_SECOND=100000 CHAT_RATE_BURST=100000 CHAT_MAX_CONNECTIONS_PER_ADDRESS=1000000
taskset -c 1 "$CATALINA_HOME/bin/catalina.sh" run > "$base/logs/console.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 1 120); do
  port=${port:-$(sed -n 's/.*Starting ProtocolHandler \["http-nio-127.0.0.1-auto-[0-9]*-\([0-9]*\)"\].*/\1/p' "$base/logs/console.log" | head -1)}
  [ -n "$port" ] && curl -fs "http://127.0.0.1:$port/chat/health" > /dev/null 2>&1 && break
  sleep 0.5
done
[ -n "$port" ] || { echo "the chat did not start; see $base/logs/console.log" >&2; cat "$base/logs/console.log" >&2; exit 1; }
java_pid=$(pgrep -P "$server_pid" java || echo "$server_pid")

# receivers senders rate seconds
require_no_loss=false
case "$size" in
  small) scenarios=("50 5 500 3"); require_no_loss=true ;;
  full)  scenarios=("100 10 1000 10" "100 10 500 10" "1000 10 100 10" "1000 10 50 10" "1000 10 500 10") ;;
  profile) scenarios=("100 10 1000 10") ;;
  *) echo "usage: bench/run.sh small|full|profile" >&2; exit 2 ;;
esac
echo "# $(date -u +%FT%TZ) $(nproc) cores, $(java -version 2>&1 | head -1), Tomcat $tomcat_version"
for scenario in "${scenarios[@]}"; do
  read -r receivers senders rate seconds <<< "$scenario"
  taskset -c 0 java -Dbench.requireNoLoss="$require_no_loss" -jar bench/target/chat-bench.jar --url "ws://127.0.0.1:$port/chat/chat?room=bench-$receivers-$rate" \
    --receivers "$receivers" --senders "$senders" --rate "$rate" --seconds "$seconds" --warmup 2 \
    --server-pid "$java_pid" --format chat
done
