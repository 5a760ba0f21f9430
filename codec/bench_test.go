package codec

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The benchmarks use the workload value of bench/WORKLOAD.md
// and decode into a reused destination, as a session open does.

func BenchmarkMarshal(b *testing.B) {
	for _, c := range []Codec{JSON(), CBOR()} {
		b.Run(c.Name(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Marshal(&workload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUnmarshal(b *testing.B) {
	for _, c := range []Codec{JSON(), CBOR()} {
		b.Run(c.Name(), func(b *testing.B) {
			data := mustMarshal(c, workload)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var s Session
			for b.Loop() {
				if err := c.Unmarshal(data, &s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkJSONUnmarshalParts splits JSON.Unmarshal into its validator and
// its encoding/json decode, to show what the validator costs.
func BenchmarkJSONUnmarshalParts(b *testing.B) {
	data := mustMarshal(JSON(), workload)
	b.Run("validator", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if err := validateJSON(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decoder", func(b *testing.B) {
		// JSON.Unmarshal without the validator.
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		var s Session
		for b.Loop() {
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			dec.UseNumber()
			if err := dec.Decode(&s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stdlib-unmarshal", func(b *testing.B) {
		// Plain json.Unmarshal, lenient, for reference.
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		var s Session
		for b.Loop() {
			if err := json.Unmarshal(data, &s); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkJSONValidatorLargeObject measures the validator on an object
// past linearKeys keys, where duplicate detection switches to a map.
func BenchmarkJSONValidatorLargeObject(b *testing.B) {
	data := jsonObject(MaxElements)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := validateJSON(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMarshalCheck measures the check that Marshal runs on its own
// output, so that it never returns bytes that Unmarshal would reject.
func BenchmarkMarshalCheck(b *testing.B) {
	b.Run("json", func(b *testing.B) {
		data := mustMarshal(JSON(), workload)
		b.ReportAllocs()
		for b.Loop() {
			if err := validateJSON(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cbor", func(b *testing.B) {
		data := mustMarshal(CBOR(), workload)
		b.ReportAllocs()
		for b.Loop() {
			if err := checkCBOR(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkUnmarshalIgnoreUnknown measures the IgnoreUnknownFields
// variants on the workload ("same"), and on the workload with one field
// more than the destination has ("removed-field"), which CBOR's variant
// decodes twice and checks as Validate does.
func BenchmarkUnmarshalIgnoreUnknown(b *testing.B) {
	type sessionPlus struct {
		Session
		Theme string `json:"theme" cbor:"9,keyasint"`
	}
	for _, c := range []Codec{JSON(), CBOR()} {
		l, err := IgnoreUnknownFields(c)
		if err != nil {
			b.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			in   any
		}{
			{"same", workload},
			{"removed-field", sessionPlus{Session: workload, Theme: "dark"}},
		} {
			b.Run(c.Name()+"/"+tc.name, func(b *testing.B) {
				data := mustMarshal(c, tc.in)
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				var s Session
				for b.Loop() {
					if err := l.Unmarshal(data, &s); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
