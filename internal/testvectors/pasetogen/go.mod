module github.com/sesstool/sesstool/internal/testvectors/pasetogen

go 1.26.0

require aidanwoods.dev/go-paseto v1.6.0

require (
	aidanwoods.dev/go-result v0.3.1 // indirect
	golang.org/x/crypto v0.59.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
