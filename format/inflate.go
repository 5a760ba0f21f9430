package format

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
)

// The decompressors of the formats that compress their payload (JWE's
// "zip":"DEF", itsdangerous' "." prefix). Each stops reading as soon as
// the output passes max, so a compression bomb costs at most max+1 bytes.

// inflateRaw inflates raw DEFLATE data (RFC 1951) of at most max bytes.
func inflateRaw(b []byte, max int) ([]byte, error) {
	r := flate.NewReader(bytes.NewReader(b))
	defer r.Close()
	out, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	switch {
	case len(out) > max:
		return nil, fmt.Errorf("inflates to more than %d bytes", max)
	case err != nil:
		return nil, errors.New("is not valid DEFLATE data")
	}
	return out, nil
}

// inflateZlib decompresses one zlib stream (RFC 1950) of at most max
// bytes, refusing a bad checksum and data after the stream.
func inflateZlib(b []byte, max int) ([]byte, error) {
	br := bytes.NewReader(b)
	zr, err := zlib.NewReader(br)
	if err != nil {
		return nil, errors.New("the compressed payload is not a zlib stream")
	}
	out, err := io.ReadAll(io.LimitReader(zr, int64(max)+1))
	switch {
	case err != nil:
		return nil, errors.New("the compressed payload is not a valid zlib stream")
	case len(out) > max:
		return nil, fmt.Errorf("the compressed payload inflates to more than %d bytes", max)
	case br.Len() != 0:
		return nil, errors.New("the compressed payload has data after its zlib stream")
	}
	return out, nil
}
