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
// queued; Config.Writers goroutines store them, several small documents
// per transaction, so that storing overlaps with preparing.
type run struct {
	collection string
	model      store.Model
	seen       map[string]bool // sources met in this run; only the caller's goroutine

	queue    chan job
	writers  sync.WaitGroup  // the writer goroutines
	inflight sync.WaitGroup  // queued documents not yet stored
	bulkFrom int             // chunks written after which the vector index is rebuilt instead
	bulk     *store.BulkLoad // the model's vector index was dropped for this run
	queued   int             // chunks queued

	mu       sync.Mutex // guards what follows
	states   map[string]store.DocState
	sum      *Summary
	done     int
	total    int
	start    time.Time
	progress func(Progress)
}

// job is a prepared document: embedded is how many of its chunks were
// sent to the embedder; replaced whether it was stored before.
type job struct {
	w        store.DocumentWrite
	embedded int
	replaced bool
}

// groupChunks bounds the chunks of one write transaction: enough to spread
// its fixed cost over many small documents, few enough to keep it short.
const groupChunks = 256

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
	bulkFrom := max(in.cfg.BulkMin, int(stored/4))
	if stored == 0 {
		bulkFrom = 0 // building an index of everything beats growing it from nothing
	}
	r := &run{collection: collection, model: m, seen: map[string]bool{}, states: states, sum: sum,
		queue: make(chan job, 4*in.cfg.Writers), bulkFrom: bulkFrom,
		total: total, start: time.Now(), progress: progress}
	for range in.cfg.Writers {
		r.writers.Go(func() { in.writer(ctx, r) })
	}
	return r, nil
}

// write queues a prepared document, waiting while the queue is full.
func (in *Ingester) write(ctx context.Context, r *run, w store.DocumentWrite, embedded int, replaced bool) error {
	if err := in.maybeBulk(ctx, r, len(w.Chunks)); err != nil {
		return err
	}
	r.inflight.Add(1)
	select {
	case r.queue <- job{w, embedded, replaced}:
		r.queued += len(w.Chunks)
		return nil
	case <-ctx.Done():
		r.inflight.Done()
		return ctx.Err()
	}
}

// writer stores queued documents until the queue closes, taking along
// whatever else is already queued, up to groupChunks chunks.
func (in *Ingester) writer(ctx context.Context, r *run) {
	var carry *job
	for {
		var group []job
		if carry != nil {
			group, carry = []job{*carry}, nil
		} else if j, ok := <-r.queue; ok {
			group = []job{j}
		} else {
			return
		}
		n := len(group[0].w.Chunks)
	fill:
		for n < groupChunks {
			select {
			case j, ok := <-r.queue:
				if !ok {
					break fill
				}
				if slices.ContainsFunc(group, func(g job) bool { return g.w.Source == j.w.Source }) {
					carry = &j // the same source again: its own transaction, after this one
					break fill
				}
				group = append(group, j)
				n += len(j.w.Chunks)
			default:
				break fill
			}
		}
		in.storeGroup(ctx, r, group)
	}
}

// storeGroup writes a group in one transaction; if that fails, each
// document is written alone, so one bad document fails only itself.
func (in *Ingester) storeGroup(ctx context.Context, r *run, group []job) {
	defer r.inflight.Add(-len(group))
	ws := make([]store.DocumentWrite, len(group))
	for i, j := range group {
		ws[i] = j.w
	}
	_, err := in.store.ReplaceDocuments(ctx, ws)
	switch {
	case err == nil:
		for _, j := range group {
			r.stored(j)
		}
		return
	case len(group) == 1:
		in.failed(ctx, r, group[0].w.Source, err)
		return
	}
	for _, j := range group {
		if _, err := in.store.ReplaceDocuments(ctx, []store.DocumentWrite{j.w}); err != nil {
			in.failed(ctx, r, j.w.Source, err)
			continue
		}
		r.stored(j)
	}
}

// stored counts a document written.
func (r *run) stored(j job) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sum.Chunks += len(j.w.Chunks)
	r.sum.Embedded += j.embedded
	if j.replaced {
		r.sum.Updated++
	} else {
		r.sum.Added++
	}
	r.states[j.w.Source] = store.DocState{ContentHash: j.w.ContentHash, RawHash: j.w.Metadata[store.MetaRawHash], Embedded: true}
	r.report(j.w.Source)
}

// maybeBulk switches the run to a bulk load once it has written as many
// chunks as a quarter of the model's stored vectors (at least
// Config.BulkMin; at once when the model has none): from then on, rebuilding the model's index at the end
// costs less than growing it one vector at a time, and since the decision
// waits for that much work it never costs more than about twice the best
// choice. A run that writes little never touches the index.
func (in *Ingester) maybeBulk(ctx context.Context, r *run, chunks int) error {
	if r.bulk != nil || r.queued+chunks <= r.bulkFrom {
		return nil
	}
	r.inflight.Wait() // no writer holds the table while the index goes
	b, err := in.store.BeginBulkLoad(ctx, r.model)
	if err != nil {
		return err
	}
	r.bulk = b
	in.cfg.Logger.InfoContext(ctx, "ingest bulk load: vector index is rebuilt at the end",
		slog.String("collection", r.collection), slog.String("model", r.model.Name))
	return nil
}

// finish waits for the writers and, after a bulk load, builds the model's
// vector index. If ctx was cancelled the index is left for the next start,
// whose EnsureModel builds it.
func (in *Ingester) finish(ctx context.Context, r *run) error {
	close(r.queue)
	r.writers.Wait()
	slices.SortStableFunc(r.sum.Failures, func(a, b Failure) int { return cmp.Compare(a.Source, b.Source) })
	if r.bulk != nil {
		start := time.Now()
		if err := r.bulk.End(ctx); err != nil {
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
