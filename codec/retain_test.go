package codec_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/sesstool/sesstool/codec"
)

// retained is a destination with every kind of field that could alias the
// input: byte slices, strings, raw messages, and interface values holding
// strings, byte strings and numbers.
type retained struct {
	Bytes   []byte          `json:"bytes"   cbor:"bytes"`
	Str     string          `json:"str"     cbor:"str"`
	JSONRaw json.RawMessage `json:"jsonRaw" cbor:"-"`
	CBORRaw cbor.RawMessage `json:"-"       cbor:"cborRaw"`
	Any     any             `json:"any"     cbor:"any"`
	Map     map[string]any  `json:"map"     cbor:"map"`
	Strs    []string        `json:"strs"    cbor:"strs"`
}

// TestUnmarshalDoesNotRetainInput: the built-in codecs copy what they keep,
// so the caller may reuse the input buffer as soon as Unmarshal returns, as
// token.Minter.Open does with its pooled buffer (the codec.Codec contract).
// Each value is decoded, the input overwritten, and the value compared with
// a decoding of an untouched copy.
func TestUnmarshalDoesNotRetainInput(t *testing.T) {
	v := retained{
		Bytes:   []byte("secret-bytes"),
		Str:     "secret-string",
		JSONRaw: json.RawMessage(`{"raw":"secret-raw"}`),
		Any:     map[string]any{"k": "secret-any", "b": []byte("any-bytes")},
		Map:     map[string]any{"m": "secret-map", "n": []any{"x", 1.5}},
		Strs:    []string{"secret-1", "secret-2"},
	}
	cborRaw, err := codec.CBOR().Marshal(map[string]any{"raw": "secret-raw", "b": []byte("raw-bytes")})
	if err != nil {
		t.Fatal(err)
	}
	v.CBORRaw = cborRaw
	for _, c := range []codec.Codec{codec.JSON(), codec.CBOR()} {
		data, err := c.Marshal(&v)
		if err != nil {
			t.Fatal(err)
		}
		for _, dest := range []struct {
			name string
			new  func() any
		}{
			{"struct", func() any { return new(retained) }},
			{"interface", func() any { return new(any) }},
			{"map", func() any { return new(map[string]any) }},
			{"raw message", func() any {
				if c == codec.JSON() {
					return new(json.RawMessage)
				}
				return new(cbor.RawMessage)
			}},
			{"byte slice", func() any { return new([]byte) }}, // fails to decode; must not retain either
		} {
			t.Run(c.Name()+"/"+dest.name, func(t *testing.T) {
				if msg := retains(c, data, dest.new); msg != "" {
					t.Error(msg)
				}
			})
		}
	}
}

// plainRetained is a destination that JSON decodes by its planned path
// (no byte slices, raw messages or interfaces), whose strings without
// escapes share one copy of the input: that copy must not be the input.
type plainRetained struct {
	Str  string            `json:"str"`
	Esc  string            `json:"esc"`
	Strs []string          `json:"strs"`
	Map  map[string]string `json:"map"`
	Ptr  *string           `json:"ptr"`
}

func TestUnmarshalPlannedDoesNotRetainInput(t *testing.T) {
	p := "secret-ptr"
	v := plainRetained{Str: "secret-string", Esc: "secret\n\"esc\"", Strs: []string{"secret-1", ""},
		Map: map[string]string{"secret-key": "secret-value"}, Ptr: &p}
	data, err := codec.JSON().Marshal(&v)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range [][]byte{data, append(bytes.Repeat([]byte(" "), 5000), data...)} { // one shared copy, and none
		if msg := retains(codec.JSON(), in, func() any { return new(plainRetained) }); msg != "" {
			t.Errorf("%d bytes: %s", len(in), msg)
		}
	}
}

// retains decodes data with c into two fresh destinations, one from an
// untouched copy of data and one from a buffer that is then overwritten,
// and describes the difference, if any.
func retains(c codec.Codec, data []byte, newDest func() any) string {
	want, got := newDest(), newDest()
	wantErr := c.Unmarshal(bytes.Clone(data), want)
	buf := bytes.Clone(data)
	err := c.Unmarshal(buf, got)
	if fmt.Sprint(err) != fmt.Sprint(wantErr) {
		return fmt.Sprintf("Unmarshal error = %v; want %v", err, wantErr)
	}
	for i := range buf {
		buf[i] = 'A' // another token's payload
	}
	w, g := reflect.ValueOf(want).Elem().Interface(), reflect.ValueOf(got).Elem().Interface()
	if !reflect.DeepEqual(g, w) {
		return fmt.Sprintf("after the input was overwritten, the value is\n%#v\nwant\n%#v", g, w)
	}
	return ""
}

// aliasing is a Codec that breaks the contract: it keeps the input.
type aliasing struct{ codec.Codec }

func (aliasing) Unmarshal(data []byte, v any) error {
	*(v.(*[]byte)) = data
	return nil
}

// TestRetainsDetectsAliasing: the check above catches a codec that keeps
// its input.
func TestRetainsDetectsAliasing(t *testing.T) {
	if retains(aliasing{codec.JSON()}, []byte(`"x"`), func() any { return new([]byte) }) == "" {
		t.Error("retains missed a codec that keeps its input")
	}
}
