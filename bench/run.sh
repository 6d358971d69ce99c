#!/usr/bin/env bash
# Fan-out benchmark on this machine. Every server runs pinned to CPU 1, the load client (bench/, Netty + epoll) to
# CPU 0, over loopback. The chat runs in the Tomcat version and configuration the Docker image ships
# (docker/server.xml, exploded WAR, CATALINA_OPTS from the Dockerfile). Prints RESULT / MAX / CONNECTIONS lines.
#
#   bench/run.sh small     # seconds, chat only: what CI runs to prove the benchmark works
#   bench/run.sh full      # the README's tables: the chat beside the seed (Tornado), Node ws and Bun (~30 min)
#   bench/run.sh profile   # async-profiler: the quiet room (target/profile-quiet.collapsed), N=1,000 at
#                          # 500,000 deliveries/s (target/profile-1000.collapsed) and N=100 at 100,000 deliveries/s
#                          # per thread (target/profile-100.collapsed), each summed by bench/collapsed.py
#   bench/run.sh only chat|seed|ws|bun [rounds]   # the full scenarios for one server
#   bench/run.sh connections chat|seed|ws|bun     # only the idle-connections scenario for one server
#   bench/run.sh memory    # the chat's 19,000 idle members: native memory by category and the heap, per connection,
#                          # before and after a full collection (MEMORY_LABEL names the files; SERVER_OPTS as usual)
#   bench/run.sh rates chat|seed|ws|bun [rounds]  # only the rate scenarios (no idle connections)
#   bench/run.sh frames [rounds]  # the rate scenarios for the chat with binary frames (the page's way), with text
#                                 # frames (CHAT_BINARY=0) and Bun, interleaved
#   bench/run.sh gc        # the chat's 19,000 idle connections and five broadcasts under each collector of JDK 17
#                          # (serial, parallel, G1, ZGC), the image's CATALINA_OPTS otherwise unchanged
#   bench/run.sh deflate [rounds]  # the chat's rate scenarios with clients that offer permessage-deflate as browsers
#                                  # do, with the chat's default, then with CHAT_PERMESSAGE_DEFLATE=true
#   bench/run.sh ab DIR_A DIR_B [rounds]  # an A/B of a change: two exploded WARs (e.g. target/chat of two
#                          # commits), interleaved round by round, each on a fresh server: the first step after a
#                          # join storm, the quiet room, N=100 at 100,000/s, the N=1,000 max-rate search, N=1,000 at
#                          # 500,000/s
#   A_XML=a.xml B_XML=b.xml bench/run.sh abx [rounds]  # the same A/B for two server set-ups: server.xml files
#                          # (A_XML, B_XML), the server's JDK (A_JAVA_HOME, B_JAVA_HOME) or JVM options (A_OPTS,
#                          # B_OPTS), in any combination
#   bench/run.sh quiet [rounds]  # the quiet room alone (N=100, 100 messages/s), the chat beside Bun
#   bench/run.sh threads [rounds]  # the quiet room on a fresh chat then Bun each round, with each server's CPU per
#                                # delivery thread by thread (user and kernel) and its wake-ups per message
#                                # (bench/threads.py over the measured 10 s); QUIET_RUNS=N: N runs per server
#   bench/run.sh warm [rounds]  # the latency targets on a warm server: on a fresh server each round, the chat then
#                               # Bun, the quiet room five times, then N=100 at 100,000 deliveries/s three times
#                               # (the JIT compiles the chat's per-message code for over a minute at 100 messages/s)
#   bench/run.sh writes    # the floor under a send: one thread writing 165 bytes to 100 loopback sockets 100 times
#                          # a second, user and kernel time per write, with 0, 5 and 10 µs of spinning between
#                          # writes (dev.chatwar.bench.WriteCost), twice
#   bench/run.sh storm [rounds] [chat|bun]  # the first step after a join storm of 1,000, on a fresh server each
#                                # round; its late deliveries beside the chat's and the load client's stops
#                                # (bench/stalls.py; STORM_OPTS: extra JVM options)
#   bench/run.sh churn     # the chat only: 5 rounds of 2,000 members who vanish, 3 waves of 2,000 polite closes
#   bench/run.sh redis [rounds]  # the chat in memory beside the chat on Redis (CHAT_REDIS_URL): a quiet room's
#                                # latency, 100 receivers at 100,000 deliveries/s, and the N=1,000 max-rate search
#   bench/run.sh cluster [rounds]  # on one Redis: the N=1,000 max-rate search on one node, then with the room split
#                                  # over two nodes (both on the server's CPU: this machine has two cores)
#   bench/run.sh shards [rounds]   # two nodes on one Redis, then on a Redis Cluster of 3 primaries and 3 replicas:
#                                  # one room of 1,000 at 100 messages/s, then 1,000 rooms of 10 at 2,000 messages/s
#                                  # (every room on both nodes); with Redis's time and CPU per script and per event
#                                  # (SHARDS_BACKENDS=cluster runs the cluster only)
#
# Every server's log (and the chat's access log) is kept in target/bench-logs (chat-NNN.log, access-NNN.log; the
# numbers start again with each run).
#
# JAVA_HOME picks the server's JDK (the load client runs on the default one); SERVER_OPTS adds JVM options to the
# chat's (a collector given there replaces the image's).
# CHAT_WAR, CHAT_LIB and CHAT_SERVER_XML replace the exploded WAR (target/chat), the folder holding the image's
# executor jar (target/chat-tomcat.jar) and the server.xml (docker/server.xml), for an A/B against another build;
# BENCH_JAR replaces the load client (bench/target/chat-bench.jar), for an A/B of the client itself.
#
# The chat's abuse limits are lifted for the run (every client comes from 127.0.0.x and sends far above 10/s).
# Peers: the seed needs Debian's python3-tornado; Node ws and Bun come from npm (bench/peers/package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-small}
root=$PWD

