#!/usr/bin/env bash
# Installs what the WebGPU parity suite needs on Debian 12 (bookworm), idempotently:
# - lavapipe (Mesa's Vulkan CPU driver) from bookworm-backports: Dawn (the `webgpu` npm package for
#   Node, and Deno's WebGPU) rejects bookworm's own Mesa 22.3 ("shaderUniform*ArrayDynamicIndexing
#   required"); Mesa 25 from backports works and gives an adapter without a GPU;
# - Debian's `chromium` (headless, --enable-unsafe-webgpu gives a SwiftShader adapter), used through
#   playwright-core with executablePath /usr/bin/chromium: no tool downloads a browser of its own.
# Run as root (or through sudo). Safe to run again: it only adds what is missing.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then exec sudo -E bash "$0" "$@"; fi
  echo "setup-webgpu: must run as root (apt-get installs system packages)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
BACKPORTS=/etc/apt/sources.list.d/bookworm-backports.sources
MAIN=/etc/apt/sources.list.d/debian.sources

have_pkg() {
  # installed (not merely known) at any version
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

lavapipe_ok() {
  # the backports build (25.x) ships lvp_icd.x86_64.json; bookworm's 22.3 is rejected by Dawn
  have_pkg mesa-vulkan-drivers || return 1
  local v
  v=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)
  dpkg --compare-versions "$v" ge 24 
}

updated=0
apt_update() {
  if [ "$updated" -eq 0 ]; then apt-get update; updated=1; fi
}

if ! lavapipe_ok; then
  if [ ! -f "$BACKPORTS" ]; then
    if [ ! -f "$MAIN" ]; then
      echo "setup-webgpu: $MAIN is missing; cannot derive the Debian mirror and keyring for bookworm-backports" >&2
      exit 1
    fi
    # Same mirror and keyring as the first entry of the system's own source file (copied at run time:
    # no host name is written down here).
    uris=$(awk '/^URIs:/ { sub(/^URIs:[ \t]*/, ""); print; exit }' "$MAIN")
    signed=$(awk '/^Signed-By:/ { sub(/^Signed-By:[ \t]*/, ""); print; exit }' "$MAIN")
    if [ -z "$uris" ]; then
      echo "setup-webgpu: no URIs: line in $MAIN" >&2
      exit 1
    fi
    {
      echo "Types: deb"
      echo "URIs: $uris"
      echo "Suites: bookworm-backports"
      echo "Components: main"
      if [ -n "$signed" ]; then echo "Signed-By: $signed"; fi
    } > "$BACKPORTS"
    echo "setup-webgpu: wrote $BACKPORTS"
  fi
  apt_update
  apt-get install -y --no-install-recommends -t bookworm-backports mesa-vulkan-drivers
fi

missing=()
have_pkg libvulkan1 || missing+=(libvulkan1)
have_pkg chromium || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
  apt_update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi

echo "setup-webgpu: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers), chromium $(dpkg-query -W -f='${Version}' chromium)"
