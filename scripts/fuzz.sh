#!/usr/bin/env bash
# Runs every fuzz target of the main module for a fixed budget each.
#
# Go 1.26's fuzz coordinator can report a bare "context deadline exceeded"
# failure when -fuzztime expires while a worker is mid-call (go.dev/issue/75804,
# fixed in Go 1.27). Such a run writes no failing input. A run that fails that
# way is replayed (seeds plus the cached corpus, -run) and fuzzed once more;
# any run that writes a failing input to testdata/fuzz, or fails for another
# reason, fails the step.
set -euo pipefail
budget=${1:-5s}
n=0
flaked=0
log=/tmp/fuzz-$$.log
trap 'rm -f "$log"' EXIT

crashers() { ls "$1/testdata/fuzz/$2" 2>/dev/null | sort || true; }

fuzz_once() { # pkg target → 0 ok, 1 real failure, 2 coordinator deadline race
  local pkg=$1 target=$2 dir=$3 before after
  before=$(crashers "$dir" "$target")
  if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$budget" "$pkg" >"$log" 2>&1; then
    return 0
  fi
  after=$(crashers "$dir" "$target")
  if [ "$before" = "$after" ] && grep -q '^    context deadline exceeded$' "$log" &&
    ! grep -q -e 'panic:' -e 'Failing input written' -e '^    [a-z_]*_test.go:[0-9]*:' "$log"; then
    return 2
  fi
  return 1
}

for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  ls "$dir"/*_test.go >/dev/null 2>&1 || continue
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go | sed 's/^func //' | sort -u); do
    echo "fuzz $pkg $target ($budget)"
    rc=0
    fuzz_once "$pkg" "$target" "$dir" || rc=$?
    if [ "$rc" = 2 ]; then
      echo "  $target: bare 'context deadline exceeded' at the fuzztime limit, no failing input written (go.dev/issue/75804); replaying the corpus and fuzzing again"
      go test -run "^${target}\$" -count=1 "$pkg" >"$log" 2>&1 || { cat "$log"; exit 1; }
      rc=0
      fuzz_once "$pkg" "$target" "$dir" || rc=$?
      flaked=$((flaked+1))
    fi
    if [ "$rc" != 0 ]; then
      cat "$log"
      exit 1
    fi
    n=$((n+1))
  done
done
echo "fuzz ok: $n targets, $budget each ($flaked retried after the Go 1.26 fuzztime race)"
