// Command sesstool mints, opens, verifies and inspects session tokens, and
// manages the keyring that seals them. Run "sesstool demo" for a tour, and
// "sesstool --help" for the commands and exit codes.
package main

import "os"

//go:generate go test -run ^TestDocs$ -update-docs .

func main() { os.Exit(Main()) }
