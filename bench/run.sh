#!/usr/bin/env bash
# run.sh — compare sesstool with its peers and floors on the one workload.
#
# Usage: bench/run.sh [wall|callgrind|profile|http|httpprofile|httpcallgrind|batch]
#
#   wall       (default) interleaved run: ROUNDS rounds, each running every
#              system's Mint and Open once for BENCHTIME, in a new random
#              order per round, appended to one file; then benchstat and
#              markdown tables of medians and per-round ratios, in CPU time
#              per op (cpu-ns/op: getrusage) and in wall clock.
#   callgrind  instruction counts under valgrind --tool=callgrind, which repeat
#              (within 0.5%): each benchmark at HI and LO iterations, per-op count =
#              (Ir(HI) - Ir(LO)) / (HI - LO).
#   profile    CPU and allocation profiles of sesstool's Mint and Open (default
#              configuration: xchacha20poly1305 + JSON; + CBOR; aes256gcm +
#              JSON), as pprof -top listings, plus a
#              callgrind inclusive listing of each.
#   http       interleaved HTTP requests (BenchmarkHTTP): ROUNDS rounds, each
#              running every HTTP row once for BENCHTIME in a new random
#              order; CPU time per request (cpu-ns/op), wall clock and
#              allocations; benchstat and a table of medians and ratios.
#   httpprofile CPU and allocation profiles of sesstool's HTTP rows (client
#              and server mode): pprof -top, and the request path's lines.
#   httpcallgrind instructions per HTTP request under callgrind, as callgrind
#              does for Mint and Open (system calls, such as the file
#              writes of gorilla's FilesystemStore, are not counted).
#   batch      the sesstool binary's open --batch and verify --batch on 1
#              and 2 cores (GOMAXPROCS), over TOKENS tokens made with a
#              fixed seed and clock: wall clock, CPU time and max RSS under
#              /usr/bin/time, REPS interleaved rounds, medians and scaling
#              (bench/batch.sh). Settings: TOKENS ("100000 1000000"), REPS
#              (7), CORES ("1 2"), SEED (15), BASELINE (another sesstool
#              binary to time in the same rounds), MAXLOAD (wait, up to 2
#              minutes, for the 1-minute load average to drop below it).
#
# Output goes to bench/results/<UTC date>-<mode>.{txt,md} (and -raw.txt for
# wall, http). Settings, from the environment: ROUNDS (20), BENCHTIME (100ms), LO
# (100), HI (2000), JOBS (parallel valgrind runs, 2), ONLY (an extended regexp;
# run only the systems whose names match it), PROFTIME (profile: 3s).
#
# Needs Go (the bench module's go.mod pins benchstat as a tool) and, for
# callgrind and profile, valgrind: on Debian or Ubuntu,
#   apt-get update && apt-get install -y valgrind
set -euo pipefail

mode=${1:-wall}
case $mode in
wall | callgrind | profile | http | httpprofile | httpcallgrind) ;;
batch) exec "$(dirname "$0")/batch.sh" ;;
-h | --help | help)
	sed -n '2,43p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
*)
	echo "run.sh: unknown mode '$mode' (want wall, callgrind, profile, http, httpprofile, httpcallgrind or batch)" >&2
	exit 2
	;;
esac

ROUNDS=${ROUNDS:-20}
BENCHTIME=${BENCHTIME:-100ms}
LO=${LO:-100}
HI=${HI:-2000}
JOBS=${JOBS:-2}
ONLY=${ONLY:-.}
PROFTIME=${PROFTIME:-3s}

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
mkdir -p results
stamp=$(date -u +%Y-%m-%d)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [[ $mode == callgrind || $mode == profile || $mode == httpcallgrind ]] && ! command -v valgrind >/dev/null; then
	echo "run.sh: valgrind is not installed; the $mode mode needs it." >&2
	echo "run.sh: on Debian or Ubuntu: apt-get update && apt-get install -y valgrind" >&2
	exit 1
fi

