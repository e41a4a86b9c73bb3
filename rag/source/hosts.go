package source

import (
	"context"
	"strings"
	"sync"
	"time"
)

// hosts lets one request at a time go to each host, across every crawl
// the process runs, with at least the crawl's delay between two.
type hosts struct {
	mu    sync.Mutex
	gates map[string]*hostGate
}

// hostGate is one host's turn: a one-slot channel, and when its last
// request ended.
type hostGate struct {
	turn chan struct{}
	last time.Time
}

// do runs fetch when the host is free and delay has passed since its last
// request, unless ctx ends first.
func (h *hosts) do(ctx context.Context, host string, delay time.Duration, fetch func() error) error {
	g := h.gate(strings.ToLower(host))
	select {
	case g.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-g.turn }()
	if wait := delay - time.Since(g.last); !g.last.IsZero() && wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	defer func() { g.last = time.Now() }()
	return fetch()
}

func (h *hosts) gate(host string) *hostGate {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.gates == nil {
		h.gates = map[string]*hostGate{}
	}
	g, ok := h.gates[host]
	if !ok {
		g = &hostGate{turn: make(chan struct{}, 1)}
		h.gates[host] = g
	}
	return g
}
