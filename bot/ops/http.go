package ops

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check is one readiness check, e.g. the database answering or the
// gateway connected. Fn returns nil when ready.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Pinger is anything that can say whether it answers; *store.Store is
// one.
type Pinger interface {
	Ping(ctx context.Context) error
}

// DatabaseCheck is the readiness check "database": db answers a ping.
func DatabaseCheck(db Pinger) Check {
	return Check{Name: "database", Fn: db.Ping}
}

// ErrNotConnected is what FlagCheck reports when its flag is down.
var ErrNotConnected = errors.New("not connected")

// FlagCheck is a readiness check that passes while ok reports true, e.g.
// whether the Discord gateway is connected.
func FlagCheck(name string, ok func() bool) Check {
	return Check{Name: name, Fn: func(context.Context) error {
		if !ok() {
			return ErrNotConnected
		}
		return nil
	}}
}

// checkTimeout bounds one readiness check.
const checkTimeout = 3 * time.Second

// HandlerOptions configure Handler. The zero value serves metrics and
// health with no readiness checks and no logging.
type HandlerOptions struct {
	// Checks run, concurrently, on every /readyz request.
	Checks []Check
	// Logger receives failed checks with their errors, which /readyz
	// does not show; nil discards.
	Logger *slog.Logger
}

// Handler serves GET /metrics (m's registry in the Prometheus formats),
// /healthz (200 while the process runs) and /readyz (200 when every check
// passes, else 503 naming the failing checks; their errors are logged, not
// shown). m must not be nil.
func Handler(m *Metrics, opts HandlerOptions) http.Handler {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		failed := runChecks(r.Context(), log, opts.Checks)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if len(failed) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "not ready: %s\n", strings.Join(failed, ", "))
			return
		}
		fmt.Fprintln(w, "ready")
	})
	return mux
}

// runChecks runs every check concurrently and returns the names of those
// that failed, in the order given.
func runChecks(ctx context.Context, log *slog.Logger, checks []Check) []string {
	errs := make([]error, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, checkTimeout)
			defer cancel()
			errs[i] = c.Fn(cctx)
		})
	}
	wg.Wait()
	var failed []string
	for i, err := range errs {
		if err != nil {
			failed = append(failed, checks[i].Name)
			log.LogAttrs(ctx, slog.LevelWarn, "readiness check failed",
				slog.String("check", checks[i].Name), slog.String("err", err.Error()))
		}
	}
	return failed
}

// shutdownGrace bounds how long Serve waits for requests in flight.
const shutdownGrace = 5 * time.Second

// Serve serves Handler(m, opts) on addr until ctx ends, then shuts down
// gracefully. It returns nil after a shutdown caused by ctx. The listener
// has its own budget, HealthLimits, apart from any other listener of the
// process: a flood of the public endpoint cannot take /healthz down.
func Serve(ctx context.Context, addr string, m *Metrics, opts HandlerOptions) error {
	srv, ln, err := NewServer(ctx, addr, Handler(m, opts), HealthLimits)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return Run(ctx, srv, ln, shutdownGrace)
}

// ServeListener is Serve on a listener the caller opened, e.g. on port 0
// in tests. It closes ln.
func ServeListener(ctx context.Context, ln net.Listener, m *Metrics, opts HandlerOptions) error {
	srv := HardenedServer(Handler(m, opts), HealthLimits)
	return Run(ctx, srv, LimitListener(ln, HealthLimits.MaxConns), shutdownGrace)
}