mvn -B -ntp -q -DskipTests package # also unpacks the pinned Tomcat into target/ (process-test-resources)
mvn -B -ntp -q -f bench/pom.xml clean package 2>&1 | grep -v '^\[WARNING\]' || true
tomcat_version=$(sed -n "s:.*<tomcat.version>\(.*\)</tomcat.version>.*:\1:p" pom.xml | head -1)
home="$root/target/apache-tomcat-${tomcat_version}"
scratch=$(mktemp -d)
server_pid=""
servers_started=0
other_pid="" # a second node (cluster)
keep_logs() { mkdir -p target/bench-logs && cp "$scratch"/*.log target/bench-logs/ 2>/dev/null || true; }
trap 'stop_server; [ -z "$other_pid" ] || kill "$other_pid" 2>/dev/null || true; keep_logs; rm -rf "$scratch"' EXIT

stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}

# start_server NAME [extra CATALINA_OPTS]: sets $port, $pid (the process to measure), $url, $format.
start_server() {
  # Every server's log is kept under its own name (copied to target/bench-logs at exit): a failure in one round of
  # many must still be explainable afterwards.
  servers_started=$((servers_started + 1))
  local name=$1 log="$scratch/$1${CHAT_NODE:-}-$(printf %03d "$servers_started")${BENCH_LABEL:+-$BENCH_LABEL}.log"
  : > "$log" # exists before the server writes it, so polling it below cannot fail (set -e) on a slow start
  format=text
  case "$name" in
    chat)
      local base="$scratch/tomcat${CHAT_NODE:-}"
      rm -rf "$base" && mkdir -p "$base"/{conf,logs,temp,work,webapps}
      cp "$home"/conf/{catalina.properties,context.xml,web.xml} "$base/conf/"
      cp docker/server.xml docker/logging.properties "$base/conf/"
      [ -z "${CHAT_SERVER_XML:-}" ] || cp "$CHAT_SERVER_XML" "$base/conf/server.xml" # an A/B of the configuration
      # For the benchmark only: why Tomcat refused a request. Its parser's reasons for a 400 are logged at FINE, and
      # a 400 from the WebSocket upgrade is not logged at all, so every request also goes to an access log (one
      # line per connection, with the client's port to match the load client's report).
      echo 'org.apache.coyote.http11.Http11Processor.level = FINE' >> "$base/conf/logging.properties"
      sed -i 's|^\( *\)<Valve className="org.apache.catalina.valves.ErrorReportValve"|\1<Valve className="org.apache.catalina.valves.AccessLogValve" directory="'"$scratch"'" prefix="access-'"$(printf %03d "$servers_started")"'" suffix=".log" rotatable="false" pattern="%h:%{remote}p %t \&quot;%r\&quot; %s %D" />\n&|' "$base/conf/server.xml"
      mkdir -p "$base/lib" && cp "${CHAT_LIB:-target}"/chat-tomcat.jar "$base/lib/" # the image's executor
      cp -r "${CHAT_WAR:-target/chat}" "$base/webapps/chat"
      # Port 0: the kernel picks a free one, read back from Tomcat's log.
      local image_opts
      image_opts=$(sed -n 's/^ENV CATALINA_OPTS="\(.*\)"/\1/p' docker/Dockerfile)
      # A collector given here replaces the image's (the JVM refuses two).
      [[ "${2:-} ${SERVER_OPTS:-}" != *-XX:+Use*GC* ]] || image_opts=$(sed 's/-XX:+Use[A-Za-z]*GC//' <<< "$image_opts")
      CATALINA_HOME="$home" CATALINA_BASE="$base" \
      CATALINA_OPTS="$image_opts -Dchat.http.address=127.0.0.1 -Dchat.http.port=0 ${2:-} ${SERVER_OPTS:-}" \
      CHAT_RATE_PER_SECOND=100000 CHAT_RATE_BURST=100000 CHAT_MAX_CONNECTIONS_PER_ADDRESS=1000000 CHAT_MAX_CONNECTIONS=1000000 \
        taskset -c 1 "$home/bin/catalina.sh" run > "$log" 2>&1 &
      server_pid=$!
      port=""
      for _ in $(seq 1 120); do
        port=${port:-$(sed -n 's/.*Starting ProtocolHandler \["http-nio-127.0.0.1-auto-[0-9]*-\([0-9]*\)"\].*/\1/p' "$log" | head -1)}
        [ -n "$port" ] && curl -fs "http://127.0.0.1:$port/chat/health" > /dev/null 2>&1 && break
        sleep 0.5
      done
      curl -fs "http://127.0.0.1:$port/chat/health" > /dev/null 2>&1 || port=""
      pid=$(pgrep -P "$server_pid" java || echo "$server_pid")
      url="ws://127.0.0.1:$port/chat/chat?room=bench&batch=${CHAT_BATCH:-1}&binary=${CHAT_BINARY:-1}"
      format=chat
      ;;
    seed|ws|bun)
      port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      case "$name" in
        seed) taskset -c 1 /usr/bin/python3 bench/peers/seed.py "$port" > "$log" 2>&1 & ;;
        ws) taskset -c 1 node bench/peers/ws-server.js "$port" > "$log" 2>&1 & ;;
        bun) taskset -c 1 bench/peers/node_modules/.bin/bun bench/peers/bun-server.js "$port" > "$log" 2>&1 & ;;
      esac
      server_pid=$!
      for _ in $(seq 1 60); do grep -q listening "$log" 2>/dev/null && break; sleep 0.25; done
      pid=$server_pid
      url="ws://127.0.0.1:$port/chat"
      ;;
  esac
  if ! kill -0 "$server_pid" 2>/dev/null || [ -z "$port" ]; then
    echo "$name did not start; its log:" >&2; cat "$log" >&2; exit 1
  fi
}

