#!/usr/bin/env bash
# Key rotation, end to end (issue 13, part 5): a copy of the example site is built with
# its first key two days ago, the key is rotated yesterday, a credential is issued
# yesterday, and the site is built today. `credsite verify` and the independent
# verifier (verify_site.py) must then accept every credential: those signed with the
# retired key and the one signed with the new key. With THIRDPARTY=1 (after `npm ci` in
# tests/thirdparty), Digital Bazaar's verifiers must accept them too, with each
# cryptosuite.
#
#   tests/interop/rotated-site.sh CREDSITE_BIN PYTHON
set -euo pipefail
credsite="$(realpath "$1")"
python="$2"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$repo/credsite.toml" "$work/"
cp -r "$repo/content" "$repo/static" "$work/"
day() { date -u -d "$1" +%F; }
epoch() { date -u -d "$1" +%s; }
today="$(day today)"
yesterday="$(day yesterday)"
SOURCE_DATE_EPOCH="$(epoch "2 days ago 00:00")" "$credsite" --root "$work" build
SOURCE_DATE_EPOCH="$(epoch "yesterday 00:00")" "$credsite" --root "$work" keygen --rotate
echo "cdpp-2026-0950,Nia Rotated,,cdpp,$yesterday,,,," >> "$work/content/credentials/roster-2019-2026.csv"
"$credsite" --root "$work" build --as-of "$today"
set +e
(cd "$work" && "$credsite" verify public --as-of "$today") > "$work/verify.txt"
rc=$?
set -e
cat "$work/verify.txt"
test "$rc" -eq 1 # the example's revoked credentials
grep -q "; 0 failed; " "$work/verify.txt"
grep -q "^KEY 1 of 2 .*: signed 52 credentials, 52 of them issued while it was active" "$work/verify.txt"
grep -q "^KEY 2 of 2 .*: signed 1 credentials, 1 of them issued while it was active" "$work/verify.txt"
"$python" "$repo/tests/interop/verify_site.py" "$work/public" \
  --expect "$repo/tests/interop/expected-status.json" --as-of "$today"
if [ -n "${THIRDPARTY:-}" ]; then
  node "$repo/tests/thirdparty/verify.mjs" "$work/public" \
    --expect "$repo/tests/interop/expected-status.json"
fi
