package bot

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// Rate is a token bucket: Burst requests at once, one more every Every.
// A zero Every disables the limit.
type Rate struct {
	Burst int
	Every time.Duration
}

// buckets is a set of token buckets keyed by user or guild id, bounded by
// evicting the least recently used key.
type buckets struct {
	rate Rate
	now  func() time.Time
	mu   sync.Mutex
	lru  *lru[string, *bucket]
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newBuckets(r Rate, capacity int, now func() time.Time) *buckets {
	return &buckets{rate: r, now: now, lru: newLRU[string, *bucket](capacity)}
}

// allow takes a token for key and reports whether one was available, and
// if not, how long until one is.
func (b *buckets) allow(key string) (bool, time.Duration) {
	if b.rate.Every <= 0 || b.rate.Burst <= 0 {
		return true, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	bk, ok := b.lru.get(key)
	if !ok {
		bk = &bucket{tokens: float64(b.rate.Burst), last: now}
		b.lru.put(key, bk)
	}
	bk.tokens += float64(now.Sub(bk.last)) / float64(b.rate.Every)
	bk.tokens = min(bk.tokens, float64(b.rate.Burst))
	bk.last = now
	if bk.tokens >= 1 {
		bk.tokens--
		return true, 0
	}
	return false, time.Duration((1 - bk.tokens) * float64(b.rate.Every))
}

// pool bounds concurrent answers and the queue waiting for them.
type pool struct {
	slots chan struct{}
	queue chan struct{}
}

func newPool(workers, queue int) *pool {
	return &pool{slots: make(chan struct{}, max(workers, 1)), queue: make(chan struct{}, max(queue, 0))}
}

// waiting is how many callers wait for a worker.
func (p *pool) waiting() int { return len(p.queue) }

// busyError is returned when both workers and queue are full.
type busyError struct{}

func (busyError) Error() string { return "all workers busy and queue full" }

// acquire takes a worker slot. queued is called once if the caller has to
// wait. It fails when the queue is full or ctx ends.
func (p *pool) acquire(ctx context.Context, queued func()) (release func(), err error) {
	release = func() { <-p.slots }
	select {
	case p.slots <- struct{}{}:
		return release, nil
	default:
	}
	select {
	case p.queue <- struct{}{}:
	default:
		return nil, busyError{}
	}
	defer func() { <-p.queue }()
	if queued != nil {
		queued()
	}
	select {
	case p.slots <- struct{}{}:
		return release, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// seenSet remembers the last ids seen, to answer each event once.
type seenSet struct {
	mu  sync.Mutex
	lru *lru[string, struct{}]
}

func newSeenSet(capacity int) *seenSet { return &seenSet{lru: newLRU[string, struct{}](capacity)} }

// first records id and reports whether it had not been seen.
func (s *seenSet) first(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.lru.get(id); ok {
		return false
	}
	s.lru.put(id, struct{}{})
	return true
}

// lru is a bounded least-recently-used map; not safe for concurrent use.
type lru[K comparable, V any] struct {
	cap   int
	order *list.List
	items map[K]*list.Element
}

type entry[K comparable, V any] struct {
	key K
	val V
}

func newLRU[K comparable, V any](capacity int) *lru[K, V] {
	return &lru[K, V]{cap: max(capacity, 1), order: list.New(), items: map[K]*list.Element{}}
}

func (l *lru[K, V]) get(k K) (V, bool) {
	if e, ok := l.items[k]; ok {
		l.order.MoveToFront(e)
		return e.Value.(*entry[K, V]).val, true
	}
	var zero V
	return zero, false
}

func (l *lru[K, V]) put(k K, v V) {
	if e, ok := l.items[k]; ok {
		e.Value.(*entry[K, V]).val = v
		l.order.MoveToFront(e)
		return
	}
	l.items[k] = l.order.PushFront(&entry[K, V]{k, v})
	for l.order.Len() > l.cap {
		last := l.order.Back()
		l.order.Remove(last)
		delete(l.items, last.Value.(*entry[K, V]).key)
	}
}
