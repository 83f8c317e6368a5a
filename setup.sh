#!/bin/sh
# One-step set-up on a fresh machine: system packages for the fast native backend (Debian/Ubuntu,
# when apt-get is usable), then the npm dependencies from the lockfile (which also builds the
# TypeScript and, when a compiler and OpenBLAS are present, the native addon).
#   ./setup.sh            for running tinybert
#   ./setup.sh --browser  also installs Chromium (with a CJK font for screenshots) and PyTorch, the real clients the tests talk to
#                         (the browser test; torch.load / torch.save interop)
set -e
cd "$(dirname "$0")"
packages="g++ make python3 libopenblas-dev"
[ "$1" = "--browser" ] && packages="$packages chromium fonts-wqy-microhei python3-torch"
if command -v apt-get >/dev/null 2>&1; then
  missing=""
  for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    echo "setup: installing$missing"
    if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing; } >/dev/null; then
      echo "setup: could not install$missing; continuing (tinybert falls back to the pure-JS cpu backend)"
    fi
  fi
else
  echo "setup: no apt-get; install a C++ compiler and OpenBLAS yourself for the fast native backend"
fi
# onnxruntime-node (under the @huggingface/transformers devDependency) would otherwise fetch CUDA
# binaries from outside the npm registry in its postinstall; the CPU runtime ships in the package.
# (npm warns that an .npmrc key for it will stop working, so the environment variable it is.)
ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
