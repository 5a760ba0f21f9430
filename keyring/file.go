package keyring

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/sesstool/sesstool/codec"
)

// FormatVersion is the version of the keyring file format that Marshal
// writes and Parse reads.
const FormatVersion = 1

// MaxFileSize is the largest keyring file Parse and Load accept, in bytes.
const MaxFileSize = 1 << 20

// MaxKeys is the largest number of keys a keyring file may hold.
const MaxKeys = 1000

// fileFormat is the JSON form of a keyring file; see SPEC.md.
type fileFormat struct {
	Format  string    `json:"format"`
	Version int       `json:"version"`
	Keys    []fileKey `json:"keys"`
}

type fileKey struct {
	ID         string     `json:"id"`
	Algorithm  string     `json:"algorithm"`
	State      string     `json:"state"`
	Created    time.Time  `json:"created"`
	Retired    *time.Time `json:"retired,omitempty"`
	Destroyed  *time.Time `json:"destroyed,omitempty"`
	Secret     string     `json:"secret,omitempty"`
	SignSecret string     `json:"signSecret,omitempty"`
	KtorLayout string     `json:"ktorLayout,omitempty"`
	// Options is a foreign key's options, a JSON object of strings.
	Options map[string]string `json:"options,omitempty"`
}

const formatName = "sesstool-keyring"

var b64 = base64.RawURLEncoding.Strict()

// Marshal returns the keyring file encoding of r. The result holds secrets:
// write it only with [Create] or [Update], or to a file of mode 0600.
func (r *Ring) Marshal() ([]byte, error) {
	f := fileFormat{Format: formatName, Version: FormatVersion, Keys: make([]fileKey, 0, len(r.keys))}
	for _, k := range r.keys {
		f.Keys = append(f.Keys, newFileKey(k))
	}
	out, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("keyring: failed to encode: %v", err)
	}
	return append(out, '\n'), nil
}

// newFileKey returns the file form of k, secrets included.
func newFileKey(k Key) fileKey {
	fk := fileKey{
		ID:         k.ID.String(),
		Algorithm:  string(k.Algorithm),
		State:      k.State.String(),
		Created:    k.Created,
		KtorLayout: string(k.KtorLayout),
	}
	if k.Options.Len() > 0 {
		fk.Options = k.Options.Map()
	}
	if !k.Retired.IsZero() {
		t := k.Retired
		fk.Retired = &t
	}
	if !k.Destroyed.IsZero() {
		t := k.Destroyed
		fk.Destroyed = &t
	}
	if len(k.secret()) > 0 {
		fk.Secret = b64.EncodeToString(k.secret())
	}
	if len(k.signSecret()) > 0 {
		fk.SignSecret = b64.EncodeToString(k.signSecret())
	}
	return fk
}

// Parse decodes a keyring file. It is strict: unknown, duplicate or
// differently cased field names (at every level, whatever the other fields
// hold), invalid UTF-8, line breaks in secrets, a wrong format name or
// version, duplicate IDs, anything but exactly one primary key, secrets of
// the wrong size and files over MaxFileSize are errors wrapping ErrCorrupt.
// So every file Parse accepts means the same to any reader that follows
// SPEC.md, such as jq. Errors never include secret material, nor quote the
// file's text (not even one character or a number), in which a secret may
// have been misplaced.
func Parse(data []byte) (*Ring, error) {
	if len(data) > MaxFileSize {
		return nil, corruptf("file is %d bytes; the limit is %d", len(data), MaxFileSize)
	}
	f, err := decodeFile(data)
	if err != nil {
		return nil, err
	}
	if f.Format != formatName {
		return nil, corruptf("format is not %q", formatName)
	}
	if f.Version != FormatVersion {
		return nil, corruptf("version %d is not supported (this build reads version %d); upgrade sesstool", f.Version, FormatVersion)
	}
	if len(f.Keys) == 0 || len(f.Keys) > MaxKeys {
		return nil, corruptf("%d keys; a keyring holds 1 to %d", len(f.Keys), MaxKeys)
	}
	r := &Ring{primary: -1}
	seen := make(map[ID]bool, len(f.Keys))
	for i, fk := range f.Keys {
		k, err := fk.key()
		if err != nil {
			return nil, corruptf("key #%d: %v", i+1, err)
		}
		if seen[k.ID] {
			return nil, corruptf("key ID %v appears twice", k.ID)
		}
		seen[k.ID] = true
		if k.State == Primary {
			if r.primary >= 0 {
				return nil, corruptf("keys %v and %v are both primary; exactly one must be", r.keys[r.primary].ID, k.ID)
			}
			r.primary = len(r.keys)
		}
		r.keys = append(r.keys, k)
	}
	if r.primary < 0 {
		return nil, corruptf("no primary key; exactly one must be")
	}
	return r, nil
}

