#!/usr/bin/env bash
# Sets up everything ipcdump needs on Debian 12 (run as root): system packages, npm
# dependencies, BPF objects, the native addon and the TypeScript build. Idempotent: when
# everything is in place it only checks and returns in a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: run as root (e.g. sudo $0): it installs system packages, and tracing needs root" >&2
  exit 1
fi

# clang-16 compiles the CO-RE BPF objects; bpftool generates vmlinux.h and reads BTF;
# libbpf-dev + pkg-config + build-essential + python3 build the N-API addon (node-gyp);
# gcc also builds the small C workload programs used by tests and benchmarks; iproute2
# (network namespaces) and netbase (/etc/services) are used by the loopback tests; strace is
# the reference the ebpftracer tests compare against; iputils-ping and kmod (veth) serve the
# ipftrace tests; chromium (headless, driven by playwright-core) is the browser of the
# --map end-to-end test; dpkg-dev, debhelper, help2man and lintian build and check the
# install packages (scripts/package.sh, which the packages test runs).
PKGS=(clang-16 llvm-16 libbpf-dev libbpf1 bpftool libelf-dev zlib1g-dev build-essential pkg-config python3 make iproute2 netbase strace iputils-ping kmod chromium dpkg-dev debhelper help2man lintian)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# node-gyp must use the installed Node headers, never download them (there may be no network).
# They sit next to the running node: /usr/include/node for Debian/nodesource packages,
# <prefix>/include/node for the official tarballs.
NODE_PREFIX=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
if [ ! -f "$NODE_PREFIX/include/node/node_api.h" ]; then
  echo "setup: Node.js headers not found under $NODE_PREFIX/include/node; install the Node 20 package that ships them (e.g. nodesource's nodejs)" >&2
  exit 1
fi
export npm_config_nodedir="$NODE_PREFIX"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

say "building BPF objects"
npm run -s build:bpf

if [ ! -f native/build/Makefile ]; then
  say "configuring the native addon"
  (cd native && ../node_modules/.bin/node-gyp configure --nodedir="$NODE_PREFIX" --loglevel=error)
fi
say "building the native addon"
(cd native && ../node_modules/.bin/node-gyp build --loglevel=error >/dev/null)

# --version reports the commit the build came from.
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain --untracked-files=no 2>/dev/null | head -c1)
mkdir -p build
printf '{"commit":"%s%s"}\n' "$commit" "${dirty:+-dirty}" > build/build-info.json

say "compiling TypeScript"
npx tsc -p tsconfig.json
chmod +x dist/src/cli/*.js 2>/dev/null || true
say "ready"