echo "run.sh: building the test binary and benchtable" >&2
go test -c -o "$work/bench.test" .
go build -o "$work/benchtable" ./cmd/benchtable
case $mode in
http | httpprofile | httpcallgrind) mapfile -t names < <("$work/benchtable" httpnames | grep -E -- "$ONLY") ;;
*) mapfile -t names < <("$work/benchtable" names | grep -E -- "$ONLY") ;;
esac
if ((${#names[@]} == 0)); then
	echo "run.sh: no system matches ONLY='$ONLY'" >&2
	exit 2
fi

header() {
	echo "# sesstool bench: $mode"
	echo "# date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "# cpu (lscpu): $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
	echo "# cpu (/proc/cpuinfo): $(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -1)"
	echo "# cores: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "# $(go version)"
	echo "# commit: $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$here/.." diff --quiet HEAD -- token keyring codec transform 2>/dev/null || echo ' (token/keyring/codec/transform have uncommitted changes)')"
	echo "# systems: ${#names[@]}"
	if [[ $mode == wall || $mode == http ]] && awk -v n="$(nproc)" '{exit !($1 > n)}' /proc/loadavg; then
		echo "# WARNING: the load average exceeds the $(nproc) cores: other processes took much of the CPU,"
		echo "# so wall-clock ratios are unreliable (see the per-round ranges); trust the callgrind counts"
	fi
}

case $mode in
wall)
	raw=results/$stamp-wall-raw.txt
	header >"$raw"
	echo "# rounds: $ROUNDS; benchtime: $BENCHTIME; GOMAXPROCS: default" >>"$raw"
	for ((r = 1; r <= ROUNDS; r++)); do
		echo "run.sh: round $r of $ROUNDS" >&2
		echo "# round $r" >>"$raw"
		for n in $(printf '%s\n' "${names[@]}" | shuf); do
			"$work/bench.test" -test.run '^$' -test.bench "^Benchmark(Mint|Open)\$/^$n\$" \
				-test.benchtime "$BENCHTIME" | grep -E '^(Benchmark|goos|goarch|pkg|cpu)' >>"$raw"
		done
	done
	{
		header
		echo "# rounds: $ROUNDS; benchtime: $BENCHTIME; raw results: $(basename "$raw")"
		echo
		echo "## benchstat"
		echo
		go tool benchstat "$raw"
		echo
		echo "## table"
		echo
		"$work/benchtable" wall "$raw"
	} >"results/$stamp-wall.txt"
	{
		header
		echo
		"$work/benchtable" wall "$raw"
	} >"results/$stamp-wall.md"
	cat "results/$stamp-wall.md"
	;;

http)
	raw=results/$stamp-http-raw.txt
	header >"$raw"
	echo "# rounds: $ROUNDS; benchtime: $BENCHTIME; GOMAXPROCS: default" >>"$raw"
	for ((r = 1; r <= ROUNDS; r++)); do
		echo "run.sh: round $r of $ROUNDS" >&2
		echo "# round $r; load average: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$raw"
		for n in $(printf '%s\n' "${names[@]}" | shuf); do
			"$work/bench.test" -test.run '^$' -test.bench "^BenchmarkHTTP\$/^$n\$" \
				-test.benchtime "$BENCHTIME" | grep -E '^(Benchmark|goos|goarch|pkg|cpu)' >>"$raw"
		done
	done
	{
		header
		echo "# rounds: $ROUNDS; benchtime: $BENCHTIME; raw results: $(basename "$raw")"
		echo
		echo "## benchstat"
		echo
		go tool benchstat "$raw"
		echo
		echo "## table"
		echo
		"$work/benchtable" http "$raw"
	} >"results/$stamp-http.txt"
	{
		header
		echo "# rounds: $ROUNDS; benchtime: $BENCHTIME; raw results: $(basename "$raw")"
		echo
		"$work/benchtable" http "$raw"
	} >"results/$stamp-http.md"
	cat "results/$stamp-http.md"
	;;

httpprofile)
	out=results/$stamp-httpprofile.txt
	header >"$out"
	for n in sesstool-client sesstool-server; do
		echo "run.sh: profiling HTTP/$n" >&2
		p=$work/HTTP.$n
		"$work/bench.test" -test.run '^$' -test.bench "^BenchmarkHTTP\$/^$n\$" -test.benchtime "$PROFTIME" \
			-test.cpuprofile "$p.cpu" >"$p.txt"
		"$work/bench.test" -test.run '^$' -test.bench "^BenchmarkHTTP\$/^$n\$" -test.benchtime 20000x \
			-test.memprofile "$p.mem" -test.memprofilerate 1 >/dev/null
		{
			echo
			echo "################ HTTP/$n"
			grep '^Benchmark' "$p.txt"
			echo
			echo "## CPU, flat (pprof -top)"
			go tool pprof -top -nodecount 40 "$work/bench.test" "$p.cpu" 2>/dev/null
			echo
			echo "## CPU, cumulative (pprof -top -cum)"
			go tool pprof -top -cum -nodecount 60 "$work/bench.test" "$p.cpu" 2>/dev/null
			echo
			echo "## allocations over 20000 requests, objects, by line (pprof -top -lines -sample_index=alloc_objects)"
			go tool pprof -top -lines -sample_index=alloc_objects -nodecount 50 "$work/bench.test" "$p.mem" 2>/dev/null
			echo
			echo "## allocations over 20000 requests, bytes (pprof -top -sample_index=alloc_space)"
			go tool pprof -top -sample_index=alloc_space -nodecount 30 "$work/bench.test" "$p.mem" 2>/dev/null
		} >>"$out"
	done
	echo "run.sh: wrote $out" >&2
	;;

