package main

// Batch mode: verify or open one token per line of stdin, in parallel, and
// write one JSON result per line in input order, in constant memory.
//
// A reader goroutine cuts stdin into chunks of lines and sends each chunk
// twice: to the workers (jobs), and to the writer (order), in input order.
// The writer takes chunks from order, waits until a worker has rendered each
// one, and writes it out. The order channel's capacity bounds the chunks in
// flight, so memory is bounded by (window + 2) chunks whatever the input's
// length, and a slow consumer of stdout slows the reader down instead of
// filling memory.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/internal/bytestring"
	"github.com/sesstool/sesstool/token"
)

const (
	batchGCPercent = 400      // the GC target of batch mode; see runBatch
	chunkLines     = 512      // most lines per chunk
	chunkBytes     = 64 << 10 // chunks are cut once their lines hold this many bytes
	readBytes      = 32 << 10 // the most that one read of the input asks for
)

// lineRef is one input line of a chunk.
type lineRef struct {
	no       int  // line number, from 1
	off, end int  // the line, trimmed, in chunk.data
	tooLong  bool // longer than maxTokenInput: not stored
}

type chunk struct {
	data  []byte
	lines []lineRef
	out   []byte // the rendered JSON results
	stats batchStats
	done  chan struct{} // closed when out and stats are ready
}

// addLine adds line number no, c.data[start:end], trimmed; a blank line is
// left out, and a line that is too long is added without its bytes.
func (c *chunk) addLine(no, start, end int, tooLong bool) {
	if tooLong {
		c.lines = append(c.lines, lineRef{no: no, tooLong: true})
		return
	}
	i, j := trimSpan(c.data[start:end])
	if i == j {
		return
	}
	c.lines = append(c.lines, lineRef{no: no, off: start + i, end: start + j})
}

type batchStats struct {
	valid, expired, invalid, notYetValid int
}

func (s *batchStats) add(o batchStats) {
	s.valid += o.valid
	s.expired += o.expired
	s.invalid += o.invalid
	s.notYetValid += o.notYetValid
}

func (s batchStats) rejected() int { return s.expired + s.invalid + s.notYetValid }

