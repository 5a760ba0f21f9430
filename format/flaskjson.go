package format

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sesstool/sesstool/codec"
)

// Flask's tags (flask.json.tag): a JSON object with exactly one key that
// is a tag stands for a Python value JSON does not have.
const (
	flaskTagDict     = " di" // a one-key dict whose key is itself a tag; the key has "__" appended
	flaskTagTuple    = " t"
	flaskTagBytes    = " b"
	flaskTagMarkup   = " m"
	flaskTagUUID     = " u"
	flaskTagDateTime = " d"
)

var flaskTags = []string{flaskTagDict, flaskTagTuple, flaskTagBytes, flaskTagMarkup, flaskTagUUID, flaskTagDateTime}

// ErrFlaskTag is wrapped by FlaskSessionJSON's errors for a tagged value
// that Flask would not have written.
var ErrFlaskTag = errors.New("invalid Flask tagged JSON")

// FlaskSessionJSON renders a Flask session payload (Flask's
// TaggedJSONSerializer) as plain compact JSON, keeping the order of keys.
// The payload must pass the project's strict JSON rules (no duplicate key,
// bounded nesting). Tags are untagged from the inside out, as Flask does:
//
//   - {" t": [...]} (tuple) becomes the array;
//   - {" b": "base64"} (bytes) stays the standard base64 text, checked;
//   - {" m": "html"} (Markup) becomes the string;
//   - {" u": "32 hex digits"} (UUID) becomes the canonical
//     "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
//   - {" d": "Wed, 21 Oct 2015 07:28:00 GMT"} (datetime) becomes RFC 3339
//     in UTC, "2015-10-21T07:28:00Z";
//   - {" di": {"K__": v}} becomes {"K": v} (a dict whose one key K is a tag).
//
// A tag over a value of the wrong type is an error wrapping ErrFlaskTag.
func FlaskSessionJSON(payload []byte) ([]byte, error) {
	if err := codec.Validate(codec.JSON(), payload); err != nil {
		return nil, err
	}
	p := jsonParser{b: payload}
	v := p.value()
	v, err := untagFlask(v)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	v.write(&buf)
	return buf.Bytes(), nil
}

// flaskTag writes plain JSON as Flask's tagged JSON: a one-key object
// whose key is a tag is wrapped in " di", as TagDict does, so that it reads
// back as itself.
func flaskTag(data []byte) ([]byte, error) {
	if err := codec.Validate(codec.JSON(), data); err != nil {
		return nil, err
	}
	p := jsonParser{b: data}
	v := tagFlask(p.value())
	var buf bytes.Buffer
	v.write(&buf)
	return buf.Bytes(), nil
}

// jnode is a parsed JSON value: scalars keep their text.
type jnode struct {
	kind byte     // '{', '[', or 's' for any scalar (string, number, literal)
	raw  []byte   // a scalar's JSON text
	keys [][]byte // an object's keys, as JSON strings
	vals []*jnode // an object's values, an array's items
}

// jsonParser parses JSON that codec.Validate accepted: it checks nothing,
// and its depth is bounded by the validator's.
type jsonParser struct {
	b []byte
	i int
}

func (p *jsonParser) ws() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\n' || p.b[p.i] == '\r') {
		p.i++
	}
}

func (p *jsonParser) value() *jnode {
	p.ws()
	switch p.b[p.i] {
	case '{':
		n := &jnode{kind: '{'}
		p.i++
		p.ws()
		if p.b[p.i] == '}' {
			p.i++
			return n
		}
		for {
			p.ws()
			n.keys = append(n.keys, p.str())
			p.ws()
			p.i++ // ':'
			n.vals = append(n.vals, p.value())
			p.ws()
			c := p.b[p.i]
			p.i++
			if c == '}' {
				return n
			}
		}
	case '[':
		n := &jnode{kind: '['}
		p.i++
		p.ws()
		if p.b[p.i] == ']' {
			p.i++
			return n
		}
		for {
			n.vals = append(n.vals, p.value())
			p.ws()
			c := p.b[p.i]
			p.i++
			if c == ']' {
				return n
			}
		}
	case '"':
		return &jnode{kind: 's', raw: p.str()}
	}
	start := p.i
	for p.i < len(p.b) && !strings.ContainsRune(" \t\n\r,]}", rune(p.b[p.i])) {
		p.i++
	}
	return &jnode{kind: 's', raw: p.b[start:p.i]}
}

