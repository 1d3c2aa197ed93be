#!/usr/bin/env bash
# SMP Trainer developer entry point. Works on a fresh Debian 12 machine as root (or with sudo).
#   bash tools/dev.sh run  [trainer args]  install deps, build, open the trainer on its default scenario
#   bash tools/dev.sh test                 install deps, build, run every test (as CI does)
#   bash tools/dev.sh deps | build | asan  the individual steps
#   bash tools/dev.sh fuzz [SECONDS [TARGET...]]  libFuzzer runs (clang), default 600 s per target
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${SMP_BUILD_DIR:-$ROOT/build}
JOBS=${SMP_JOBS:-$(nproc)}

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libsdl2-dev libepoxy-dev libimgui-dev libstb-dev libbullet-dev libxi-dev libx11-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev libnanoflann-dev
  libsodium-dev libssl-dev libcurl4-openssl-dev libcairo2-dev libpango1.0-dev fonts-dejavu-core fonts-droid-fallback
  libgl1-mesa-dri libegl-mesa0 mesa-utils xvfb xauth
  poppler-utils minisign clang libclang-rt-14-dev
  libsqlite3-dev libqrencode-dev
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
    (cd tests/report/node && { [[ -d node_modules ]] || npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; })
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

# Tests that open a GL context run under ASan+UBSan without leak checking: Mesa's llvmpipe driver
# is dlclose()d at exit, so LeakSanitizer reports its one-time allocations (128 + 2 x 56 bytes)
# against an "<unknown module>" that no suppression can name.
ASAN_EXCLUDE='^(RenderTest|TrainerHeadless|TrainerScript|TrainerCrash)\.'

asan() {
  local dir=$ROOT/build-asan
  configure "$dir" -DSMP_SANITIZE=ON -DSMP_BUILD_BENCH=OFF
  cmake --build "$dir" -j "$JOBS"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  LSAN_OPTIONS=suppressions=$ROOT/tests/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    unit_tests "$dir" -E "$ASAN_EXCLUDE" "$@"
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    unit_tests "$dir" -R "$ASAN_EXCLUDE" "$@"
  # Optional libFuzzer smoke run (clang): SMP_FUZZ_SECONDS=20 runs every fuzz target that long
  # from the shipped files. Off by default: its clang build adds minutes to `test`.
  if [[ ${SMP_FUZZ_SECONDS:-0} -gt 0 ]] && command -v clang++ >/dev/null 2>&1; then
    fuzz "$SMP_FUZZ_SECONDS"
  fi
}

