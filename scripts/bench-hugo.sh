#!/usr/bin/env bash
# credsite against Hugo on the same machine, in one run (README "Benchmarks"):
# Hugo (Debian's `hugo` package) builds N plain Markdown pages with a minimal layout
# (one list page, one page per item); then credsite builds N synthetic credentials
# (signing each, with its page, QR code, listings, search index, feed and manifest).
# Prints both times and the ratio credsite / Hugo. N defaults to 100,000.
# ROUNDS (default 3) alternates the two that many times and prints the median ratio:
# on a shared or virtual machine one pair can be off by a fifth either way. A first
# round 0 is a warm-up, printed but not counted: whichever program ran first after
# the content was made used to be the slower by up to a third (on this VM, memory
# the guest freed is faulted back in by the host on first touch).
# Installs hugo with apt-get when missing (needs root).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
if ! command -v hugo >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hugo >/dev/null
fi
work="${CREDSITE_BENCH_DIR:-$PWD/target/bench-hugo}"
rm -rf "$work/hugo" && mkdir -p "$work/hugo/content/items" "$work/hugo/layouts/_default"
cat > "$work/hugo/config.toml" <<'TOML'
baseURL = "https://example.org/"
title = "Hugo comparison"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
TOML
cat > "$work/hugo/layouts/_default/list.html" <<'HTML'
<!DOCTYPE html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul></body></html>
HTML
cat > "$work/hugo/layouts/_default/single.html" <<'HTML'
<!DOCTYPE html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>{{ .Content }}</body></html>
HTML
python3 - "$work/hugo/content/items" "$n" <<'PY'
import sys, pathlib
out, n = pathlib.Path(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    (out / f"item-{i:07}.md").write_text(
        f"---\ntitle: \"Holder {i}\"\ndate: 2026-01-01\n---\n\nHolder {i} holds the **CDPP** "
        f"credential, issued on 2026-01-01. See [the program](/programs/cdpp/).\n")
PY
hugo version
rounds="${ROUNDS:-3}"
ratios=()
for round in $(seq 0 "$rounds"); do
  rm -rf "$work/hugo/public"
  start=$(date +%s.%N)
  hugo --quiet --source "$work/hugo" --destination "$work/hugo/public" >/dev/null
  hugo_s=$(echo "$(date +%s.%N) - $start" | bc)
  echo "round $round: hugo: $n pages in ${hugo_s} s"
  out=$(CREDSITE_BENCH_DIR="$work" CREDSITE_BENCH_N="$n" CREDSITE_BENCH_RUNS=1 cargo bench --bench build 2>/dev/null)
  echo "$out"
  credsite_s=$(echo "$out" | sed -n 's/^first build.* in \([0-9.]*\) s.*/\1/p')
  ratio=$(echo "scale=2; $credsite_s / $hugo_s" | bc)
  if [ "$round" -gt 0 ]; then ratios+=("$ratio"); fi
  label="round $round"
  if [ "$round" -eq 0 ]; then label="round 0 (warm-up, not counted)"; fi
  echo "$label: credsite: $n credentials in ${credsite_s} s; hugo: ${hugo_s} s; ratio credsite/hugo = $ratio"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ r[NR] = $1 } END { print (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2 }')
echo "ratios credsite/hugo: ${ratios[*]}; median $median (target: at most 0.5)"