# start_redis: Debian's redis-server on a free port ($redis_port), pinned with the load client to CPU 0 (in
# production Redis has machines of its own); no persistence, nothing to measure there.
start_redis() {
  redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  taskset -c 0 redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$scratch" \
    > "$scratch/redis.log" 2>&1 &
  redis_pid=$!
  trap 'stop_server; [ -z "$other_pid" ] || kill "$other_pid" 2>/dev/null || true; kill $redis_pid 2>/dev/null || true; keep_logs; rm -rf "$scratch"' EXIT
}

# start_redis_cluster: three primaries and three replicas on free loopback ports, pinned with the load client to CPU
# 0, joined by redis-cli; sets $cluster_ports (the primaries first, as redis-cli --cluster create assigns them).
start_redis_cluster() {
  cluster_ports=() cluster_pids=()
  for i in 1 2 3 4 5 6; do
    local p dir
    # At most 55535, with the cluster bus port (10,000 above) free too: Redis refuses a higher port.
    p=$(python3 bench/cluster-port.py)
    dir="$scratch/redis-$p" && mkdir -p "$dir"
    taskset -c 0 redis-server --port "$p" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
      --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 1000 \
      --cluster-require-full-coverage no > "$dir/redis.log" 2>&1 &
    cluster_ports+=("$p") cluster_pids+=("$!")
  done
  trap 'stop_server; [ -z "$other_pid" ] || kill "$other_pid" 2>/dev/null || true; kill ${cluster_pids[*]} 2>/dev/null || true; keep_logs; rm -rf "$scratch"' EXIT
  for p in "${cluster_ports[@]}"; do
    for _ in $(seq 200); do redis-cli -p "$p" ping > /dev/null 2>&1 && break; sleep 0.05; done
    redis-cli -p "$p" ping > /dev/null 2>&1 || { echo "redis-server on $p did not start:"; cat "$scratch/redis-$p/redis.log"; exit 1; }
  done
  redis-cli --cluster create $(printf '127.0.0.1:%s ' "${cluster_ports[@]}") --cluster-replicas 1 --cluster-yes \
    > "$scratch/cluster-create.log"
  for _ in $(seq 200); do
    redis-cli -p "${cluster_ports[0]}" cluster info | grep -q 'cluster_state:ok' && break; sleep 0.1
  done
}