func (p *jsonParser) str() []byte {
	start := p.i
	p.i++
	for p.b[p.i] != '"' {
		if p.b[p.i] == '\\' {
			p.i++
		}
		p.i++
	}
	p.i++
	return p.b[start:p.i]
}

func (n *jnode) write(buf *bytes.Buffer) {
	switch n.kind {
	case '{':
		buf.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.Write(k)
			buf.WriteByte(':')
			n.vals[i].write(buf)
		}
		buf.WriteByte('}')
	case '[':
		buf.WriteByte('[')
		for i, v := range n.vals {
			if i > 0 {
				buf.WriteByte(',')
			}
			v.write(buf)
		}
		buf.WriteByte(']')
	default:
		buf.Write(n.raw)
	}
}

// text returns a JSON string's value; ok is false for any other value.
func (n *jnode) text() (string, bool) {
	if n.kind != 's' || len(n.raw) == 0 || n.raw[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(n.raw, &s) != nil {
		return "", false
	}
	return s, true
}

func jsonStringNode(s string) *jnode {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return &jnode{kind: 's', raw: bytes.TrimSuffix(buf.Bytes(), []byte("\n"))}
}

// tagKey returns the tag of a one-key object, or "".
func (n *jnode) tagKey() string {
	if n.kind != '{' || len(n.keys) != 1 {
		return ""
	}
	k, _ := (&jnode{kind: 's', raw: n.keys[0]}).text()
	for _, t := range flaskTags {
		if k == t {
			return t
		}
	}
	return ""
}

// untagFlask untags n from the inside out (json.loads' object_hook).
func untagFlask(n *jnode) (*jnode, error) {
	for i, v := range n.vals {
		u, err := untagFlask(v)
		if err != nil {
			return nil, err
		}
		n.vals[i] = u
	}
	tag := n.tagKey()
	if tag == "" {
		return n, nil
	}
	v := n.vals[0]
	s, isText := v.text()
	switch tag {
	case flaskTagTuple:
		if v.kind != '[' {
			return nil, fmt.Errorf(`%w: a tuple (" t") holds an array`, ErrFlaskTag)
		}
		return v, nil
	case flaskTagBytes:
		if !isText {
			return nil, fmt.Errorf(`%w: bytes (" b") are a base64 string`, ErrFlaskTag)
		}
		if _, err := base64.StdEncoding.Strict().DecodeString(s); err != nil {
			return nil, fmt.Errorf(`%w: bytes (" b") are not canonical base64`, ErrFlaskTag)
		}
		return v, nil
	case flaskTagMarkup:
		if !isText {
			return nil, fmt.Errorf(`%w: Markup (" m") is a string`, ErrFlaskTag)
		}
		return v, nil
	case flaskTagUUID:
		b, err := hex.DecodeString(s)
		if !isText || err != nil || len(b) != 16 {
			return nil, fmt.Errorf(`%w: a UUID (" u") is 32 hexadecimal digits`, ErrFlaskTag)
		}
		h := hex.EncodeToString(b)
		return jsonStringNode(h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]), nil
	case flaskTagDateTime:
		t, err := time.Parse(http.TimeFormat, s)
		if !isText || err != nil {
			return nil, fmt.Errorf(`%w: a datetime (" d") is an HTTP date such as "Wed, 21 Oct 2015 07:28:00 GMT"`, ErrFlaskTag)
		}
		return jsonStringNode(t.UTC().Format(time.RFC3339)), nil
	default: // flaskTagDict
		var k string
		if v.kind == '{' && len(v.keys) == 1 {
			k, _ = (&jnode{kind: 's', raw: v.keys[0]}).text()
		}
		if !strings.HasSuffix(k, "__") {
			return nil, fmt.Errorf(`%w: a tagged dict (" di") holds one key ending in "__"`, ErrFlaskTag)
		}
		return &jnode{kind: '{', keys: [][]byte{jsonStringNode(k[:len(k)-2]).raw}, vals: v.vals}, nil
	}
}

// tagFlask wraps each one-key object whose key is a tag in " di"
// (TagDict.to_json), from the outside in.
func tagFlask(n *jnode) *jnode {
	for i, v := range n.vals {
		n.vals[i] = tagFlask(v)
	}
	if tag := n.tagKey(); tag != "" {
		inner := &jnode{kind: '{', keys: [][]byte{jsonStringNode(tag + "__").raw}, vals: n.vals}
		return &jnode{kind: '{', keys: [][]byte{jsonStringNode(flaskTagDict).raw}, vals: []*jnode{inner}}
	}
	return n
}
