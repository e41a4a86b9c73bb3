package eval

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// Workers is how many questions or queries the runners send at once: enough
// to overlap the database and the model, few enough for a small machine.
const Workers = 3

// forEach calls fn for 0..n-1 on at most Workers goroutines. It stops
// starting calls at the first error or when ctx ends, and returns that
// error.
func forEach(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(Workers)
	for i := range n {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return fn(gctx, i) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// ratio is a count of successes over a count of trials.
type ratio struct{ hit, of int }

func (r *ratio) add(hit bool) {
	r.of++
	if hit {
		r.hit++
	}
}

// value is the fraction, 0 when there were no trials (JSON has no NaN).
func (r ratio) value() float64 {
	if r.of == 0 {
		return 0
	}
	return float64(r.hit) / float64(r.of)
}

// orNil is the fraction, nil when there were no trials: a metric with no
// cases is null in JSON and "n/a" in a table, not a misleading 0.
func (r ratio) orNil() *float64 {
	if r.of == 0 {
		return nil
	}
	v := r.value()
	return &v
}
