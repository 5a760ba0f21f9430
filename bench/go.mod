module github.com/sesstool/sesstool/bench

go 1.26.0

replace github.com/sesstool/sesstool => ../

require (
	aidanwoods.dev/go-paseto v1.6.0
	github.com/alexedwards/scs/v2 v2.9.0
	github.com/fernet/fernet-go v0.0.0-20240119011108-303da6aec611
	github.com/fxamacker/cbor/v2 v2.10.0
	github.com/go-jose/go-jose/v4 v4.1.9
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/gorilla/securecookie v1.1.2
	github.com/gorilla/sessions v1.4.0
	github.com/sesstool/sesstool v0.0.0
	golang.org/x/crypto v0.59.0
)

require (
	aidanwoods.dev/go-result v0.3.1 // indirect
	github.com/aclements/go-moremath v0.0.0-20210112150236-f10218a38794 // indirect
	github.com/x448/float16 v0.8.4 // indirect
	golang.org/x/perf v0.0.0-20260908200009-22c9c6c9d4da // indirect
	golang.org/x/sys v0.50.0 // indirect
)

tool golang.org/x/perf/cmd/benchstat