# Seed corpora from the shipped files (docs/performance.md, "Fuzzing"). Sessions are also cut
# down to their first events/impressions: small seeds make many more executions per second.
fuzz_seeds() {  # fuzz_seeds <fuzz build dir> <smp binary or "">
  local dir=$1 smp=$2 s=$1/seeds
  rm -rf "$s" && mkdir -p "$s"/{scenario,session,replay,pigments,report_verify,report_inputs}
  cp scenarios/*.json "$s/scenario/"
  cp assets/pigments.json "$s/pigments/"
  local f k
  for f in assets/sessions/*.json; do
    for k in 12 60; do
      awk -v k=$k '
        /^  "(events|impressions)": \[/ {print; inarr=1; n=0; next}
        inarr && /^  \],?$/ {inarr=0; print; next}
        inarr {n++; if (n < k) print; else if (n == k) {sub(/,$/, ""); print}; next}
        /^  "recorded":/ {next}
        {print}' "$f" >"$s/session/$(basename "$f" .json)-$k.json"
    done
  done
  cp "$s"/session/* "$s/replay/"
  # Report inputs: a real key, trusted-keys file, academy and report made with the built smp.
  if [[ -n $smp && -x $smp ]] && "$smp" --help | grep -q keygen; then
    # The sanitizer-built smp draws the PDF through fontconfig: same suppressions as the tests.
    local -x LSAN_OPTIONS=suppressions=$ROOT/tests/lsan.supp:print_suppressions=0
    local g=$dir/seed-report
    rm -rf "$g" && mkdir -p "$g"
    echo '{"format":"smp-academy/1","id":"https://academy.example/","name":"Seed Academy"}' >"$g/academy.json"
    "$smp" keygen --out "$g/key.json" --academy "$g/academy.json" --trusted-keys "$g/trusted.json" \
      --created-at 2026-01-01T00:00:00Z --valid-from 2026-01-01T00:00:00Z >/dev/null
    "$smp" report --scenario scenarios/frontal-hairline.json \
      --session assets/sessions/frontal-hairline-interchange.session.json --trainee seed \
      --name "Seed Trainee" --key "$g/key.json" --issued-at 2026-02-01T10:00:00Z \
      --out "$g/report" >/dev/null
    local r=$g/report
    { cat "$r/report.json"; printf '\0'; cat "$r/report.json.sig"; printf '\0'; cat "$r/badge.jws"; } \
      >"$s/report_verify/full"
    { cat "$r/report.json"; printf '\0'; cat "$r/report.json.sig"; } >"$s/report_verify/no-badge"
    local i=0 name
    for name in key.json trusted.json academy.json report/xapi.json report/badge.jws \
      report/report.json.sig; do
      { printf "\\$(printf '%03o' $i)"; cat "$g/$name"; } >"$s/report_inputs/$i"
      i=$((i + 1))
    done
  fi
}

# bash tools/dev.sh fuzz [SECONDS [TARGET...]]: build the libFuzzer targets (clang, ASan+UBSan)
# in build-fuzz and run each for SECONDS (default 600), two at a time. Corpora grow in
# build-fuzz/corpus/<target>; a crash, leak, timeout or OOM is saved in build-fuzz/findings/ and
# fails the run: minimise it, fix it, and add it to tests/fuzz/regressions/<target>/.
fuzz() {
  local secs=${1:-600}; shift || true
  local dir=$ROOT/build-fuzz
  CC=clang CXX=clang++ configure "$dir" -DSMP_FUZZ=ON -DSMP_BUILD_TRAINER=OFF -DSMP_BUILD_BENCH=OFF
  local targets=("$@")
  if ((${#targets[@]} == 0)); then
    targets=(scenario session replay pigments)
    [[ -f $ROOT/engine/report/CMakeLists.txt ]] && targets+=(report_verify report_inputs)
  fi
  local t
  cmake --build "$dir" -j "$JOBS" --target smp $(for t in "${targets[@]}"; do echo "fuzz_$t"; done)
  fuzz_seeds "$dir" "$dir/bin/smp"
  mkdir -p "$dir/findings" "$dir/logs"
  local failed=0 i pids=() names=()
  local -A lens=([scenario]=32768 [session]=16384 [replay]=16384 [pigments]=8192
    [report_verify]=32768 [report_inputs]=16384)
  for t in "${targets[@]}"; do
    [[ -x $dir/bin/fuzz_$t ]] || { echo "no fuzz target $t" >&2; return 64; }
    mkdir -p "$dir/corpus/$t" "$dir/logs/$t"
    (cd "$dir/logs/$t" && ASAN_OPTIONS=detect_leaks=1 \
      LSAN_OPTIONS=suppressions=$ROOT/tests/lsan.supp:print_suppressions=0 \
      SMP_FUZZ_REPORT_FILES=$dir/seed-report/report \
      "$dir/bin/fuzz_$t" "$dir/corpus/$t" "$dir/seeds/$t" -max_len=${lens[$t]:-16384} \
      -rss_limit_mb=2048 -timeout=10 -max_total_time="$secs" -print_final_stats=1 \
      -artifact_prefix="$dir/findings/$t-" >"$t.out" 2>&1) &
    pids+=($!) names+=("$t")
    if ((${#pids[@]} == 2)); then
      for i in 0 1; do wait "${pids[$i]}" || { failed=1; echo "fuzz_${names[$i]} FAILED: $dir/logs/${names[$i]}/${names[$i]}.out" >&2; }; done
      pids=() names=()
    fi
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { failed=1; echo "fuzz_${names[$i]} FAILED: $dir/logs/${names[$i]}/${names[$i]}.out" >&2; }
  done
  for t in "${targets[@]}"; do
    echo "fuzz_$t: $(grep -h 'stat::number_of_executed_units' "$dir/logs/$t/$t.out" | awk '{print $2}') runs in ${secs} s"
  done
  return $failed
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
  fuzz) deps; fuzz "$@" ;;
  *) echo "usage: bash tools/dev.sh run|test|deps|build|asan|fuzz" >&2; exit 64 ;;
esac
