#!/usr/bin/env bash
# SMP Trainer developer entry point. Works on a fresh Debian 12 machine as root (or with sudo).
#   bash tools/dev.sh run  [trainer args]  install deps, build, open the trainer on its default scenario
#   bash tools/dev.sh test                 install deps, build, run every test (as CI does)
#   bash tools/dev.sh deps | build | asan  the individual steps
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${SMP_BUILD_DIR:-$ROOT/build}
JOBS=${SMP_JOBS:-$(nproc)}

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libsdl2-dev libepoxy-dev libimgui-dev libstb-dev libbullet-dev libxi-dev libx11-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev libnanoflann-dev
  libsodium-dev libssl-dev libcurl4-openssl-dev libcairo2-dev libpango1.0-dev fonts-dejavu-core
  libgl1-mesa-dri libegl-mesa0 mesa-utils xvfb xauth
  poppler-utils minisign clang libclang-rt-14-dev
)

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

deps() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
  if ((${#missing[@]})); then
    echo "== installing ${#missing[@]} Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
  # Independent validators for the report tests (JOSE, xAPI, a loopback LRS), pinned by the lock file.
  if [[ -f tests/report/node/package-lock.json ]]; then
    (cd tests/report/node && { [[ -d node_modules ]] || npm ci --no-audit --no-fund --loglevel=error; })
  fi
}

configure() {  # configure <dir> [cmake args...]
  local dir=$1; shift
  cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
}

build() {
  configure "$BUILD"
  cmake --build "$BUILD" -j "$JOBS"
}

has_display() {
  [[ -n ${DISPLAY:-} || -n ${WAYLAND_DISPLAY:-} || ${SDL_VIDEODRIVER:-} == offscreen ]]
}

run() {
  deps
  build
  # The trainer itself says so plainly and runs its headless demo when there is no display.
  exec "$BUILD/bin/smp-trainer" --scenario "$ROOT/scenarios/frontal-hairline.json" "$@"
}

unit_tests() {  # unit_tests <build dir> [ctest args...]
  local dir=$1; shift
  SDL_VIDEODRIVER=offscreen ctest --test-dir "$dir" --output-on-failure -j "$JOBS" "$@"
}

asan() {
  local dir=$ROOT/build-asan
  configure "$dir" -DSMP_SANITIZE=ON -DSMP_BUILD_BENCH=OFF
  cmake --build "$dir" -j "$JOBS"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  LSAN_OPTIONS=suppressions=$ROOT/tests/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    unit_tests "$dir" "$@"
}

test_all() {
  local t0=$SECONDS
  deps
  build
  echo "== tests ($BUILD)"
  unit_tests "$BUILD"
  echo "== command line as the README uses it"
  "$BUILD/bin/smp" validate scenarios/*.json
  echo "== AddressSanitizer + UndefinedBehaviorSanitizer build"
  asan
  echo "== all tests passed in $((SECONDS - t0)) s"
}

cmd=${1:-test}
shift || true
case $cmd in
  deps) deps ;;
  build) deps; build ;;
  run) run "$@" ;;
  test) test_all ;;
  asan) deps; asan "$@" ;;
  *) echo "usage: bash tools/dev.sh run|test|deps|build|asan" >&2; exit 64 ;;
esac
