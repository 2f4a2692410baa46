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
# internal/aesgcm has kernels for VAES and VPCLMULQDQ on 512-bit vectors
# (with AVX-512) and on 256-bit vectors (with AVX2): it picks the standard
# library's AES-GCM ("generic") on CPUs without VAES.
if [ "$(go env GOHOSTARCH)" = amd64 ]; then
  aes=generic
  if grep -qw vaes /proc/cpuinfo && grep -qw vpclmulqdq /proc/cpuinfo; then
    aes=avx2
    if grep -qw avx512vl /proc/cpuinfo; then aes=avx512; fi
  fi
  # The host itself. On an AVX-512 CPU (Zen 4 here) xor keeps AVX2 (its
  # AVX-512 kernel measured no faster, see xor/mask_amd64.go) and utf8 takes
  # AVX-512 (measured faster); with AVX2 switched off both take AVX-512.
  if grep -q avx512vbmi /proc/cpuinfo && grep -q bmi2 /proc/cpuinfo; then
    run "host (AVX-512)" "xor=avx2,utf8=avx512,aesgcm=$aes,avx512" go test
    run "host, AUTOBAHN_NVX=noavx2" "aesgcm=$aes,avx512" env AUTOBAHN_NVX=noavx2 go test
    if [ "$aes" = avx512 ]; then
      run "host, AUTOBAHN_NVX=noavx512" "aesgcm=avx2,avx2" env AUTOBAHN_NVX=noavx512 go test
    fi
  elif grep -q avx2 /proc/cpuinfo; then
    run "host (AVX2)" "aesgcm=$aes,avx2" go test
  fi
  run "x86-64 Haswell (AVX2, no AVX-512)" "aesgcm=generic,avx2" go test -exec "qemu-x86_64 -cpu Haswell"
  run "x86-64 Penryn (SSE only)" "sse2|generic" go test -exec "qemu-x86_64 -cpu Penryn"
  run "x86-64 Haswell, AUTOBAHN_NVX=off" generic env AUTOBAHN_NVX=off go test -exec "qemu-x86_64 -cpu Haswell"
fi
run "arm64 (NEON)" "aesgcm=generic,neon" env GOARCH=arm64 go test -exec qemu-aarch64
run "arm64 purego" generic env GOARCH=arm64 go test -tags purego -exec qemu-aarch64
echo "qemu matrix ok"