# redis_cost LABEL PORT...: what the Redis processes on these ports spent since their last CONFIG RESETSTAT: the
# scripts run, Redis's own time per script (INFO commandstats, all scripts together), and its CPU per script.
redis_cost() {
  local label=$1; shift
  local calls=0 usec=0 cpu=0
  for p in "$@"; do
    local stats
    stats=$(redis-cli -p "$p" info commandstats | tr -d '\r' | sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\),usec=\([0-9]*\),.*/\1 \2/p')
    local c u
    read -r c u <<< "${stats:-0 0}"
    calls=$((calls + c)) usec=$((usec + u))
    cpu=$(python3 -c "print($cpu + $(redis-cli -p "$p" info cpu | tr -d '\r' | sed -n 's/^used_cpu_sys:\(.*\)/\1/p') + $(redis-cli -p "$p" info cpu | tr -d '\r' | sed -n 's/^used_cpu_user:\(.*\)/\1/p'))")
  done
  python3 -c "c=$calls; print('REDIS label=$label scripts=%d usec_per_script=%.1f redis_cpu_s=%.2f cpu_us_per_script=%.1f' % (c, $usec / max(c, 1), $cpu - ${REDIS_CPU_BEFORE:-0}, ($cpu - ${REDIS_CPU_BEFORE:-0}) * 1e6 / max(c, 1)))"
}

# redis_reset PORT...: zeroes the command statistics, and prints the CPU used so far (it cannot be reset) as a line
# to source before redis_cost.
redis_reset() {
  local before=0
  for p in "$@"; do
    redis-cli -p "$p" config resetstat > /dev/null
    before=$(python3 -c "print($before + $(redis-cli -p "$p" info cpu | tr -d '\r' | sed -n 's/^used_cpu_sys:\(.*\)/\1/p') + $(redis-cli -p "$p" info cpu | tr -d '\r' | sed -n 's/^used_cpu_user:\(.*\)/\1/p'))")
  done
  echo "REDIS_CPU_BEFORE=$before"
}

# bench NAME ARGS...: one load-client run against the running server.
bench() {
  local name=$1; shift
  taskset -c 0 java ${BENCH_JAVA_OPTS:-} -jar "${BENCH_JAR:-bench/target/chat-bench.jar}" \
    --url "$url" --format "$format" \
    --label "$name${BENCH_LABEL:+-$BENCH_LABEL}${CHAT_BINARY:+-binary$CHAT_BINARY}${BENCH_DEFLATE:+-deflate-offered}${CHAT_PERMESSAGE_DEFLATE:+-deflate-on}" --server-pid "$pid" \
    --deflate "${BENCH_DEFLATE:-false}" "$@"
}

# The two latency scenarios every comparison runs, one load-client run each against the running server (extra
# arguments go to the client):
# quiet_room NAME: 100 receivers (QUIET_RECEIVERS), 10 senders, 100 messages/s, 10 s after a 3 s warm-up;
quiet_room() {
  local name=$1; shift
  bench "$name" --mode fanout --receivers "${QUIET_RECEIVERS:-100}" --senders 10 --rate 100 --seconds 10 --warmup 3 "$@"
}

# hundred_thousand NAME: 100 receivers, 10 senders, 1,000 messages/s (100,000 deliveries/s), the same timing.
hundred_thousand() {
  local name=$1; shift
  bench "$name" --mode fanout --receivers 100 --senders 10 --rate 1000 --seconds 10 --warmup 3 "$@"
}

