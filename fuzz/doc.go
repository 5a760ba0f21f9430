// Package fuzz holds end-to-end fuzz targets that use only sesstool's public
// API across packages. Each package's own targets sit next to its code
// (codec, transform, keyring, token, ktor, cmd/sesstool); run.sh runs them
// all.
package fuzz
