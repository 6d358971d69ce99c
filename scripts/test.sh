#!/usr/bin/env bash
# The test command (README, "Test it"; .ci/run calls exactly this). Installs the system packages the suite needs
# when they are missing, then runs the whole suite: unit tests, then the container and browser tests against the
# real WAR in a Tomcat unpacked from Maven Central. Extra arguments go to Maven, e.g. -Dit.test=PageIT.
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium + chromium-driver: the browser tests (Debian's pair always match; nothing is downloaded at test time).
# fonts-wqy-zenhei: CJK glyphs, so the Chinese page screenshots under target/screenshots are legible.
packages=(chromium chromium-driver fonts-wqy-zenhei)
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

exec mvn -B -ntp verify "$@"
