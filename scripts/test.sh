#!/usr/bin/env bash
# The test command (README, "Test it"; .ci/run calls exactly this). Installs the system packages the suite needs
# when they are missing, then runs the whole suite against the real WAR in each container we support, each
# unpacked from Maven Central: unit, container and browser tests on Tomcat 10.1, a small run of the fan-out
# benchmark, then the same container and browser tests on Tomcat 11 and on WildFly. Extra arguments go to every
# Maven run of the suite, e.g. -Dit.test=PageIT.
# For a quick loop on Tomcat 10.1 alone, `mvn verify` is enough once the packages are installed.
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium + chromium-driver: the browser tests (Debian's pair always match; nothing is downloaded at test time).
# fonts-wqy-zenhei: CJK glyphs, so the Chinese page screenshots under target/screenshots are legible.
# curl: the benchmark script waits for the health endpoint with it.
# redis-server: the Redis engine's tests start their own, on a free loopback port (apt does not start one here).
# nginx: NginxIT runs docker/nginx.conf in front of two nodes, as docker/compose.yaml does (its own, on a free port).
packages=(chromium chromium-driver fonts-wqy-zenhei curl redis-server nginx)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} ..."
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "Need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

only_its=(-Dtest=none -Dsurefire.failIfNoSpecifiedTests=false)
echo "== Tomcat 10.1: unit, container and browser tests"
mvn -B -ntp verify "$@"
echo "== Fan-out benchmark, small size (proves it runs and loses nothing at a light load; numbers: bench/run.sh full)"
bash bench/run.sh small
echo "== Tomcat 11: container and browser tests"
mvn -B -ntp verify -Dtomcat.version=11.0.24 "${only_its[@]}" "$@"
echo "== WildFly 39: container and browser tests"
mvn -B -ntp verify -Pwildfly "${only_its[@]}" "$@"