peers_ready() {
  [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import tornado' 2>/dev/null \
    || { echo "the seed needs Debian's python3-tornado: apt-get install -y python3-tornado" >&2; exit 1; }
  (cd bench/peers && npm ci --no-audit --no-fund --loglevel=error > /dev/null)
}

# The rate scenarios of the README's tables, for one server: a quiet room (100 receivers, 100 messages/s), 100
# receivers at 100,000 deliveries/s, the same with 5 readers that stop reading, the highest rate 1,000 receivers
# take with p99 under 50 ms and nothing lost, then 1,000 receivers at 500,000 deliveries/s (CPU per million).
rate_scenarios() {
  local name=$1
  start_server "$name"
  quiet_room "$name"
  hundred_thousand "$name"
  hundred_thousand "$name" --stalled 5
  bench "$name" --mode max --receivers 1000 --senders 10 --rate 50 --seconds 3 --max-rate 10000 || true
  # CPU per million deliveries at a rate every server here delivers in full (after the search, so warm)
  bench "$name" --mode fanout --receivers 1000 --senders 10 --rate 500 --seconds 10 --warmup 3 || true
  stop_server
}

# Idle connections on a fresh server: memory per connection, then one broadcast to all of them.
connection_scenario() {
  local name=$1 connections=19000
  [ "$name" = seed ] && connections=2000 # it announces every join to everyone; see the README
  start_server "$name"
  bench "$name" --mode connections --receivers "$connections" --source-addresses 4 || true
  stop_server
  if [ "$name" = chat ]; then # the same after each member said something (the peers would broadcast it to all)
    start_server chat
    bench chat --mode connections --receivers "$connections" --source-addresses 4 --spoken true || true
    stop_server
  fi
}

# One side of an A/B, on a fresh server: the first step after a join storm of 1,000 (50 messages/s), the quiet
# room, N=100 at 100,000 deliveries/s, the N=1,000 max-rate search, then N=1,000 at 500,000 deliveries/s (CPU per
# million, warm). What the caller sets for the call picks the side: CHAT_WAR, CHAT_SERVER_XML, JAVA_HOME,
# SERVER_OPTS.
ab_side() {
  local side=$1
  echo "# side $side: $("${JAVA_HOME:-/usr}"/bin/java -version 2>&1 | head -1), options '${SERVER_OPTS:-}'," \
    "WAR ${CHAT_WAR:-target/chat}, server.xml ${CHAT_SERVER_XML:-docker/server.xml}"
  BENCH_LABEL=$side start_server chat
  BENCH_LABEL=$side bench chat --mode fanout --receivers 1000 --senders 10 --rate 50 --seconds 3 --warmup 1 || true
  BENCH_LABEL=$side quiet_room chat
  BENCH_LABEL=$side hundred_thousand chat
  BENCH_LABEL=$side bench chat --mode max --receivers 1000 --senders 10 --rate 50 --seconds 3 --max-rate 10000 || true
  BENCH_LABEL=$side bench chat --mode fanout --receivers 1000 --senders 10 --rate 500 --seconds 10 --warmup 3 || true
  stop_server
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$("${JAVA_HOME:-/usr}"/bin/java -version 2>&1 | head -1) ${SERVER_OPTS:-}, Tomcat $tomcat_version, Bun $(bench/peers/node_modules/.bin/bun --version 2>/dev/null || echo -),"\
  "Node $(node --version), Tornado $(/usr/bin/python3 -c 'import tornado; print(tornado.version)' 2>/dev/null || echo -)"
case "$size" in
  small)
    start_server chat
    BENCH_JAVA_OPTS=-Dbench.requireNoLoss=true bench chat --mode fanout --receivers 50 --senders 5 --rate 500 --seconds 3 --warmup 1
    bench chat --mode fanout --receivers 50 --senders 5 --rate 500 --seconds 3 --warmup 1 --stalled 2
    bench chat --mode connections --receivers 500 --source-addresses 4 --spoken true
    ;;
  profile) # async-profiler 3.0 from Maven Central, CPU time by itimer (no perf events needed), collapsed stacks
           # (one line per stack, the count last: any flame-graph tool reads them; bench/collapsed.py sums them):
           # three quiet-room runs on one server, then N=1,000 at 500,000 deliveries/s, then N=100 at 100,000
           # deliveries/s with the samples per thread and a GC log
    mvn -B -ntp -q dependency:copy -Dartifact=tools.profiler:async-profiler:3.0 -DoutputDirectory=target/profiler
    (cd target/profiler && unzip -o -q async-profiler-3.0.jar 'linux-x64/*')
    agent="-agentpath:$root/target/profiler/linux-x64/libasyncProfiler.so=start,event=itimer,interval=1ms,collapsed,file="
    start_server chat "${agent}$root/target/profile-quiet.collapsed"
    for _ in 1 2 3; do quiet_room chat; done
    stop_server
    start_server chat "${agent}$root/target/profile-1000.collapsed"
    bench chat --mode fanout --receivers 1000 --senders 10 --rate 500 --seconds 10 --warmup 3
    stop_server
    # N=100 at 100,000 deliveries/s, whose p99 is a target: stacks per thread (what shares the server's one core
    # with the writers), and a GC log, over two runs on one server.
    start_server chat "${agent/collapsed,/collapsed,threads,}$root/target/profile-100.collapsed -Xlog:gc:file=$root/target/profile-100-gc.log:uptime"
    for _ in 1 2; do hundred_thousand chat; done
    stop_server
    python3 bench/collapsed.py target/profile-quiet.collapsed
    python3 bench/collapsed.py target/profile-1000.collapsed
    python3 bench/collapsed.py target/profile-100.collapsed
    ;;
  full)
    peers_ready
    for round in 1 2 3; do # interleaved, so a slow minute of the machine does not land on one server only
      echo "# round $round"
      for name in chat seed ws bun; do rate_scenarios "$name"; done
    done
    for name in chat seed ws bun; do connection_scenario "$name"; done
    ;;
  only)
    [ "${2:-chat}" = chat ] || peers_ready
    for round in $(seq 1 "${3:-1}"); do rate_scenarios "${2:-chat}"; done
    connection_scenario "${2:-chat}"
    ;;
  frames)
    peers_ready
    for round in $(seq 1 "${2:-1}"); do
      echo "# round $round"
      CHAT_BINARY=1 rate_scenarios chat
      CHAT_BINARY=0 rate_scenarios chat
      rate_scenarios bun
    done
    ;;
  ab) # an A/B of two builds: exploded WARs DIR_A against DIR_B, interleaved round by round
    [ -d "${2:-}" ] && [ -d "${3:-}" ] || { echo "usage: bench/run.sh ab DIR_A DIR_B [rounds]" >&2; exit 2; }
    for round in $(seq 1 "${4:-3}"); do
      echo "# round $round"
      CHAT_WAR=$2 ab_side a
      CHAT_WAR=$3 ab_side b
    done
    ;;
  storm) # the first step after a join storm, as the max-rate search takes it: a fresh server each round, 1,000
         # joins, then 50 messages/s for 3 s after 1 s of warm-up; passes with p99 < 50 ms. Per round, in
         # target/bench-logs: the chat's collections and safepoints (storm-gc-<round>.log), the load client's
         # safepoints (storm-client-<round>.log) and every message of the window (storm-timeline-<round>.txt), laid
         # side by side by bench/stalls.py (STALLS lines; with STORM_THREADS=1 also the CPU of the server's threads
         # in the window, from bench/threads.py). STORM_OPTS adds to CATALINA_OPTS (a collector, a JVM flag);
         # STORM_WARMUP=S first runs the same step for S seconds with 1,000 other members, who then leave (a server
         # already warm).
    mkdir -p target/bench-logs
    [ "${3:-chat}" = chat ] || peers_ready
    for round in $(seq 1 "${2:-10}"); do
      logs=$root/target/bench-logs
      rm -f "$logs/storm-gc-$round.log" "$logs/storm-client-$round.log" "$logs/storm-timeline-$round.txt"
      start_server "${3:-chat}" "-Xlog:gc,safepoint:file=$logs/storm-gc-$round.log:time,uptime ${STORM_OPTS:-}"
      # STORM_THREADS=1: the server's threads' CPU as the window opens and closes, what kept the core busy in it. Not
      # by default: the snapshot is a process on the load client's CPU, which delays the client at both edges.
      hook=""
      if [ -n "${STORM_THREADS:-}" ]; then
        hook="$scratch/storm-hook.sh"
        printf '#!/usr/bin/env bash\nexec python3 %q snapshot %q "%s/threads-$1.json"\n' \
          "$root/bench/threads.py" "$pid" "$scratch" > "$hook" && chmod +x "$hook"
      fi
      rm -f "$scratch"/threads-{start,end}.json
      if [ -n "${STORM_WARMUP:-}" ]; then # what a warm JIT would give: the same traffic first, by members who leave
        bench "${3:-chat}" --mode fanout --receivers 1000 --senders 10 --rate 50 --seconds "$STORM_WARMUP" --warmup 1 \
          | sed 's/^RESULT/WARMUP/' || true
      fi
      BENCH_JAVA_OPTS="-Xlog:safepoint:file=$logs/storm-client-$round.log:time,uptime" bench "${3:-chat}" \
        --mode fanout --receivers 1000 --senders 10 --rate 50 --seconds 3 --warmup 1 \
        --timeline "$logs/storm-timeline-$round.txt" ${hook:+--window-hook "$hook"} || true
      stop_server
      [ -z "$hook" ] || python3 bench/threads.py window "$scratch"/threads-{start,end}.json 50000 50 \
        | sed 's/^/STALLS /' || true
      server_log=$logs/storm-gc-$round.log
      [ -f "$server_log" ] || server_log="" # Bun has none
      bench/stalls.py "$logs/storm-timeline-$round.txt" --server $server_log --client "$logs/storm-client-$round.log" \
        | sed 's/^/STALLS /' || true
    done
    ;;
  quiet) # the quiet room alone (N=100, 100 messages/s), the chat then Bun, interleaved
    peers_ready
    for round in $(seq 1 "${2:-3}"); do
      for name in chat bun; do
        start_server "$name"
        for _ in $(seq 1 "${QUIET_RUNS:-1}"); do # more than one: the same server again, warm
          quiet_room "$name"
        done
        stop_server
      done
    done
    ;;
  threads) # the quiet room, thread by thread: on a fresh server each round, the chat then Bun
    peers_ready
    for round in $(seq 1 "${2:-3}"); do
      for name in chat bun; do
        start_server "$name"
        for run in $(seq 1 "${QUIET_RUNS:-1}"); do # more than one: the same server again, warmer
          # The client's 3 s warm-up (and about half a second to start), then 9 of its 10 measured seconds, at the
          # quiet room's 100 messages a second to each receiver.
          python3 bench/threads.py "$pid" 3.5 9 $((${QUIET_RECEIVERS:-100} * 100)) 100 \
            | sed "s/^THREADS /THREADS server=$name round=$round run=$run /" &
          sampler=$!
          quiet_room "$name"
          wait "$sampler"
        done
        stop_server
      done
    done
    ;;
  warm) # the latency targets on a server past its JIT's warm-up, the chat then Bun, a fresh server each round
    peers_ready
    for round in $(seq 1 "${2:-2}"); do
      for name in chat bun; do
        BENCH_LABEL=warm$round start_server "$name"
        for run in 1 2 3 4 5; do
          BENCH_LABEL=warm$round-quiet$run quiet_room "$name"
        done
        for run in 1 2 3; do
          BENCH_LABEL=warm$round-n100run$run hundred_thousand "$name"
        done
        stop_server
      done
    done
    ;;
  writes) # the floor under a send, outside any server
    for round in 1 2; do
      for spin in 0 5000 10000; do
        taskset -c 1 java -cp bench/target/chat-bench.jar dev.chatwar.bench.WriteCost 100 165 "$spin"
      done
    done
    ;;
  abx) # an A/B of two server set-ups, interleaved; what a side does not set stays as it is
    for round in $(seq 1 "${2:-3}"); do
      echo "# round $round"
      CHAT_SERVER_XML=${A_XML:-${CHAT_SERVER_XML:-}} JAVA_HOME=${A_JAVA_HOME:-${JAVA_HOME:-}} \
        SERVER_OPTS="${SERVER_OPTS:-} ${A_OPTS:-}" ab_side a
      CHAT_SERVER_XML=${B_XML:-${CHAT_SERVER_XML:-}} JAVA_HOME=${B_JAVA_HOME:-${JAVA_HOME:-}} \
        SERVER_OPTS="${SERVER_OPTS:-} ${B_OPTS:-}" ab_side b
    done
    ;;
  rates)
    [ "${2:-chat}" = chat ] || peers_ready
    for round in $(seq 1 "${3:-1}"); do rate_scenarios "${2:-chat}"; done
    ;;
  deflate)
    for round in $(seq 1 "${2:-1}"); do
      echo "# round $round"
      rate_scenarios chat
      BENCH_DEFLATE=true rate_scenarios chat
      CHAT_PERMESSAGE_DEFLATE=true BENCH_DEFLATE=true rate_scenarios chat
    done
    ;;
  gc)
    for collector in "-XX:+UseSerialGC" "-XX:+UseParallelGC" "-XX:+UseG1GC" "-XX:+UseZGC"; do
      echo "# $collector"
      start_server chat "$collector"
      bench "chat$collector" --mode connections --receivers 19000 --source-addresses 4 || true
      stop_server
    done
    ;;
  memory) # where the memory of 19,000 idle members goes: the chat's connections scenario (SERVER_OPTS as given)
          # with the JVM's native memory tracking and the live objects by class, both taken before the joins. After
          # the five broadcasts, with the members still connected: the native memory by category and the heap, then
          # a full collection (jcmd GC.class_histogram: the live objects by class), both again, and RSS once more
          # (the SETTLED line). Files: target/bench-logs/memory-<label>-*.txt (MEMORY_LABEL, default "chat"); per
          # connection: MEMORY lines (native memory, bench/nmt.py) and a HEAP table (bench/histogram.py).
    label=${MEMORY_LABEL:-chat} members=19000
    out="$root/target/bench-logs/memory-$label" && mkdir -p target/bench-logs
    jcmd="${JAVA_HOME:+$JAVA_HOME/bin/}jcmd"
    start_server chat "-XX:NativeMemoryTracking=summary"
    "$jcmd" "$pid" GC.class_histogram > "$out-histogram-baseline.txt" # a full collection first: the live objects
    "$jcmd" "$pid" VM.native_memory baseline > /dev/null
    cp "/proc/$pid/smaps_rollup" "$out-smaps-baseline.txt" # resident memory, anonymous apart from file-backed
    hook="$scratch/memory-hook.sh"
    cat > "$hook" <<HOOK
