package session

import (
	"fmt"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// cookie returns the Set-Cookie line of the session's cookie named name
// (the session's own, or one of its chunks), as http.SetCookie renders it.
// maxAge > 0 is a persistent cookie of that many seconds; 0 a
// browser-session cookie; < 0 deletes the cookie. The line is rendered
// once, both to check its size and to send it.
func (m *Manager[T]) cookie(name, value string, maxAge int) string {
	c := http.Cookie{
		Name:     name,
		Value:    value,
		Path:     m.o.Path,
		Domain:   m.o.Domain,
		MaxAge:   maxAge,
		Secure:   !m.o.Insecure,
		HttpOnly: true,
		SameSite: m.o.SameSite,
	}
	return c.String()
}

// maxAge returns the Max-Age of a cookie that should last d (at least one
// second), or 0 (a browser-session cookie) when remember is false.
func maxAge(d time.Duration, remember bool) int {
	if !remember {
		return 0
	}
	return max(int(d/time.Second), 1)
}

// chunkName returns the name of chunk i (0 is the session's own name).
func (m *Manager[T]) chunkName(i int) string {
	if i == 0 {
		return m.name
	}
	return m.name + "." + strconv.Itoa(i)
}

// readValue returns what the request carries for the session: the header,
// or the cookie joined with its chunks. It is "" when there is nothing, or
// more than limit bytes.
func (m *Manager[T]) readValue(r *http.Request, st *requestState, limit int) string {
	if m.o.Header {
		v := r.Header.Get(m.name)
		if len(v) > limit {
			return ""
		}
		return v
	}
	v, ok := requestCookie(r, m.name)
	if !ok || len(v) > limit {
		return ""
	}
	if m.o.Chunks <= 1 {
		return v
	}
	st.chunks = 0
	for i := 1; i < m.o.Chunks; i++ {
		c, ok := requestCookie(r, m.chunkName(i))
		if !ok {
			break
		}
		st.chunks = i
		if len(v)+len(c) > limit {
			return ""
		}
		v += c
	}
	return v
}

// countChunks sets st.chunks to the number of chunk cookies the request
// carries, for a request whose value was not read.
func (m *Manager[T]) countChunks(r *http.Request, st *requestState) {
	if m.o.Header || m.o.Chunks <= 1 {
		return
	}
	st.chunks = 0
	for i := 1; i < m.o.Chunks; i++ {
		if _, ok := requestCookie(r, m.chunkName(i)); !ok {
			return
		}
		st.chunks = i
	}
}

// sendValue makes value the session that the response carries, in the
// header or in a cookie (split into chunks if Options.Chunks allows and it
// must), with the given Max-Age (see cookie). A cookie over MaxCookieSize,
// which a browser would drop without a word, is refused with an error
// wrapping ErrTooLarge, and nothing is sent.
func (m *Manager[T]) sendValue(st *requestState, value string, maxAge int) error {
	if m.o.Header {
		st.header, st.pending = value, nil
		return nil
	}
	var cookies []string
	c := m.cookie(m.name, value, maxAge)
	if n := len(c); n <= MaxCookieSize { // what the cookie takes, as RFC 6265 counts it: its name, value and attributes
		cookies = append(cookies, c)
	} else {
		if m.o.Chunks <= 1 {
			return fmt.Errorf("%w: the session's cookie would take %d bytes (name, value and attributes), and browsers drop a cookie over %d without a word; store less in the session, keep it on the server (session.New), or let it span several cookies (Options.Chunks)", ErrTooLarge, n, MaxCookieSize)
		}
		// Every chunk's attributes are the same; its name is at most
		// len(m.name)+3 bytes.
		overhead := len(m.cookie(m.chunkName(MaxChunks), "", maxAge))
		per := MaxCookieSize - overhead
		need := (len(value) + per - 1) / per
		if need > m.o.Chunks {
			return fmt.Errorf("%w: the session takes %d bytes, which needs %d cookies of at most %d bytes each; Options.Chunks allows %d: store less in the session, or keep it on the server (session.New)", ErrTooLarge, len(value), need, MaxCookieSize, m.o.Chunks)
		}
		for i := 0; len(value) > 0; i++ {
			n := min(per, len(value))
			cookies = append(cookies, m.cookie(m.chunkName(i), value[:n], maxAge))
			value = value[n:]
		}
	}
	// Expire the chunks of an earlier, longer session, which would
	// otherwise be joined to this one (and fail to open).
	for i := len(cookies); i <= st.chunks; i++ {
		cookies = append(cookies, m.cookie(m.chunkName(i), "", -1))
	}
	st.chunks = len(cookies) - 1
	st.pending, st.header = cookies, ""
	return nil
}

// dropValue tells the client to drop the session: its cookie and chunks.
// A header cannot be recalled: nothing is sent.
func (m *Manager[T]) dropValue(r *http.Request, st *requestState) {
	st.pending, st.header = nil, ""
	if m.o.Header {
		return
	}
	if st.chunks == 0 {
		m.countChunks(r, st)
	}
	for i := 0; i <= st.chunks; i++ {
		st.pending = append(st.pending, m.cookie(m.chunkName(i), "", -1))
	}
	st.chunks = 0
}

// maxCookies is net/http's default bound on the cookies of a request
// (GODEBUG httpcookiemaxnum): past it, Request.Cookie finds none.
const maxCookies = 3000

// requestCookie returns the value of the first valid cookie named name in
// r, exactly as r.Cookie(name) would (FuzzRequestCookie holds it to that),
// without the two allocations of r.Cookie, which parses every cookie of the
// request into a slice.
func requestCookie(r *http.Request, name string) (string, bool) {
	if !validName(name) {
		return "", false
	}
	lines := r.Header["Cookie"]
	n := 0
	for _, line := range lines {
		n += strings.Count(line, ";") + 1
	}
	if n > maxCookies {
		return "", false
	}
	for _, line := range lines {
		line = textproto.TrimString(line)
		var part string
		for len(line) > 0 {
			part, line, _ = strings.Cut(line, ";")
			part = textproto.TrimString(part)
			if part == "" {
				continue
			}
			k, v, _ := strings.Cut(part, "=")
			if textproto.TrimString(k) != name {
				continue
			}
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if validCookieValue(v) {
				return v, true
			}
		}
	}
	return "", false
}

// validCookieValue reports whether net/http accepts v as a cookie's value.
func validCookieValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < 0x20 || b >= 0x7f || b == '"' || b == ';' || b == '\\' {
			return false
		}
	}
	return true
}
