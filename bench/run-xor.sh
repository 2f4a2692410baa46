#!/usr/bin/env bash
# Reproduces the "Kernels: masking" tables of BENCHMARKS.md.
# Usage: bench/run-xor.sh [count]   (from the repository root; ~6 minutes at count 10)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-10}
out=${OUT:-/tmp/autobahn-xor}
mkdir -p "$out"
bs="$(go env GOPATH)/bin/benchstat"
[ -x "$bs" ] || go install golang.org/x/perf/cmd/benchstat@latest
go test -run '^$' -bench 'Mask' -benchtime 300ms -count "$count" ./xor/ | tee "$out/mask.txt" >/dev/null
go test -run '^$' -bench 'Impl' -benchtime 100ms -count "$count" ./xor/ | tee "$out/impl.txt" >/dev/null
(cd bench && go test -run '^$' -bench . -benchtime 300ms -count "$count" ./xor/) | tee "$out/peers.txt" >/dev/null
echo "## xor.Mask vs copy() vs a read-only pass (thread CPU time)"
"$bs" -col /op -row /size,/align -filter '.unit:cpu-MB/s' "$out/mask.txt"
echo "## every implementation (dispatch thresholds)"
"$bs" -col /impl -row /size -filter '.unit:cpu-MB/s' "$out/impl.txt"
echo "## against gobwas/ws Cipher"
"$bs" -col /lib -row /size -filter '.unit:cpu-MB/s' "$out/peers.txt"
