// Package ktor reads and writes the session cookies of Ktor's Sessions
// plugin byte for byte: its two transport transformers, its cookie value
// encodings and its two session serializers.
package ktor
