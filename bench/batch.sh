#!/usr/bin/env bash
# batch.sh — time `sesstool open --batch` and `verify --batch` on 1 and 2
# cores; run by `bench/run.sh batch` (see there for the settings).
#
# For each size in TOKENS it writes a keyring and that many tokens of the
# workload with a fixed seed and clock (TestGenTokens -gen-seed, so the same
# files on every run), checks that both commands print the same bytes at
# every core count, then runs REPS rounds. A round runs each command at
# each core count once, in turns (1 then 2 cores, then 2 then 1 in the
# next round), under /usr/bin/time: wall clock, user and system CPU time,
# maximum RSS, and the load average before the run. Results go to
# bench/results/<UTC date>-batch.txt (every run, then the summary) and
# -batch.md (the summary): per size, command and core count the median
# wall clock, CPU time and max RSS, and the scaling, as the median of each
# round's own wall(1 core)/wall(2 cores) and as the ratio of the medians.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
TOKENS=${TOKENS:-100000 1000000}
REPS=${REPS:-7}
CORES=${CORES:-1 2}
SEED=${SEED:-15}
BASELINE=${BASELINE:-}
MAXLOAD=${MAXLOAD:-}
at=2026-01-01T00:30:00Z # genAt in cmd/sesstool/batch_test.go

if [[ ! -x /usr/bin/time ]]; then
	echo "batch.sh: /usr/bin/time is missing (GNU time; on Debian or Ubuntu: apt-get install -y time)" >&2
	exit 1
fi
if [[ -n $BASELINE && ! -x $BASELINE ]]; then
	echo "batch.sh: BASELINE=$BASELINE is not an executable file" >&2
	exit 2
fi

cd "$here"
mkdir -p results
stamp=$(date -u +%Y-%m-%d)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
raw=$work/raw.tsv

echo "batch.sh: building sesstool" >&2
(cd "$root" && go build -o "$work/sesstool" ./cmd/sesstool)
bins=("new=$work/sesstool")
if [[ -n $BASELINE ]]; then
	bins+=("base=$BASELINE")
fi

for n in $TOKENS; do
	echo "batch.sh: writing $n tokens (seed $SEED)" >&2
	(cd "$root" && go test ./cmd/sesstool -run '^TestGenTokens$' -count 1 \
		-gen-tokens "$n" -gen-dir "$work/$n" -gen-seed "$SEED" >/dev/null)
done

# run BIN CMD CORES N: one timed run; prints wall, user, sys, max RSS (KB).
run() {
	local bin=$1 cmd=$2 cores=$3 n=$4 rc=0
	GOMAXPROCS=$cores /usr/bin/time -o "$work/time" -f '%e %U %S %M' \
		"$bin" "$cmd" --batch --quiet --keyring "$work/$n/keyring.json" --purpose bench --at "$at" \
		<"$work/$n/tokens.txt" >/dev/null || rc=$?
	if ((rc != 0)); then
		echo "batch.sh: $bin $cmd on $n tokens at $cores cores exited with $rc (want 0: every token valid)" >&2
		exit 1
	fi
	tail -1 "$work/time"
}

waitload() {
	[[ -z $MAXLOAD ]] && return 0
	local i
	for ((i = 0; i < 24; i++)); do
		awk -v m="$MAXLOAD" '{exit !($1 < m)}' /proc/loadavg && return 0
		sleep 5
	done
}

checks=()
for n in $TOKENS; do
	for cmd in open verify; do
		for b in "${bins[@]}"; do
			sums=""
			for c in $CORES; do
				s=$(GOMAXPROCS=$c "${b#*=}" "$cmd" --batch --quiet --keyring "$work/$n/keyring.json" \
					--purpose bench --at "$at" <"$work/$n/tokens.txt" | sha256sum | cut -c1-16)
				sums="$sums $c:$s"
			done
			if [[ $(echo "$sums" | tr ' ' '\n' | cut -d: -f2 | sort -u | grep -c .) != 1 ]]; then
				echo "batch.sh: ${b%%=*} $cmd on $n tokens prints different output at different core counts:$sums" >&2
				exit 1
			fi
			checks+=("$n $cmd ${b%%=*}: same output (sha256 ${sums##*:}) at cores $CORES")
		done
	done
done

read -ra cores <<<"$CORES"
for ((r = 1; r <= REPS; r++)); do
	echo "batch.sh: round $r of $REPS; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
	order=("${cores[@]}")
	if ((r % 2 == 0)); then
		order=($(printf '%s\n' "${cores[@]}" | tac))
	fi
	for n in $TOKENS; do
		for cmd in open verify; do
			for b in "${bins[@]}"; do
				waitload
				for c in "${order[@]}"; do
					load=$(cut -d' ' -f1 /proc/loadavg)
					printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$cmd" "${b%%=*}" "$c" "$r" \
						"$(run "${b#*=}" "$cmd" "$c" "$n" | tr ' ' '\t')" "$load" >>"$raw"
				done
			done
		done
	done
