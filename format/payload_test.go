package format_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/format"
)

// payloadJSONBefore is PayloadJSON's "json" case as it was until the
// validator and a whitespace-dropping loop replaced it: Unmarshal into a
// json.RawMessage with the JSON codec, then json.Compact.
func payloadJSONBefore(payload []byte) ([]byte, error) {
	var raw json.RawMessage
	if err := codec.JSON().Unmarshal(payload, &raw); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// payloadJSONInputs are payloads that PayloadJSON must render as before:
// whitespace inside and outside strings, escapes before quotes and
// spaces, and payloads the validator rejects.
var payloadJSONInputs = []string{
	`{"uid":"u_8f14e45fceea167a","name":"Alice Example","roles":["admin","billing","support"],"csrf":"3q2-7wAAAAAAAAAAAAAAAA","created":1764115200}`,
	" \t\r\n{ \"a\" : [ 1 , 2.5e3 , -0 , true , false , null ] ,\n\t\"b\" : { } } \r\n",
	`"a string with  spaces,\ttabs escaped \" and \\ and \\\" and \n"`,
	`["\\", " ", "\" ", "\\\" x", "\u0020 \u2028"]`,
	`{"k":"v \\"}`,
	"\"caf\u00e9 \u2028 \U0001F600\"",
	`12345678901234567890123456789`,
	`[[[[[[[[[[ ]]]]]]]]]]`,
	`  null  `,
	``,
	` `,
	`{"a":1,"a":2}`,
	`{"a":1,"\u0061":2}`,
	`{"a":1}{"b":2}`,
	`{"a":1,}`,
	`[1 2]`,
	`"unterminated`,
	"\"bad utf-8 \xff\"",
	`"\ud800"`,
	`01`,
	`{"a":"b"} x`,
	"\"a\x01b\"",
}

// TestPayloadJSONSameAsBefore checks that PayloadJSON accepts and rejects
// what the Unmarshal-and-Compact path did, with the same bytes out and the
// same error text.
func TestPayloadJSONSameAsBefore(t *testing.T) {
	for _, in := range payloadJSONInputs {
		checkPayloadJSON(t, []byte(in))
	}
}

// FuzzPayloadJSON is TestPayloadJSONSameAsBefore on any input.
func FuzzPayloadJSON(f *testing.F) {
	for _, in := range payloadJSONInputs {
		f.Add([]byte(in))
	}
	f.Fuzz(checkPayloadJSON)
}

func checkPayloadJSON(t *testing.T, in []byte) {
	want, wantErr := payloadJSONBefore(in)
	got, c, err := format.PayloadJSON(in, "json")
	switch {
	case (err == nil) != (wantErr == nil):
		t.Fatalf("PayloadJSON(%q): err %v; before: %v", in, err, wantErr)
	case err != nil:
		if err.Error() != wantErr.Error() {
			t.Errorf("PayloadJSON(%q): err %q; before: %q", in, err, wantErr)
		}
	case !bytes.Equal(got, want) || c != "json":
		t.Errorf("PayloadJSON(%q) = %q, %q; before: %q, \"json\"", in, got, c, want)
	case &got[0] == &in[0]:
		t.Errorf("PayloadJSON(%q) returns its argument, not a copy", in)
	}
}