#!/usr/bin/env bash
"$jcmd" $pid VM.native_memory summary.diff > "$out-nmt-before-gc.txt"
cp /proc/$pid/smaps_rollup "$out-smaps-before-gc.txt"
"$jcmd" $pid GC.heap_info > "$out-heap-before-gc.txt"
"$jcmd" $pid GC.class_histogram > "$out-histogram.txt"
"$jcmd" $pid GC.heap_info > "$out-heap-after-gc.txt"
"$jcmd" $pid VM.native_memory summary.diff > "$out-nmt-after-gc.txt"
cp /proc/$pid/smaps_rollup "$out-smaps-after-gc.txt"
HOOK
    chmod +x "$hook"
    bench chat --mode connections --receivers "$members" --source-addresses 4 --window-hook "$hook" || true
    stop_server
    for moment in before-gc after-gc; do
      python3 bench/nmt.py "$label $moment" "$members" "$out-nmt-$moment.txt" "$out-smaps-baseline.txt" "$out-smaps-$moment.txt"
    done
    python3 bench/histogram.py "$label" "$members" "$out-histogram-baseline.txt" "$out-histogram.txt"
    ;;
  connections)
    [ "${2:-chat}" = chat ] || peers_ready
    connection_scenario "${2:-chat}"
    ;;
  churn) # at the default heartbeat (30 s): ghosts must be gone within two pings, so settling may take up to 70 s
    start_server chat
    taskset -c 0 java -cp bench/target/chat-bench.jar dev.chatwar.bench.ChurnBench \
      --base "http://127.0.0.1:$port/chat/" --server-pid "$pid" --abrupt-rounds 5 --graceful-rounds 3 \
      --size 2000 --rooms 50 --settle-seconds 70
    stop_server
    ;;
  redis) # Debian's redis-server, pinned with the load client to CPU 0 (in production Redis has machines of its own)
    start_redis
    for round in $(seq 1 "${2:-1}"); do
      echo "# round $round"
      for variant in memory redis; do
        if [ "$variant" = redis ]; then export CHAT_REDIS_URL="redis://127.0.0.1:$redis_port"; else unset CHAT_REDIS_URL; fi
        start_server chat
        quiet_room "chat-$variant"
        hundred_thousand "chat-$variant"
        bench "chat-$variant" --mode max --receivers 1000 --senders 10 --rate 50 --seconds 3 --max-rate 10000 || true
        stop_server
      done
    done
    unset CHAT_REDIS_URL
    ;;
  cluster)
    start_redis
    export CHAT_REDIS_URL="redis://127.0.0.1:$redis_port"
    for round in $(seq 1 "${2:-1}"); do
      echo "# round $round"
      start_server chat
      bench chat-redis-1-node --mode max --receivers 1000 --senders 10 --rate 50 --seconds 3 --max-rate 10000 || true
      stop_server
      CHAT_NODE=1 start_server chat
      first_url=$url other_pid=$server_pid server_pid=""
      CHAT_NODE=2 start_server chat
      bench chat-redis-2-nodes --url2 "$first_url" --mode max --receivers 1000 --senders 10 --rate 50 --seconds 3 \
        --max-rate 10000 || true
      stop_server
      kill "$other_pid" 2>/dev/null || true; wait "$other_pid" 2>/dev/null || true; other_pid=""
    done
    unset CHAT_REDIS_URL
    ;;
  shards)
    for round in $(seq 1 "${2:-1}"); do
      for backend in ${SHARDS_BACKENDS:-single cluster}; do
        echo "# round $round: $backend"
        if [ "$backend" = single ]; then
          start_redis
          ports=("$redis_port")
          export CHAT_REDIS_URL="redis://127.0.0.1:$redis_port"
        else
          start_redis_cluster
          ports=("${cluster_ports[@]}")
          export CHAT_REDIS_URL="redis://$(IFS=,; echo "${cluster_ports[*]/#/127.0.0.1:}")"
        fi
        CHAT_NODE=1 start_server chat
        first_url=$url other_pid=$server_pid server_pid=""
        CHAT_NODE=2 start_server chat
        # Redis's statistics of the measured window only: the messages, without the joins before or leaves after.
        hook="$scratch/window-hook.sh"
        printf '#!/usr/bin/env bash\nset -e\nsource %q\n' "$scratch/redis-fns.sh" > "$hook"
        printf 'if [ "$1" = start ]; then redis_reset %s > %q; else source %q; redis_cost "$BENCH_WINDOW_LABEL" %s; fi\n' \
          "${ports[*]}" "$scratch/redis-before.sh" "$scratch/redis-before.sh" "${ports[*]}" >> "$hook"
        chmod +x "$hook"
        declare -f redis_reset redis_cost > "$scratch/redis-fns.sh"
        BENCH_WINDOW_LABEL="chat-$backend-1x1000" bench "chat-$backend-1x1000" --url2 "$first_url" --mode fanout \
          --receivers 1000 --senders 10 --rate 100 --seconds 10 --warmup 3 --window-hook "$hook" || true
        BENCH_WINDOW_LABEL="chat-$backend-1000x10" bench "chat-$backend-1000x10" --url2 "$first_url" --mode fanout \
          --receivers 10000 --rooms 1000 --senders 1000 --rate 2000 --seconds 10 --warmup 3 --source-addresses 4 \
          --window-hook "$hook" || true
        stop_server
        kill "$other_pid" 2>/dev/null || true; wait "$other_pid" 2>/dev/null || true; other_pid=""
        if [ "$backend" = single ]; then kill "$redis_pid"; else kill "${cluster_pids[@]}"; fi
        wait 2>/dev/null || true
      done
    done
    unset CHAT_REDIS_URL
    ;;
  *) echo "usage: bench/run.sh small|full|profile|churn|gc|deflate [ROUNDS]|frames [ROUNDS]|quiet [ROUNDS]|threads [ROUNDS]|warm [ROUNDS]|writes|storm [ROUNDS] [chat|bun]|redis [ROUNDS]|cluster [ROUNDS]|shards [ROUNDS]|only NAME [ROUNDS]|rates NAME [ROUNDS]|connections NAME|memory" >&2; exit 2 ;;
esac
