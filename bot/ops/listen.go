package ops

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Limits bound what clients can hold of one HTTP server: how long a
// request may take to arrive, how long an idle connection stays open, how
// large the headers may be and how many connections are open at once. A
// zero field takes the default of PublicLimits.
type Limits struct {
	// MaxConns is the most connections open at once; one more is
	// accepted and closed at once, so descriptors stay bounded and other
	// listeners of the process keep working.
	MaxConns int
	// ReadHeaderTimeout bounds the request line and headers, from the
	// connection's start or its last request.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds the whole request, body included.
	ReadTimeout time.Duration
	// WriteTimeout bounds the handler and its response.
	WriteTimeout time.Duration
	// IdleTimeout closes a kept-alive connection that sends nothing.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers.
	MaxHeaderBytes int
}

// PublicLimits are the defaults for a listener open to the internet, such
// as Discord's interactions endpoint: Discord sends small requests and
// waits at most 3 s for the answer.
var PublicLimits = Limits{MaxConns: 256, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
	WriteTimeout: 30 * time.Second, IdleTimeout: 60 * time.Second, MaxHeaderBytes: 32 << 10}

// HealthLimits are the metrics and health listener's own, smaller budget:
// a scraper and a prober need few connections, each answered at once.
var HealthLimits = Limits{MaxConns: 32, ReadHeaderTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second,
	WriteTimeout: 10 * time.Second, IdleTimeout: 30 * time.Second, MaxHeaderBytes: 8 << 10}

func (l Limits) withDefaults() Limits {
	d := PublicLimits
	setDefault(&l.MaxConns, d.MaxConns)
	setDefault(&l.ReadHeaderTimeout, d.ReadHeaderTimeout)
	setDefault(&l.ReadTimeout, d.ReadTimeout)
	setDefault(&l.WriteTimeout, d.WriteTimeout)
	setDefault(&l.IdleTimeout, d.IdleTimeout)
	setDefault(&l.MaxHeaderBytes, d.MaxHeaderBytes)
	return l
}

func setDefault[T int | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// NewServer listens on addr and returns a server for h with lim's
// timeouts, and the listener, capped at lim.MaxConns, to pass to Run.
// Every HTTP listener of citebot is made with it.
func NewServer(ctx context.Context, addr string, h http.Handler, lim Limits) (*http.Server, net.Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	lim = lim.withDefaults()
	return HardenedServer(h, lim), LimitListener(ln, lim.MaxConns), nil
}

// HardenedServer returns a server for h with lim's timeouts and header
// limit; serve it on a LimitListener.
func HardenedServer(h http.Handler, lim Limits) *http.Server {
	lim = lim.withDefaults()
	return &http.Server{Handler: h, ReadHeaderTimeout: lim.ReadHeaderTimeout, ReadTimeout: lim.ReadTimeout,
		WriteTimeout: lim.WriteTimeout, IdleTimeout: lim.IdleTimeout, MaxHeaderBytes: lim.MaxHeaderBytes}
}

// Run serves srv on ln until ctx ends, then shuts down, waiting up to
// grace for requests in flight. It returns nil after a shutdown caused by
// ctx. Requests' contexts are not cancelled by ctx: they finish or meet
// the grace period.
func Run(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration) error {
	srv.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
	done := make(chan error, 1)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
		defer cancel()
		done <- srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	}
	if err := <-done; err != nil {
		return fmt.Errorf("shut down %s: %w", ln.Addr(), err)
	}
	return nil
}

// LimitListener returns ln with at most n connections open at once. A
// connection beyond n is closed as soon as it is accepted rather than left
// waiting in the kernel's queue: the client learns at once, and the
// process's descriptors stay bounded whatever arrives.
func LimitListener(ln net.Listener, n int) net.Listener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, n)}
}

type limitListener struct {
	net.Listener
	slots chan struct{}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &limitConn{Conn: c, release: sync.OnceFunc(func() { <-l.slots })}, nil
		default:
			_ = c.Close() // over the cap
		}
	}
}

type limitConn struct {
	net.Conn
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}
