package source

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestHostsOneRequestAtATime(t *testing.T) {
	var h hosts
	var active, most atomic.Int32
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			err := h.do(t.Context(), "Example.com", 0, func() error {
				n := active.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(time.Millisecond)
				active.Add(-1)
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Errorf("%d requests to one host at once, want 1", most.Load())
	}
}

func TestHostsDelayAndIndependentHosts(t *testing.T) {
	var h hosts
	const delay = 50 * time.Millisecond
	var ended time.Time
	h.do(t.Context(), "a.example", delay, func() error { ended = time.Now(); return nil })
	var started time.Time
	h.do(t.Context(), "a.example", delay, func() error { started = time.Now(); return nil })
	if gap := started.Sub(ended); gap < delay-5*time.Millisecond {
		t.Errorf("second request %v after the first, want at least %v", gap, delay)
	}
	// Another host does not wait for this one: b's request runs while a's
	// is still in progress.
	bRan := make(chan struct{})
	done := make(chan error)
	go func() {
		done <- h.do(t.Context(), "a.example", 0, func() error {
			select {
			case <-bRan:
				return nil
			case <-time.After(10 * time.Second):
				t.Error("b.example waited for a.example")
				return nil
			}
		})
	}()
	time.Sleep(10 * time.Millisecond)
	h.do(t.Context(), "b.example", 0, func() error { close(bRan); return nil })
	<-done
}