done

header() {
	echo "# sesstool bench: batch"
	echo "# date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "# cpu (/proc/cpuinfo): $(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -1)"
	echo "# cores: $(nproc); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "# $(go version)"
	echo "# commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- cmd format codec token 2>/dev/null || echo ' (uncommitted changes)')"
	echo "# tokens: $TOKENS (TestGenTokens -gen-seed $SEED; --at $at); rounds: $REPS; cores (GOMAXPROCS): $CORES"
	if [[ -n $BASELINE ]]; then
		echo "# binaries: new = this checkout; base = $BASELINE"
	fi
	printf '# %s\n' "${checks[@]}"
}

# summary: the markdown tables, from the raw lines.
summary() {
	awk -F'\t' -v cores="$CORES" '
	function median(s,    a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 2; i <= n; i++) {
			t = a[i] + 0
			for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]
			a[j + 1] = t
		}
		if (n % 2) return a[(n + 1) / 2]
		return (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function range(s,    a, n, i, lo, hi) {
		n = split(s, a, " ")
		lo = hi = a[1] + 0
		for (i = 2; i <= n; i++) { if (a[i] + 0 < lo) lo = a[i] + 0; if (a[i] + 0 > hi) hi = a[i] + 0 }
		return sprintf("%.2f–%.2f", lo, hi)
	}
	{
		k = $1 SUBSEP $2 SUBSEP $3 SUBSEP $4
		if (!(k in seen)) { seen[k] = 1; keys[++nk] = k }
		wall[k] = wall[k] " " $6; cpu[k] = cpu[k] " " ($7 + $8); rss[k] = rss[k] " " $9; load[k] = load[k] " " $10
		w[$1 SUBSEP $2 SUBSEP $3 SUBSEP $4 SUBSEP $5] = $6
		g = $1 SUBSEP $2 SUBSEP $3
		if (!(g in gseen)) { gseen[g] = 1; groups[++ng] = g }
		rounds[$5] = 1
	}
	END {
		nc = split(cores, c, " ")
		print "| tokens | command | binary | cores | wall clock, median (range) | CPU time (user+sys), median | CPU time vs 1 core | max RSS, median (range) | load average (1 min) during the runs |"
		print "|--:|---|---|--:|--:|--:|--:|--:|--:|"
		for (i = 1; i <= nk; i++) {
			split(keys[i], p, SUBSEP)
			k1 = p[1] SUBSEP p[2] SUBSEP p[3] SUBSEP c[1]
			printf "| %s | %s --batch | %s | %s | %.2f s (%s) | %.2f s | %.2f× | %.1f MB (%s) | %s |\n", \
				p[1], p[2], p[3], p[4], median(wall[keys[i]]), range(wall[keys[i]]), median(cpu[keys[i]]), \
				median(cpu[keys[i]]) / median(cpu[k1]), median(rss[keys[i]]) / 1024, \
				range(sprintf("%s", rssmb(rss[keys[i]]))), range(load[keys[i]])
		}
		if (nc < 2) exit
		print ""
		printf "| tokens | command | binary | scaling %s→%s cores: median of the rounds'"'"' wall(%s)/wall(%s) (range) | ratio of the median wall clocks |\n", c[1], c[nc], c[1], c[nc], c[1], c[nc]
		print "|--:|---|---|--:|--:|"
		for (i = 1; i <= ng; i++) {
			split(groups[i], p, SUBSEP)
			s = ""
			for (r in rounds) {
				a = w[groups[i] SUBSEP c[1] SUBSEP r]; b = w[groups[i] SUBSEP c[nc] SUBSEP r]
				if (a != "" && b + 0 > 0) s = s " " (a / b)
			}
			printf "| %s | %s --batch | %s | %.2f× (%s) | %.2f× |\n", p[1], p[2], p[3], median(s), range(s), \
				median(wall[groups[i] SUBSEP c[1]]) / median(wall[groups[i] SUBSEP c[nc]])
		}
	}
	function rssmb(s,    a, n, i, o) {
		n = split(s, a, " ")
		o = ""
		for (i = 1; i <= n; i++) o = o " " (a[i] / 1024)
		return o
	}' "$raw"
}

{
	header
	echo
	echo "## runs"
	echo
	echo "# tokens	command	binary	cores	round	wall_s	user_s	sys_s	maxrss_kb	load1"
	cat "$raw"
	echo
	echo "## summary"
	echo
	summary
} >"results/$stamp-batch.txt"
{
	header
	echo
	summary
} >"results/$stamp-batch.md"
cat "results/$stamp-batch.md"
echo "batch.sh: wrote results/$stamp-batch.txt and .md" >&2
