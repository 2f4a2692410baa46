#!/usr/bin/env bash
# The kernel packages may depend only on the standard library, golang.org/x/sys
# and this module (DESIGN.md, "Rules that keep the house livable").
set -euo pipefail
mod=$(go list -m)
bad=$(for arch in amd64 arm64; do
  for tags in "" purego; do
    GOARCH=$arch go list -tags "$tags" -deps -f '{{if not .Standard}}{{.ImportPath}}{{end}}' "$@"
  done
done | sort -u | grep -v -e "^$mod\(/\|$\)" -e '^golang.org/x/sys/' || true)
if [ -n "$bad" ]; then
  echo "kernel packages $* depend on:"; echo "$bad"; exit 1
fi
echo "kernel deps ok: $*"
