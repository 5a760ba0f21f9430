package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sesstool/sesstool/session"
)

var _ session.Iterable = (*Store)(nil)

// scanCount is the COUNT hint of each SCAN.
const scanCount = 256

// Range implements session.Iterable with SCAN over the keys under the
// prefix (never KEYS, which blocks the server), then one pipelined PTTL
// and STRLEN per batch. An Entry's Key and Hash are both the key without
// its prefix, the SHA-256 of the ID: the store never knows the ID. Keys
// under the prefix that are not such a hash are skipped, and so are keys
// without a TTL. Expires is computed from Redis's remaining TTL and the
// local clock; Modified is unknown (zero).
//
// SCAN may return a key twice, and misses none that exists throughout;
// Range calls f once per key. With a redis.ClusterClient it scans every
// master.
func (s *Store) Range(ctx context.Context, f func(session.Entry) error) error {
	seen := make(map[string]bool)
	scan := func(ctx context.Context, c redis.Cmdable) error {
		var cursor uint64
		for {
			keys, next, err := c.Scan(ctx, cursor, globEscape(s.prefix)+"*", scanCount).Result()
			if err != nil {
				return wrapErr(ctx, "list", err)
			}
			if err := s.batch(ctx, c, keys, seen, f); err != nil {
				return err
			}
			if cursor = next; cursor == 0 {
				return nil
			}
		}
	}
	if cc, ok := s.client.(*redis.ClusterClient); ok {
		// Masters are scanned one after another, so seen and f need no
		// lock.
		var masters []*redis.Client
		var mu = make(chan struct{}, 1)
		if err := cc.ForEachMaster(ctx, func(_ context.Context, c *redis.Client) error {
			mu <- struct{}{}
			masters = append(masters, c)
			<-mu
			return nil
		}); err != nil {
			return wrapErr(ctx, "list", err)
		}
		for _, c := range masters {
			if err := scan(ctx, c); err != nil {
				return err
			}
		}
		return nil
	}
	return scan(ctx, s.client)
}

// batch reports the keys of one SCAN reply to f.
func (s *Store) batch(ctx context.Context, c redis.Cmdable, keys []string, seen map[string]bool, f func(session.Entry) error) error {
	var todo []string
	for _, k := range keys {
		h := strings.TrimPrefix(k, s.prefix)
		if !isHash(h) || seen[h] {
			continue
		}
		seen[h] = true
		todo = append(todo, k)
	}
	if len(todo) == 0 {
		return nil
	}
	ttls := make([]*redis.DurationCmd, len(todo))
	lens := make([]*redis.IntCmd, len(todo))
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range todo {
			ttls[i] = p.PTTL(ctx, k)
			lens[i] = p.StrLen(ctx, k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		var reply redis.Error
		if !errors.As(err, &reply) {
			return wrapErr(ctx, "list", err)
		}
	}
	now := time.Now()
	for i, k := range todo {
		ttl, err1 := ttls[i].Result()
		n, err2 := lens[i].Result()
		if err1 != nil || err2 != nil || ttl <= 0 {
			continue // gone since the SCAN, not a string, or no TTL
		}
		h := strings.TrimPrefix(k, s.prefix)
		if err := f(session.Entry{Key: h, Hash: h, Size: int(n), Expires: now.Add(ttl)}); err != nil {
			return err
		}
	}
	return nil
}

// isHash reports whether h is 64 lowercase hexadecimal characters.
func isHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// globEscape escapes the characters that SCAN's MATCH pattern gives a
// meaning: * ? [ ] and \.
func globEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`*?[]\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// checkKey returns an error wrapping session.ErrInvalidID if key is not a
// key that Range gives.
func checkKey(key string) error {
	if !isHash(key) {
		return fmt.Errorf("%w: a key of Range is 64 lowercase hexadecimal characters, got %d characters", session.ErrInvalidID, len(key))
	}
	return nil
}

// LoadKey implements session.Iterable: Load by the hash that Range gives.
func (s *Store) LoadKey(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	val, err := s.client.Get(ctx, s.prefix+key).Result()
	if errors.Is(err, redis.Nil) {
		return nil, session.ErrNotFound
	}
	if err != nil {
		return nil, wrapErr(ctx, "load", err)
	}
	if len(val) > s.maxData {
		return nil, fmt.Errorf("%w: the stored value has %d bytes, more than Options.MaxData (%d); delete the key or raise MaxData", session.ErrTooLarge, len(val), s.maxData)
	}
	return []byte(val), nil
}

// DeleteKey implements session.Iterable: Delete by the hash that Range
// gives.
func (s *Store) DeleteKey(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := s.client.Del(ctx, s.prefix+key).Err(); err != nil {
		return wrapErr(ctx, "delete", err)
	}
	return nil
}
