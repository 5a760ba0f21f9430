package keyring

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/sesstool/sesstool/codec"
)

// ExportFormatVersion is the version of the key export document that
// Ring.Export writes and ParseExport reads (SPEC.md §2.1).
const ExportFormatVersion = 1

// MaxExportSize is the largest key export document ParseExport accepts, in
// bytes.
const MaxExportSize = 64 << 10

const exportFormatName = "sesstool-key"

// exportFormat is the JSON form of a key export document; see SPEC.md §2.1.
type exportFormat struct {
	Format  string  `json:"format"`
	Version int     `json:"version"`
	Key     fileKey `json:"key"`
}

var exportFields = []string{"format", "version", "key"}

// Export returns the key export document of key id (SPEC.md §2.1): one key
// with its ID, algorithm, state, times, Ktor layout and secrets, for
// ImportKey into another ring, so that tokens sealed under the key open
// under both rings. The result holds secrets: write it only to a pipe or to
// a new file of mode 0600. A destroyed key has no secret and cannot be
// exported: the error wraps ErrState. An unknown ID is an error wrapping
// ErrNotFound.
func (r *Ring) Export(id ID) ([]byte, error) {
	i, err := r.index(id)
	if err != nil {
		return nil, err
	}
	k := r.keys[i]
	if k.State == Destroyed {
		return nil, fmt.Errorf("%w: key %v is destroyed and has no secret to export", ErrState, id)
	}
	f := exportFormat{Format: exportFormatName, Version: ExportFormatVersion, Key: newFileKey(k)}
	out, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("keyring: failed to encode: %v", err)
	}
	return append(out, '\n'), nil
}

// ParseExport decodes a key export document (SPEC.md §2.1) as strictly as
// Parse decodes a keyring file: unknown, duplicate or differently cased
// field names, a wrong format name or version, a destroyed key, secrets of
// the wrong size and documents over MaxExportSize are errors wrapping
// ErrCorruptExport. Errors never include secret material nor quote the
// document's text. The key it returns holds the secrets; pass it to
// Ring.ImportKey.
func ParseExport(data []byte) (Key, error) {
	if len(data) > MaxExportSize {
		return Key{}, corruptExportf("the document is %d bytes; the limit is %d", len(data), MaxExportSize)
	}
	if err := codec.Validate(codec.JSON(), data); err != nil {
		if err := syntaxError(data, "the document", "the key export object"); err != nil {
			return Key{}, reframe(err)
		}
		return Key{}, corruptExportf("%v", err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil || top == nil {
		return Key{}, corruptExportf("the document is not a JSON object")
	}
	if err := checkNames(top, "the document", exportFields); err != nil {
		return Key{}, reframe(err)
	}
	raw, ok := top["key"]
	if !ok {
		return Key{}, corruptExportf("the document has no key")
	}
	var kobj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &kobj); err != nil || kobj == nil {
		return Key{}, corruptExportf("key is not an object")
	}
	if err := checkNames(kobj, "the key", fileKeyFields); err != nil {
		return Key{}, reframe(err)
	}
	var f exportFormat
	if err := json.Unmarshal(data, &f); err != nil {
		return Key{}, reframe(jsonError(err))
	}
	if f.Format != exportFormatName {
		return Key{}, corruptExportf("format is not %q", exportFormatName)
	}
	if f.Version != ExportFormatVersion {
		return Key{}, corruptExportf("version %d is not supported (this build reads version %d); upgrade sesstool", f.Version, ExportFormatVersion)
	}
	k, err := f.Key.key()
	if err != nil {
		return Key{}, corruptExportf("%v", err)
	}
	if k.State == Destroyed {
		return Key{}, corruptExportf("key %v is destroyed; a destroyed key cannot be exported", k.ID)
	}
	return k, nil
}

// ImportKey returns a ring with k added under its own ID, and the key as
// added: the way to share a key between keyrings, so that tokens sealed
// under it open under both. k comes from ParseExport (or another ring's
// Lookup). A primary or active key comes in active, never primary (promote
// it with Ring.Promote once every server has it); a retired key comes in
// retired, with its retirement time, so Prune removes it on the same
// schedule as in the ring it came from. Its creation time is kept, and it
// takes its place in creation order. A destroyed key is refused with an
// error wrapping ErrState, and an ID that r already holds, in any state,
// with an error wrapping ErrIDTaken. The secrets are copied.
func (r *Ring) ImportKey(k Key) (*Ring, Key, error) {
	if _, taken := r.Lookup(k.ID); taken {
		return nil, Key{}, fmt.Errorf("%w: key %v", ErrIDTaken, k.ID)
	}
	switch k.State {
	case Primary, Active:
		k.State = Active
		k.Retired = time.Time{}
	case Retired:
	default:
		return nil, Key{}, fmt.Errorf("%w: key %v is %v and cannot be imported", ErrState, k.ID, k.State)
	}
	if len(r.keys) >= MaxKeys {
		return nil, Key{}, fmt.Errorf("%w: the keyring already holds %d keys, the most a keyring file may hold", ErrState, MaxKeys)
	}
	k.mat = newMaterial(slices.Clone(k.secret()), slices.Clone(k.signSecret()))
	if err := k.validate(); err != nil {
		return nil, Key{}, err
	}
	r2 := r.clone()
	// Creation order: after every key created at or before k.
	i := len(r2.keys)
	for i > 0 && r2.keys[i-1].Created.After(k.Created) {
		i--
	}
	r2.keys = slices.Insert(r2.keys, i, k)
	if r2.primary >= i {
		r2.primary++
	}
	return r2, k, nil
}

func corruptExportf(format string, args ...any) error {
	return &corruptError{kind: ErrCorruptExport, detail: fmt.Sprintf(format, args...)}
}

// reframe turns an error of the keyring file's decoder, which wraps
// ErrCorrupt, into one wrapping ErrCorruptExport with the same detail.
func reframe(err error) error {
	if ce, ok := errors.AsType[*corruptError](err); ok {
		return &corruptError{kind: ErrCorruptExport, detail: ce.detail}
	}
	return err
}
