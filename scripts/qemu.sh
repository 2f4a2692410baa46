#!/usr/bin/env bash
# The dispatch matrix: the kernel packages' tests on the host and on emulated
# CPUs, each run
# asserting which implementation the automatic dispatch picked
# (NVX_TEST_REQUIRE, checked by the TestDispatch test of each kernel package).
# -short trims the exhaustive loops, which are slow under emulation.
set -euo pipefail
pkgs=("$@")
run() {
  local label=$1 require=$2; shift 2
  echo "qemu: $label (must pick $require)"
  NVX_TEST_REQUIRE="$require" "$@" -count=1 -short -timeout 15m "${pkgs[@]}"
}
if [ "$(go env GOHOSTARCH)" = amd64 ]; then
  # The host itself: AVX2 wherever it exists (AVX-512 measured slower on
  # Zen 4, see xor/mask_amd64.go); AVX-512 when AVX2 is switched off.
  if grep -q avx2 /proc/cpuinfo; then
    run "host" avx2 go test
  fi
  if grep -q avx512bw /proc/cpuinfo && grep -q bmi2 /proc/cpuinfo; then
    run "host, AUTOBAHN_NVX=noavx2" avx512 env AUTOBAHN_NVX=noavx2 go test
  fi
  run "x86-64 Haswell (AVX2, no AVX-512)" avx2 go test -exec "qemu-x86_64 -cpu Haswell"
  run "x86-64 Penryn (SSE only)" "sse2|generic" go test -exec "qemu-x86_64 -cpu Penryn"
  run "x86-64 Haswell, AUTOBAHN_NVX=off" generic env AUTOBAHN_NVX=off go test -exec "qemu-x86_64 -cpu Haswell"
fi
run "arm64 (NEON)" neon env GOARCH=arm64 go test -exec qemu-aarch64
run "arm64 purego" generic env GOARCH=arm64 go test -tags purego -exec qemu-aarch64
echo "qemu matrix ok"