// summary is the line batch mode prints on stderr when it ends.
func (s batchStats) summary(d time.Duration) string {
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{{s.expired, "expired"}, {s.invalid, "invalid"}, {s.notYetValid, "not yet valid"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	detail := ""
	if len(parts) > 0 {
		detail = " (" + strings.Join(parts, ", ") + ")"
	}
	return fmt.Sprintf("sesstool: %d valid, %d rejected%s in %.2fs", s.valid, s.rejected(), detail, d.Seconds())
}

// runBatch runs batch mode for open (withPayload) or verify.
func (a *app) runBatch(f *openFlags, withPayload bool) error {
	_, set, err := a.openSetup(f)
	if err != nil {
		return err
	}
	start := time.Now()
	workers := f.workerCount()
	// The live heap of a batch run is small and constant. verify
	// allocates nothing per token, but open allocates the payload that
	// Unseal copies out, so the collector would run about 40 times per
	// million tokens at the default GOGC, and 10 times at 400. Each
	// collection stops every worker twice, and on a busy machine a stop
	// waits for a thread the kernel has descheduled (BENCHMARKS.md,
	// batch): fewer collections are worth about 10 MB more (still
	// constant). An explicit GOGC wins.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(batchGCPercent))
	}
	var prog *progress
	if a.stderrTTY {
		prog = newProgress(a.stderr, a.stdinFile)
	}
	stats, err := runBatch(a.stdin, a.stdout, set, withPayload, workers, prog)
	if prog != nil {
		prog.stop()
	}
	if err != nil {
		return err
	}
	if !f.quiet {
		fmt.Fprintln(a.stderr, stats.summary(time.Since(start)))
	}
	if stats.rejected() > 0 {
		return &silentError{code: exitRejected}
	}
	return nil
}

// runBatch is the pipeline. prog may be nil.
func runBatch(in io.Reader, out io.Writer, set *openerSet, withPayload bool, workers int, prog *progress) (batchStats, error) {
	window := 4 * workers
	jobs := make(chan *chunk, workers)
	order := make(chan *chunk, window)
	free := make(chan *chunk, window+2)
	stop := make(chan struct{}) // closed by the writer when it fails
	var readErr error

	newChunk := func() *chunk {
		select {
		case c := <-free:
			c.data, c.lines, c.out = c.data[:0], c.lines[:0], c.out[:0]
			c.stats = batchStats{}
			return c
		default:
			return &chunk{data: make([]byte, 0, chunkBytes+maxTokenInput+readBytes), lines: make([]lineRef, 0, chunkLines)}
		}
	}

	// Reader. It reads blocks straight into a chunk and cuts them into
	// lines where they lie, so that no line is copied, but for the part
	// of one that a chunk's end cuts off, which moves to the next chunk.
	go func() {
		defer close(jobs)
		defer close(order)
		c := newChunk()
		send := func() bool {
			if len(c.lines) == 0 {
				return true
			}
			c.done = make(chan struct{})
			select {
			case order <- c:
			case <-stop:
				return false
			}
			jobs <- c
			return true
		}
		var (
			start    int  // offset in c.data of the line being read
			scan     int  // offset in c.data from which to look for its end
			no       = 1  // its number
			skipping bool // it is longer than maxTokenInput: drop it as it comes
			eof      bool
		)
		for {
			for {
				i := bytes.IndexByte(c.data[scan:], '\n')
				if i < 0 {
					break
				}
				end := scan + i
				c.addLine(no, start, end, skipping || end-start > maxTokenInput)
				no, skipping = no+1, false
				start, scan = end+1, end+1
			}
			scan = len(c.data)
			if !skipping && len(c.data)-start > maxTokenInput {
				skipping = true
			}
			if skipping { // keep none of a line that is too long
				c.data, scan = c.data[:start], start
			}
			if eof {
				if start < len(c.data) || skipping {
					c.addLine(no, start, len(c.data), skipping)
				}
				send()
				return
			}
			if len(c.lines) >= chunkLines || start >= chunkBytes {
				next := newChunk()
				next.data = append(next.data, c.data[start:]...)
				c.data = c.data[:start]
				if !send() {
					return
				}
				c, scan, start = next, scan-start, 0
			}
			// c.data holds less than chunkBytes of lines and at most
			// maxTokenInput of the line being read: readBytes are free.
			n, err := in.Read(c.data[len(c.data) : len(c.data)+readBytes])
			c.data = c.data[:len(c.data)+n]
			if prog != nil {
				prog.read.Add(int64(n))
			}
			switch {
			case err == io.EOF:
				eof = true
			case err != nil:
				readErr = fmt.Errorf("failed to read stdin at line %d: %w", no, err)
				send()
				return
			}
		}
	}()

	// Workers.
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for c := range jobs {
				for _, l := range c.lines {
					c.out = renderLine(c.out, &c.stats, set, c.data, l, withPayload)
				}
				close(c.done)
			}
		})
	}

	// Writer.
	bw := bufio.NewWriterSize(out, 64<<10)
	var stats batchStats
	var writeErr error
	for c := range order {
		<-c.done
		if writeErr == nil {
			stats.add(c.stats)
			if _, err := bw.Write(c.out); err != nil {
				writeErr = err
				close(stop)
			}
			if prog != nil {
				prog.lines.Add(int64(len(c.lines)))
			}
		}
		select {
		case free <- c:
		default:
		}
	}
	wg.Wait()
	if writeErr == nil {
		writeErr = bw.Flush()
	}
	if writeErr != nil {
		return stats, fmt.Errorf("failed to write the results: %w", writeErr)
	}
	if readErr != nil {
		return stats, readErr
	}
	return stats, nil
}

// trimSpan returns the bounds of b without its line end and surrounding
// spaces: b[i:j].
func trimSpan(b []byte) (i, j int) {
	i, j = 0, len(b)
	for i < j && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	for j > i && (b[j-1] == ' ' || b[j-1] == '\t' || b[j-1] == '\r' || b[j-1] == '\n') {
		j--
	}
	return i, j
}

// openLine opens one batch line: a bare token, or a cookie as name=value
// (or a whole Cookie: line) for the formats that authenticate the cookie's
// name, Rails cookies and gorilla/securecookie values, whose bare value
// cannot be verified. A line that is a token of a known format is opened
// as it is, without a look at its '=' characters.
func (s *openerSet) openLine(line string) (opened, error) {
	if strings.IndexByte(line, '=') < 0 || formats.Detect(line) != nil {
		return s.open(line)
	}
	if _, cs, err := formats.Split(line); err == nil && len(cs) == 1 && cs[0].Name != "" {
		return s.openCookie(cs[0].Name, cs[0].Value)
	}
	return s.open(line)
}

