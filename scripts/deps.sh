#!/usr/bin/env bash
# Installs what `make test` needs on a fresh Debian machine (run as root), and
# nothing when it is already there.
set -euo pipefail
GOBIN="$(go env GOPATH)/bin"

need_apt=()
command -v qemu-x86_64 >/dev/null 2>&1 || need_apt+=(qemu-user)
command -v git >/dev/null 2>&1 || need_apt+=(git)
# The interop peers (scripts/interop.sh checks again and installs what is
# still missing), here so that a fresh machine runs apt-get update once.
/usr/bin/python3 -c 'import autobahn.twisted.websocket, twisted' 2>/dev/null || need_apt+=(python3-autobahn python3-twisted)
/usr/bin/python3 -c 'import snappy' 2>/dev/null || need_apt+=(python3-snappy) # permessage-snappy interop
/usr/bin/python3 -c 'import passlib, argon2' 2>/dev/null || need_apt+=(python3-passlib python3-argon2) # WAMP-SCRAM: SASLprep and AuthScram cross-checks
/usr/bin/python3 -c 'import cbor2, msgpack, ubjson, nacl' 2>/dev/null || need_apt+=(python3-cbor2 python3-msgpack python3-ubjson python3-nacl) # the WAMP router's Python peers
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing with apt: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Tools are pinned so a fresh machine gets what was tested.
if [ ! -x "$GOBIN/staticcheck" ]; then
  echo "installing staticcheck"
  go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi
echo "deps ok: $(go version), $(qemu-x86_64 --version | head -1), staticcheck $("$GOBIN/staticcheck" -version)"
