#!/usr/bin/env bash
# fuzz/run.sh [DURATION] — runs every fuzz target in the module for DURATION
# each (default 10s), one after another, and stops at the first failure.
# A failing input is written by `go test` under PKG/testdata/fuzz/TARGET/:
# fix the bug, then commit that file as a regression seed.
#
# Usage: fuzz/run.sh 5s        # CI smoke run
#        fuzz/run.sh 10m       # a long run (see FUZZING.md)
#        FUZZ_FILTER=Ktor fuzz/run.sh 1m   # only targets whose name matches
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
filter=${FUZZ_FILTER:-.}
targets=0
failed=()
while IFS= read -r pkg; do
  dir=${pkg#github.com/sesstool/sesstool}
  dir=.${dir}
  for name in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    [[ $name =~ $filter ]] || continue
    targets=$((targets + 1))
    echo "== $dir $name ($duration)"
    out=$(go test -run='^$' -fuzz="^${name}\$" -fuzztime="$duration" "$dir" 2>&1) && rc=0 || rc=$?
    # A run so short that the fuzzing engine's own deadline expires while it
    # is still replaying the corpus fails with "context deadline exceeded"
    # and no failing input: that is the engine running out of time on a busy
    # machine, not a finding. Run such a target once more, for longer; a
    # real finding always says "Failing input written to".
    if ((rc != 0)) && grep -q 'context deadline exceeded' <<<"$out" && ! grep -q 'Failing input written' <<<"$out"; then
      echo "$out" | tail -n 2
      echo "fuzz: $name ran out of time replaying its corpus; running it again for 30s"
      out=$(go test -run='^$' -fuzz="^${name}\$" -fuzztime=30s "$dir" 2>&1) && rc=0 || rc=$?
    fi
    echo "$out" | tail -n 4
    if ((rc != 0)); then
      failed+=("$dir $name")
    fi
  done
done < <(go list ./...)
echo "fuzz: ${targets} targets run for ${duration} each, ${#failed[@]} failed"
if ((${#failed[@]})); then
  printf 'FAILED: %s\n' "${failed[@]}"
  exit 1
fi
