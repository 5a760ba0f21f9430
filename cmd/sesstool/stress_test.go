//go:build unix

package main

import "os"

// stressEnv names the variable that runs the randomized stress tests
// (SIGKILL during keys rotate, concurrent rotations) with their full number
// of trials. .ci/run sets it; a plain "go test ./..." runs fewer trials,
// each with every check, so that the suite stays fast on a small machine.
const stressEnv = "SESSTOOL_STRESS"

// stressTrials returns full when SESSTOOL_STRESS=1, else quick. Fewer
// trials run every check of a trial; they only give a rare interleaving
// fewer chances to show.
func stressTrials(quick, full int) int {
	if os.Getenv(stressEnv) == "1" {
		return full
	}
	return quick
}
