package transform

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
)

// NewDeflate returns a Transformer that compresses with DEFLATE (RFC 1951) on
// write and, on read, decompresses at most maxSize bytes: input that would
// expand past maxSize (a "deflate bomb") is rejected with an error wrapping
// [ErrInvalid] after at most maxSize+1 bytes of output, and so are truncated
// streams and bytes after the end of the stream.
//
// Compression leaks the payload's redundancy through the token's length.
// Never compress a payload that mixes secrets with data an attacker chooses
// (CRIME, BREACH): place NewDeflate before encryption only for data that is
// all the server's own.
//
// NewDeflate panics if maxSize is not positive.
func NewDeflate(maxSize int) Transformer {
	if maxSize <= 0 {
		panic("transform: NewDeflate with a non-positive maxSize")
	}
	return &deflateTransformer{max: maxSize}
}

type deflateTransformer struct{ max int }

func (d *deflateTransformer) Write(dst, src []byte) []byte {
	buf := bytes.NewBuffer(dst)
	w, err := flate.NewWriter(buf, flate.DefaultCompression)
	if err != nil {
		panic("transform: flate.NewWriter: " + err.Error()) // only for a bad level
	}
	// Writes to a bytes.Buffer cannot fail.
	w.Write(src)
	w.Close()
	return buf.Bytes()
}

func (d *deflateTransformer) Read(dst, src []byte) ([]byte, error) {
	in := bytes.NewReader(src) // an io.ByteReader: flate reads no further than the stream's end
	r := flate.NewReader(in)
	defer r.Close()
	buf := bytes.NewBuffer(dst)
	n, err := buf.ReadFrom(io.LimitReader(r, int64(d.max)+1))
	switch {
	case err != nil:
		return dst, invalidf("deflate: %v", err)
	case n > int64(d.max):
		return dst, invalidf("deflate: decompressed size exceeds the limit of %d bytes", d.max)
	case in.Len() != 0:
		return dst, invalidf("deflate: %d bytes after the end of the stream", in.Len())
	}
	return buf.Bytes(), nil
}

func (d *deflateTransformer) String() string { return fmt.Sprintf("deflate(max %d)", d.max) }