callgrind | httpcallgrind)
	cg=$work/cg
	mkdir -p "$cg"
	ops="Mint Open" table=callgrind
	if [[ $mode == httpcallgrind ]]; then
		ops=HTTP table=http-callgrind
	fi
	# Go under valgrind 3.19: runtime.cputicks uses RDTSCP, which this
	# valgrind does not decode (cpu.rdtscp=off makes it use RDTSC), and
	# callgrind asserts on the signals of Go's asynchronous preemption
	# (asyncpreemptoff=1). Neither changes the code being measured.
	# golang.org/x/sys/cpu prints a harmless warning about cpu.rdtscp.
	run_one() {
		local op=$1 n=$2 iters=$3 base
		base="$cg/$op.$n.${iters}x"
		GOMAXPROCS=1 GODEBUG=cpu.rdtscp=off,asyncpreemptoff=1 \
			valgrind --tool=callgrind --callgrind-out-file="$base.cg" \
			"$work/bench.test" -test.run '^$' -test.bench "^Benchmark$op\$/^$n\$" \
			-test.benchtime "${iters}x" >"$base.txt" 2>"$base.err" || echo "run.sh: $op/$n at ${iters}x failed; see $base.err" >&2
	}
	export -f run_one
	export cg work
	for n in "${names[@]}"; do
		for op in $ops; do
			for it in "$HI" "$LO"; do
				echo "$op $n $it"
			done
		done
	done | xargs -P "$JOBS" -L 1 bash -c 'run_one "$@"' _
	{
		header
		echo "# valgrind: $(valgrind --version); GOMAXPROCS=1; GODEBUG=cpu.rdtscp=off,asyncpreemptoff=1; LO=${LO}x HI=${HI}x"
		echo
		echo "## instruction totals per run (Ir)"
		echo
		for f in "$cg"/*.cg; do
			printf '%s\t%s\n' "$(basename "$f" .cg)" "$(sed -n 's/^totals:[[:space:]]*//p; s/^summary:[[:space:]]*//p' "$f" | head -1)"
		done
		echo
		echo "## table"
		echo
		"$work/benchtable" "$table" "$cg" "$LO" "$HI"
	} >"results/$stamp-$mode.txt"
	{
		header
		echo "# valgrind: $(valgrind --version); GOMAXPROCS=1; LO=${LO}x HI=${HI}x"
		echo
		"$work/benchtable" "$table" "$cg" "$LO" "$HI"
	} >"results/$stamp-$mode.md"
	cat "results/$stamp-$mode.md"
	;;

profile)
	out=results/$stamp-profile.txt
	header >"$out"
	for n in sesstool-xchacha-json sesstool-xchacha-cbor sesstool-aes256gcm-json; do
		for op in Mint Open; do
			echo "run.sh: profiling $op/$n" >&2
			p=$work/$op.$n
			# CPU and allocations in separate runs: recording every
			# allocation (memprofilerate 1) would swamp the CPU profile.
			"$work/bench.test" -test.run '^$' -test.bench "^Benchmark$op\$/^$n\$" -test.benchtime "$PROFTIME" \
				-test.cpuprofile "$p.cpu" >"$p.txt"
			"$work/bench.test" -test.run '^$' -test.bench "^Benchmark$op\$/^$n\$" -test.benchtime 20000x \
				-test.memprofile "$p.mem" -test.memprofilerate 1 >/dev/null
			GOMAXPROCS=1 GODEBUG=cpu.rdtscp=off,asyncpreemptoff=1 \
				valgrind --tool=callgrind --callgrind-out-file="$p.cg" \
				"$work/bench.test" -test.run '^$' -test.bench "^Benchmark$op\$/^$n\$" \
				-test.benchtime "${HI}x" >/dev/null 2>&1
			callgrind_annotate --inclusive=yes --threshold=99 "$p.cg" >"$p.cga" 2>/dev/null || true
			{
				echo
				echo "################ $op/$n"
				grep '^Benchmark' "$p.txt"
				echo
				echo "## CPU, flat (pprof -top)"
				go tool pprof -top -nodecount 40 "$work/bench.test" "$p.cpu" 2>/dev/null
				echo
				echo "## CPU, cumulative (pprof -top -cum)"
				go tool pprof -top -cum -nodecount 45 "$work/bench.test" "$p.cpu" 2>/dev/null
				echo
				echo "## allocations over 20000 ops, objects (pprof -top -sample_index=alloc_objects)"
				go tool pprof -top -sample_index=alloc_objects -nodecount 25 "$work/bench.test" "$p.mem" 2>/dev/null
				echo
				echo "## allocations over 20000 ops, bytes (pprof -top -sample_index=alloc_space)"
				go tool pprof -top -sample_index=alloc_space -nodecount 25 "$work/bench.test" "$p.mem" 2>/dev/null
				echo
				echo "## callgrind, inclusive instructions over ${HI} ops plus setup (callgrind_annotate --inclusive=yes)"
				sed -n '1,90p' "$p.cga"
			} >>"$out"
		done
	done
	echo "run.sh: wrote $out" >&2
	;;
esac