// renderLine opens one line's token and appends its JSON result.
func renderLine(dst []byte, st *batchStats, set *openerSet, data []byte, l lineRef, withPayload bool) []byte {
	dst = append(dst, `{"line":`...)
	dst = strconv.AppendInt(dst, int64(l.no), 10)
	var err error
	var res opened
	if l.tooLong {
		err = format.Reject(token.ErrInvalid, format.StageSize, "the line is longer than %d bytes", maxTokenInput)
	} else {
		// The token borrows the chunk (bytestring's invariant): the chunk
		// is not written again until the writer has taken this line's
		// result, and nothing that open returns keeps the token past
		// renderLine. A copy per line costs about 20% more CPU time per
		// token on two cores (BENCHMARKS.md).
		res, err = set.openLine(bytestring.Borrow(data[l.off:l.end]))
	}
	if err != nil {
		reason, stage, id := rejectInfo(err)
		switch reason {
		case "expired":
			st.expired++
		case "not-yet-valid":
			st.notYetValid++
		default:
			st.invalid++
		}
		dst = append(dst, `,"ok":false,"reason":"`...)
		dst = append(dst, reason...)
		dst = append(dst, '"')
		if stage != "" {
			dst = append(dst, `,"stage":"`...)
			dst = append(dst, stage...)
			dst = append(dst, '"')
		}
		if id != 0 {
			dst = append(dst, `,"keyId":"`...)
			dst = appendHex8(dst, id)
			dst = append(dst, '"')
		}
		dst = append(dst, `,"error":`...)
		dst = appendJSONString(dst, err.Error())
		return append(dst, "}\n"...)
	}
	st.valid++
	if res.Ktor != nil {
		// A Ktor cookie has no expiry, but a layout.
		dst = append(dst, `,"ok":true,"format":"ktor","keyId":"`...)
		dst = appendHex8(dst, uint32(res.Key.ID))
		dst = append(dst, `","layout":"`...)
		dst = append(dst, res.Ktor.Layout...)
		dst = append(dst, '"')
	} else {
		dst = append(dst, `,"ok":true,"keyId":"`...)
		dst = appendHex8(dst, uint32(res.Key.ID))
		dst = append(dst, '"')
		// A foreign token may carry no expiry (an Express cookie, an
		// itsdangerous token without max-age): no "expires" then.
		if !res.ExpiresAt.IsZero() {
			dst = append(dst, `,"expires":"`...)
			dst = res.ExpiresAt.UTC().AppendFormat(dst, time.RFC3339)
			dst = append(dst, '"')
		}
	}
	if res.Rewrap {
		dst = append(dst, `,"rewrap":true`...)
	}
	if withPayload {
		dst = append(dst, `,"payload":`...)
		dst = append(dst, res.JSON...)
	}
	return append(dst, "}\n"...)
}

func appendHex8(dst []byte, v uint32) []byte {
	const digits = "0123456789abcdef"
	for shift := 28; shift >= 0; shift -= 4 {
		dst = append(dst, digits[(v>>uint(shift))&0xf])
	}
	return dst
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD; U+2028 and U+2029 are escaped, as encoding/json does.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, `\u202`...)
			dst = append(dst, hex[r&0xf])
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// progress draws a one-line progress report on a terminal, four times a
// second: lines done, throughput, and the share of stdin read when stdin is
// a regular file of known size.
type progress struct {
	w     io.Writer
	total int64 // stdin's size, or 0 when unknown
	read  atomic.Int64
	lines atomic.Int64
	start time.Time
	quit  chan struct{}
	done  chan struct{}
}

func newProgress(w io.Writer, stdin *os.File) *progress {
	p := &progress{w: w, start: time.Now(), quit: make(chan struct{}), done: make(chan struct{})}
	if stdin != nil {
		if fi, err := stdin.Stat(); err == nil && fi.Mode().IsRegular() {
			p.total = fi.Size()
		}
	}
	go func() {
		defer close(p.done)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				fmt.Fprint(p.w, "\r"+p.line(time.Since(p.start))+"\x1b[K")
			case <-p.quit:
				fmt.Fprint(p.w, "\r\x1b[K")
				return
			}
		}
	}()
	return p
}

// line renders the progress report after elapsed time d.
func (p *progress) line(d time.Duration) string {
	n := p.lines.Load()
	rate := 0.0
	if d > 0 {
		rate = float64(n) / d.Seconds()
	}
	s := fmt.Sprintf("sesstool: %d tokens, %.0f/s", n, rate)
	if p.total > 0 {
		frac := min(float64(p.read.Load())/float64(p.total), 1)
		const width = 30
		full := int(frac * width)
		s = fmt.Sprintf("sesstool: [%s%s] %3.0f%% %d tokens, %.0f/s", strings.Repeat("#", full), strings.Repeat(".", width-full), frac*100, n, rate)
	}
	return s
}

func (p *progress) stop() {
	close(p.quit)
	<-p.done
}
