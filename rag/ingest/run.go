package ingest

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/citebot/citebot/rag/store"
)

// run is the state of one ingest into one collection. Documents are
// prepared (loaded, chunked, embedded) one at a time by the caller and
// written by up to Config.Writers goroutines, so that storing one document
// overlaps with preparing the next and with storing another.
type run struct {
	collection string
	model      store.Model
	seen       map[string]bool // sources met in this run; only the caller's goroutine

	slots    chan struct{} // one per writer
	wg       sync.WaitGroup
	bulkFrom int  // chunks written after which the vector index is rebuilt instead
	bulk     bool // the model's vector index was dropped for this run
	queued   int  // chunks handed to the writers

	mu       sync.Mutex // guards what follows
	states   map[string]store.DocState
	sum      *Summary
	done     int
	total    int
	start    time.Time
	progress func(Progress)
}

func (in *Ingester) begin(ctx context.Context, collection string, sum *Summary, total int, progress func(Progress)) (*run, error) {
	m, err := in.store.EnsureModel(ctx, in.model.Name(), in.model.Dim())
	if err != nil {
		return nil, err
	}
	states, err := in.store.DocumentStates(ctx, collection, m.ID)
	if err != nil {
		return nil, err
	}
	stored, err := in.store.VectorCount(ctx, m)
	if err != nil {
		return nil, err
	}
	return &run{collection: collection, model: m, seen: map[string]bool{}, states: states, sum: sum,
		slots: make(chan struct{}, in.cfg.Writers), bulkFrom: max(in.cfg.BulkMin, int(stored/4)),
		total: total, start: time.Now(), progress: progress}, nil
}

// write hands w to a writer, waiting for a free one. embedded is how many
// of its chunks were sent to the embedder; replaced whether it existed.
func (in *Ingester) write(ctx context.Context, r *run, w store.DocumentWrite, embedded int, replaced bool) error {
	if err := in.maybeBulk(ctx, r, len(w.Chunks)); err != nil {
		return err
	}
	select {
	case r.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	r.queued += len(w.Chunks)
	r.wg.Go(func() {
		defer func() { <-r.slots }()
		if _, err := in.store.ReplaceDocument(ctx, w); err != nil {
			in.failed(ctx, r, w.Source, err)
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.sum.Chunks += len(w.Chunks)
		r.sum.Embedded += embedded
		if replaced {
			r.sum.Updated++
		} else {
			r.sum.Added++
		}
		r.states[w.Source] = store.DocState{ContentHash: w.ContentHash, Embedded: true}
		r.report(w.Source)
	})
	return nil
}

// maybeBulk switches the run to a bulk load once it has written as many
// chunks as a quarter of the model's stored vectors (at least
// Config.BulkMin): from then on, rebuilding the model's index at the end
// costs less than growing it one vector at a time, and since the decision
// waits for that much work it never costs more than about twice the best
// choice. A run that writes little never touches the index.
func (in *Ingester) maybeBulk(ctx context.Context, r *run, chunks int) error {
	if r.bulk || r.queued+chunks <= r.bulkFrom {
		return nil
	}
	r.wg.Wait() // no writer holds the table while the index goes
	if err := in.store.DropVectorIndex(ctx, r.model); err != nil {
		return err
	}
	r.bulk = true
	in.cfg.Logger.InfoContext(ctx, "ingest bulk load: vector index is rebuilt at the end",
		slog.String("collection", r.collection), slog.String("model", r.model.Name))
	return nil
}

// finish waits for the writers and, after a bulk load, builds the model's
// vector index. If ctx was cancelled the index is left for the next start,
// whose EnsureModel builds it.
func (in *Ingester) finish(ctx context.Context, r *run) error {
	r.wg.Wait()
	slices.SortStableFunc(r.sum.Failures, func(a, b Failure) int { return cmp.Compare(a.Source, b.Source) })
	if r.bulk {
		start := time.Now()
		if err := in.store.BuildVectorIndex(ctx, r.model); err != nil {
			return err
		}
		in.cfg.Logger.InfoContext(ctx, "ingest vector index built", slog.String("model", r.model.Name),
			slog.Duration("elapsed", time.Since(start)))
	}
	return ctx.Err()
}

// failed records a source that could not be ingested.
func (in *Ingester) failed(ctx context.Context, r *run, src string, err error) {
	in.cfg.Logger.WarnContext(ctx, "ingest source", slog.String("source", src), slog.Any("err", err))
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sum.Failures = append(r.sum.Failures, Failure{Source: src, Err: err.Error()})
	r.report(src)
}

// unchanged records a source whose stored version is current.
func (r *run) unchanged(src string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sum.Unchanged++
	r.report(src)
}

// state returns what is stored of src.
func (r *run) state(src string) (store.DocState, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.states[src]
	return st, ok
}

// report counts one more source done and tells the progress callback;
// r.mu is held, so callbacks never run at once.
func (r *run) report(src string) {
	r.done++
	if r.progress != nil {
		r.progress(Progress{Done: r.done, Total: r.total, Chunks: r.sum.Chunks, Source: src, Elapsed: time.Since(r.start)})
	}
}