// Field names of the file format, for checkNames.
var (
	fileFields    = []string{"format", "version", "keys"}
	fileKeyFields = []string{"id", "algorithm", "state", "created", "retired", "destroyed", "secret", "signSecret", "ktorLayout", "options"}
)

// decodeFile decodes data into a fileFormat, closing the gaps between
// encoding/json and a reader that follows SPEC.md. encoding/json keeps the
// last of two fields of one name and matches field names case-insensitively
// (even "\u212a" to "k"), so two readers could see different keys in one
// file. Here codec's validator first rejects duplicate names at every level
// (compared after unescaping), invalid UTF-8, lone surrogates and excessive
// nesting; then every field name of the keyring object and of each key
// object must be exactly one of the format's, so encoding/json can match
// only exactly. Its errors never quote the file.
func decodeFile(data []byte) (*fileFormat, error) {
	if err := codec.Validate(codec.JSON(), data); err != nil {
		// The validator's messages quote the byte of a syntax error:
		// describe syntax errors here, by offset alone.
		if err := syntaxError(data, "the file", "the keyring object"); err != nil {
			return nil, err
		}
		// The validator's other kinds (duplicate names, invalid UTF-8,
		// lone surrogates, depth and size limits) give an offset and a
		// fixed description, never text.
		return nil, corruptf("%v", err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil || top == nil {
		return nil, corruptf("the file is not a JSON object")
	}
	if err := checkNames(top, "the keyring object", fileFields); err != nil {
		return nil, err
	}
	if raw, ok := top["keys"]; ok {
		var keys []json.RawMessage
		if err := json.Unmarshal(raw, &keys); err != nil {
			return nil, corruptf("keys is not an array")
		}
		for i, raw := range keys {
			var k map[string]json.RawMessage
			if err := json.Unmarshal(raw, &k); err != nil || k == nil {
				return nil, corruptf("key #%d is not an object", i+1)
			}
			if err := checkNames(k, fmt.Sprintf("key #%d", i+1), fileKeyFields); err != nil {
				return nil, err
			}
		}
	}
	var f fileFormat
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, jsonError(err)
	}
	return &f, nil
}

// checkNames returns an error unless every name of obj is exactly one of
// names. The error does not quote the unknown name, which might be a
// misplaced secret.
func checkNames(obj map[string]json.RawMessage, what string, names []string) error {
	for name := range obj {
		if !slices.Contains(names, name) {
			return corruptf("unknown field name in %s (its fields are %s; names are case-sensitive)", what, strings.Join(names, ", "))
		}
	}
	return nil
}

// syntaxError returns an error wrapping ErrCorrupt if data (doc, such as
// "the file", holding obj) is not exactly one JSON value, with optional space around it. Unlike encoding/json's, its
// messages quote none of data.
func syntaxError(data []byte, doc, obj string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	err := dec.Decode(&raw)
	var se *json.SyntaxError
	switch {
	case err == io.EOF:
		return corruptf("%s is empty", doc)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return corruptf("%s ends inside the JSON text; was it cut short?", doc)
	case errors.As(err, &se):
		return corruptf("not valid JSON: a syntax error at byte offset %d", se.Offset)
	case err != nil:
		return corruptf("not valid JSON")
	}
	if off := dec.InputOffset(); len(bytes.TrimLeft(data[off:], " \t\r\n")) > 0 {
		return corruptf("data after %s, at byte offset %d", obj, off)
	}
	return nil
}

// jsonError turns an error of encoding/json's decoding of a valid JSON
// text into one wrapping ErrCorrupt that quotes none of it: encoding/json's
// own messages quote a number that does not fit, and time.Time's the whole
// string, perhaps a secret pasted into a time.
func jsonError(err error) error {
	var (
		te *json.UnmarshalTypeError
		pe *time.ParseError
	)
	switch {
	case errors.As(err, &te) && te.Field != "":
		return corruptf("field %s holds a JSON %s, which is not a valid value for it", te.Field, jsonKind(te.Value))
	case errors.As(err, &pe):
		return corruptf("a time is not in RFC 3339 form")
	}
	// What is left is time.Time's complaint that a time is not a string.
	return corruptf("a value has the wrong type (a time must be an RFC 3339 string)")
}

// jsonKind returns the kind of JSON value of an UnmarshalTypeError's Value,
// which is the kind followed, for numbers, by the number itself.
func jsonKind(v string) string {
	kind, _, _ := strings.Cut(v, " ")
	return kind
}

func (fk fileKey) key() (Key, error) {
	// Errors never quote the file's text, which might be a misplaced secret.
	// SPEC.md: an id is 8 lowercase hex digits; ParseID also takes upper case.
	id, err := ParseID(fk.ID)
	if err != nil || fk.ID != id.String() {
		return Key{}, errors.New("id must be 8 lowercase hexadecimal digits, not all zero")
	}
	k := Key{ID: id, Algorithm: Algorithm(fk.Algorithm), Created: fk.Created, KtorLayout: KtorLayout(fk.KtorLayout)}
	if fk.Options != nil {
		if len(fk.Options) == 0 {
			return Key{}, fmt.Errorf("key %v: options is empty; leave it out", id)
		}
		o, err := NewOptions(fk.Options)
		if err != nil {
			// NewOptions quotes an option's name: say what is wrong
			// without it, since it may be a misplaced secret.
			return Key{}, fmt.Errorf("key %v: invalid options (at most %d; each name 1 to %d lowercase letters, digits and '-', starting with a letter; each value at most %d bytes of UTF-8 without control characters)",
				id, MaxOptions, MaxOptionNameLength, MaxOptionValueLength)
		}
		k.Options = o
	}
	for s, n := range stateNames {
		if n == fk.State {
			k.State = s
		}
	}
	if k.State == 0 {
		return Key{}, fmt.Errorf("key %v: unknown state (the states are primary, active, retired and destroyed)", id)
	}
	if fk.Created.IsZero() {
		return Key{}, fmt.Errorf("key %v: no creation time", id)
	}
	if fk.Retired != nil {
		k.Retired = *fk.Retired
	}
	if fk.Destroyed != nil {
		k.Destroyed = *fk.Destroyed
	}
	// time.Time parses offsets up to ±24:59 but writes at most ±23:59: a
	// time it cannot write back would make the file impossible to Update.
	for _, t := range []time.Time{k.Created, k.Retired, k.Destroyed} {
		if _, err := t.MarshalJSON(); err != nil {
			return Key{}, fmt.Errorf("key %v: a time cannot be written back: %v", id, err)
		}
	}
	switch {
	case k.State == Retired && k.Retired.IsZero():
		return Key{}, fmt.Errorf("key %v: retired without a retirement time", id)
	case k.State == Destroyed && k.Destroyed.IsZero():
		return Key{}, fmt.Errorf("key %v: destroyed without a destruction time", id)
	case (k.State == Primary || k.State == Active) && !(k.Retired.IsZero() && k.Destroyed.IsZero()):
		return Key{}, fmt.Errorf("key %v: %v but has a retirement or destruction time", id, k.State)
	case k.State == Retired && !k.Destroyed.IsZero():
		return Key{}, fmt.Errorf("key %v: retired but has a destruction time", id)
	}
	// The base64 decoder skips CR and LF even in Strict mode: reject them,
	// so that a secret has one spelling.
	var secret, signSecret []byte
	if fk.Secret != "" {
		if secret, err = b64.DecodeString(fk.Secret); err != nil || strings.ContainsAny(fk.Secret, "\r\n") {
			return Key{}, fmt.Errorf("key %v: secret is not unpadded base64url", id)
		}
	}
	if fk.SignSecret != "" {
		if signSecret, err = b64.DecodeString(fk.SignSecret); err != nil || strings.ContainsAny(fk.SignSecret, "\r\n") {
			return Key{}, fmt.Errorf("key %v: signSecret is not unpadded base64url", id)
		}
	}
	if secret != nil || signSecret != nil {
		k.mat = newMaterial(secret, signSecret)
	}
	if _, ok := algorithms[k.Algorithm]; !ok {
		return Key{}, fmt.Errorf("key %v: unknown algorithm (known: %s)", id, strings.Join(names(Algorithms()), ", "))
	}
	if err := k.validate(); err != nil {
		return Key{}, err
	}
	return k, nil
}

func corruptf(format string, args ...any) error {
	return &corruptError{kind: ErrCorrupt, detail: fmt.Sprintf(format, args...)}
}

// corruptError is an error wrapping ErrCorrupt or ErrCorruptExport, whose
// detail the key export decoder reuses from the keyring file's.
type corruptError struct {
	kind   error
	detail string
}

func (e *corruptError) Error() string { return e.kind.Error() + ": " + e.detail }
func (e *corruptError) Unwrap() error { return e.kind }

// Load reads and parses the keyring file at path, following a symbolic
// link there. It refuses, with an error wrapping ErrNotRegular, anything but
// a regular file, without blocking on a named pipe. On Unix it refuses, with
// an error wrapping ErrInsecure, a file that its group or other users can
// read or write: fix it with chmod 600, or, for a read-only mount such as a
// Kubernetes Secret volume, see [LoadWith] and LoadOptions.AllowReadable.
func Load(path string) (*Ring, error) {
	return LoadWith(path, nil)
}

// LoadOptions configure LoadWith. The zero value is Load's strict default.
type LoadOptions struct {
	// AllowReadable accepts a keyring file that its group or every user
	// can read (mode 0644, 0640 or 0440, say), as a Kubernetes Secret
	// volume mounts it, owned by root or by another user, and reached
	// through the volume's symbolic links (NAME -> ..data/NAME,
	// ..data -> ..TIMESTAMP/). A file that others can write to is refused
	// all the same. Set it only for a read-only mount whose readers are
	// all trusted with the keys: anyone who can read the file can mint
	// tokens. Update never accepts such a file: a keyring that is written
	// is private to its owner.
	AllowReadable bool
}

// LoadWith is Load with options; o may be nil, which is Load.
func LoadWith(path string, o *LoadOptions) (*Ring, error) {
	var lo LoadOptions
	if o != nil {
		lo = *o
	}
	r, _, err := load(path, lo.AllowReadable, false)
	return r, err
}

// load is LoadWith that also returns what the open file said of itself, for
// Update to keep its owner and for a Watcher to notice the next change.
// forWrite says the caller will write the file back: the refusal of a
// readable file then does not suggest AllowReadable.
func load(path string, allowReadable, forWrite bool) (*Ring, fs.FileInfo, error) {
	// Stat first: opening a named pipe for reading blocks until a writer
	// comes, which may be never.
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("keyring: failed to open keyring: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, notRegular(path, fi.Mode())
	}
	// The path may have been replaced since the Stat: with openNonblock,
	// opening a named pipe returns at once, and what the open file says
	// of itself decides.
	f, err := os.OpenFile(path, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("keyring: failed to open keyring: %w", err)
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, nil, fmt.Errorf("keyring: failed to open keyring: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, notRegular(path, fi.Mode())
	}
	if err := checkMode(path, fi.Mode().Perm(), allowReadable, forWrite); err != nil {
		return nil, nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("keyring: failed to read keyring: %w", err)
	}
	r, err := Parse(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return r, fi, nil
}

// checkMode returns an error wrapping ErrInsecure if the mode m of the
// keyring file at path lets users other than its owner in: any access at
// all, or, with allowReadable, write access. On Windows modes say nothing
// of other users, and it returns nil.
func checkMode(path string, m fs.FileMode, allowReadable, forWrite bool) error {
	if runtime.GOOS == "windows" || m&0o077 == 0 {
		return nil
	}
	if allowReadable && !forWrite && m&0o022 == 0 {
		return nil
	}
	err := fmt.Errorf("%w: %s has mode %04o, so %s; run chmod 600 %s", ErrInsecure, path, m, whoElse(m), path)
	switch {
	case m&0o022 == 0 && !allowReadable && !forWrite:
		// Only read access: this may be a read-only mount, which has an
		// opt-in.
		err = fmt.Errorf("%w, or, if it is a read-only mount such as a Kubernetes Secret volume, allow readable keyrings (keyring.LoadOptions.AllowReadable)", err)
	case m&0o022 == 0 && forWrite:
		err = fmt.Errorf("%w (a keyring that is written must be private to its owner, even where readable keyrings are allowed)", err)
	}
	return err
}

// whoElse says who besides the owner a keyring file's mode m lets in.
func whoElse(m fs.FileMode) string {
	who, whose := "its group", m&0o070
	if m&0o007 != 0 {
		who, whose = "every user", m&0o007
	}
	switch {
	case whose&0o044 != 0:
		return who + " can read it"
	case whose&0o022 != 0:
		return who + " can change it"
	}
	return who + " has access to it"
}

// notRegular returns the error, wrapping ErrNotRegular, for path, which
// has mode m and is not a regular file.
func notRegular(path string, m fs.FileMode) error {
	var what string
	switch {
	case m.IsDir():
		what = "is a directory"
	case m&fs.ModeSymlink != 0:
		what = "is a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		what = "is a named pipe"
	case m&fs.ModeSocket != 0:
		what = "is a socket"
	case m&fs.ModeDevice != 0:
		what = "is a device"
	default:
		what = "is not a regular file"
	}
	return fmt.Errorf("%w: %s %s", ErrNotRegular, path, what)
}

// Create writes r to a new keyring file at path with mode 0600. It never
// replaces an existing file: if path exists it returns an error wrapping
// ErrExists. The file appears complete or not at all.
func Create(path string, r *Ring) error {
	unlock, err := lock(path)
	if err != nil {
		return err
	}
	defer unlock()
	return writeFile(path, r, nil)
}

// Update applies fn to the keyring file at path and writes the result back
// atomically, holding an exclusive lock on path+".lock" from the read to the
// rename, so concurrent updates from several processes serialize and none is
// lost. If fn returns an error, the file is left as it was. Update returns
// the ring it wrote.
//
// On Unix the new file keeps the old one's owner and group, so that a key
// change run as root leaves the keyring readable by the service that owns
// it; a writer that cannot keep them (a user who is not in the file's group)
// leaves the file alone and returns an error wrapping ErrOwner that names
// them. Update never follows a symbolic link at the lock file's path: it
// returns an error wrapping ErrNotRegular.
//
// A path that is a symbolic link (to real/k.json, say) is resolved once:
// the new file replaces real/k.json, the lock is real/k.json.lock, and the
// link stays a link, so writers through the link and through the real path
// serialize. A link that leads nowhere is an error. Update refuses a file
// that others can read even where LoadOptions.AllowReadable would read it.
func Update(path string, fn func(*Ring) (*Ring, error)) (*Ring, error) {
	// Resolve a symbolic link once: the new file replaces the real one,
	// beside it, under the lock beside it, and the link stays a link.
	// Writers through the link and through the real path then take the
	// same lock.
	path, err := resolve(path)
	if err != nil {
		return nil, err
	}
	unlock, err := lock(path)
	if err != nil {
		return nil, err
	}
	defer unlock()
	r, old, err := load(path, false, true)
	if err != nil {
		return nil, err
	}
	r2, err := fn(r)
	if err != nil {
		return nil, err
	}
	if err := writeFile(path, r2, old); err != nil {
		return nil, err
	}
	return r2, nil
}

// resolve returns path with every symbolic link resolved, or path itself
// if it is not a link. A link that leads nowhere is an error that names
// it: Update never replaces a link with a file.
func resolve(path string) (string, error) {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return path, nil // load reports a missing file
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("keyring: failed to open keyring: %s is a symbolic link that cannot be followed (sesstool writes to the file it leads to, never over the link): %w", path, err)
	}
	return real, nil
}

// writeFile writes r to a temporary file next to path, syncs it, and then
// renames it over path (old is the replaced file's FileInfo, whose owner the
// new file keeps) or links it to path (old is nil: no replace), and syncs
// the directory: a crash leaves either the old file or the new one.
func writeFile(path string, r *Ring, old fs.FileInfo) (err error) {
	data, err := r.Marshal()
	if err != nil {
		return err
	}
	// Validate what we are about to write, so a bug can never store a file
	// that Load rejects.
	if _, err := Parse(data); err != nil {
		return fmt.Errorf("keyring: refusing to write an invalid keyring: %v", err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tempPrefix(path)+"*")
	if err != nil {
		return fmt.Errorf("keyring: failed to write keyring: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name()) // after a rename or link this removes nothing or the extra name
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("keyring: failed to write keyring: %w", err)
	}
	if err := keepOwner(tmp, old, path); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("keyring: failed to write keyring: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("keyring: failed to write keyring: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("keyring: failed to write keyring: %w", err)
	}
	if old != nil {
		err = os.Rename(tmp.Name(), path)
	} else {
		err = os.Link(tmp.Name(), path)
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w: %s (refusing to overwrite it; remove it first if you really mean to)", ErrExists, path)
		}
	}
	if err != nil {
		return fmt.Errorf("keyring: failed to write keyring: %w", err)
	}
	return syncDir(dir)
}

// tempPrefix is the start of the names of writeFile's temporary files for
// path; os.CreateTemp ends them with random digits.
func tempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// removeStaleTemps removes the temporary files that writers of path left
// behind when they died between creating and renaming them. Each holds a
// whole keyring, secrets included, which would outlive a later Destroy or
// Prune of those keys. Call it only while holding path's lock, when no
// live writer has a temporary file.
func removeStaleTemps(path string) {
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return // the write that follows reports the problem
	}
	prefix := tempPrefix(path)
	for _, e := range entries {
		name := e.Name()
		if rest, ok := strings.CutPrefix(name, prefix); ok && rest != "" && strings.Trim(rest, "0123456789") == "" {
			os.Remove(filepath.Join(filepath.Dir(path), name))
		}
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("keyring: failed to sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("keyring: failed to sync directory: %w", err)
	}
	return nil
}
