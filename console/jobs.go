package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/citebot/citebot/rag/store"
)

// Progress is an ingest's progress after each document.
type Progress struct {
	Done, Total int
	Chunks      int
	Current     string
}

// Summary is what a finished ingest did.
type Summary struct {
	Added, Updated, Unchanged, Removed, Failed, Chunks int
	// Errors name the sources that failed, with why.
	Errors []string
}

// Ingester ingests into a collection what an admin gives the console: an
// uploaded file, a URL, or a re-sync of every source already stored.
type Ingester interface {
	IngestUpload(ctx context.Context, collection, filename string, data []byte, progress func(Progress)) (Summary, error)
	IngestURL(ctx context.Context, collection, url string, progress func(Progress)) (Summary, error)
	Resync(ctx context.Context, collection string, progress func(Progress)) (Summary, error)
}

// IngestRuns records the ingests started from the console.
type IngestRuns interface {
	StartIngestRun(ctx context.Context, r store.IngestRun) (int64, error)
	UpdateIngestRun(ctx context.Context, id int64, done, total, chunks int, current string) error
	TouchIngestRun(ctx context.Context, id int64) error
	FinishIngestRun(ctx context.Context, id int64, summary, errMsg string) error
	FailStaleIngestRuns(ctx context.Context, before time.Time) error
	IngestRuns(ctx context.Context, collection string, limit int) ([]store.IngestRun, error)
	IngestRunByID(ctx context.Context, collection string, id int64) (store.IngestRun, error)
}

// Ingest run bounds.
const (
	maxUpload = 32 << 20
	// progressEvery throttles progress writes; heartbeatEvery keeps a long
	// document's run from looking stale; a run silent for staleAfter was
	// left by a process that died.
	progressEvery  = 250 * time.Millisecond
	heartbeatEvery = 30 * time.Second
	staleAfter     = 3 * heartbeatEvery
	runsShown      = 30
)

// startIngest records a run and starts it in the background; the browser
// is sent to the run's page.
func (s *Server) startIngest(ctx context.Context, w http.ResponseWriter, r *http.Request, v *view) {
	run := store.IngestRun{Collection: v.Collection, StartedBy: v.Who, Kind: r.FormValue("kind")}
	var do func(ctx context.Context, progress func(Progress)) (Summary, error)
	switch run.Kind {
	case "url":
		u := strings.TrimSpace(r.FormValue("url"))
		if !linkable(u) {
			s.render(w, r, http.StatusBadRequest, "error", v, "Give an http(s) URL to ingest.")
			return
		}
		run.Target = u
		do = func(ctx context.Context, p func(Progress)) (Summary, error) {
			return s.cfg.Ingester.IngestURL(ctx, v.Collection, u, p)
		}
	case "upload":
		name, data, err := readUpload(r)
		if err != nil {
			s.render(w, r, http.StatusBadRequest, "error", v, err.Error())
			return
		}
		run.Target = name
		do = func(ctx context.Context, p func(Progress)) (Summary, error) {
			return s.cfg.Ingester.IngestUpload(ctx, v.Collection, name, data, p)
		}
	case "sync":
		do = func(ctx context.Context, p func(Progress)) (Summary, error) {
			return s.cfg.Ingester.Resync(ctx, v.Collection, p)
		}
	default:
		s.render(w, r, http.StatusBadRequest, "error", v, "Unknown kind of ingest.")
		return
	}
	id, err := s.cfg.Runs.StartIngestRun(r.Context(), run)
	if err != nil {
		s.fail(w, r, v, "start the ingest", err)
		return
	}
	go s.runIngest(ctx, id, do)
	http.Redirect(w, r, fmt.Sprintf("/c/%s/jobs/%d", url.PathEscape(v.Collection), id), http.StatusSeeOther)
}

// readUpload reads the form's file.
func readUpload(r *http.Request) (string, []byte, error) {
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return "", nil, errors.New("choose a file to upload (at most 32 MiB)")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxUpload+1))
	if err != nil || len(data) > maxUpload {
		return "", nil, errors.New("the file could not be read, or is larger than 32 MiB")
	}
	return hdr.Filename, data, nil
}

// runIngest runs one ingest; its progress is written by a reporter.
func (s *Server) runIngest(ctx context.Context, id int64, do func(context.Context, func(Progress)) (Summary, error)) {
	rep := &reporter{s: s, id: id, done: make(chan struct{})}
	flushed := make(chan struct{})
	go func() { rep.loop(ctx); close(flushed) }()
	sum, err := do(ctx, rep.set)
	close(rep.done)
	<-flushed
	msg := ""
	if err != nil {
		msg = err.Error()
		s.log.ErrorContext(ctx, "console ingest", "run", id, "err", err)
	}
	if err := s.cfg.Runs.FinishIngestRun(context.WithoutCancel(ctx), id, sum.String(), msg); err != nil {
		s.log.ErrorContext(ctx, "console ingest finish", "run", id, "err", err)
	}
}

// reporter keeps a run's latest progress and writes it every
// progressEvery when it changed, and at least every heartbeatEvery so
// that a long document does not make the run look stale.
type reporter struct {
	s    *Server
	id   int64
	done chan struct{}

	mu      sync.Mutex
	latest  Progress
	changed bool
}

func (r *reporter) set(p Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.latest, r.changed = p, true
}

func (r *reporter) loop(ctx context.Context) {
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-r.done:
			r.flush(ctx, false)
			return
		case <-ctx.Done():
			return
		case now := <-t.C:
			if r.flush(ctx, now.Sub(last) >= heartbeatEvery) {
				last = now
			}
		}
	}
}

// flush writes the progress when it changed (or when touch is set) and
// reports whether it wrote.
func (r *reporter) flush(ctx context.Context, touch bool) bool {
	r.mu.Lock()
	p, changed := r.latest, r.changed
	r.changed = false
	r.mu.Unlock()
	var err error
	switch {
	case changed:
		err = r.s.cfg.Runs.UpdateIngestRun(ctx, r.id, p.Done, p.Total, p.Chunks, p.Current)
	case touch:
		err = r.s.cfg.Runs.TouchIngestRun(ctx, r.id)
	default:
		return false
	}
	if err != nil {
		r.s.log.WarnContext(ctx, "console ingest progress", "run", r.id, "err", err)
	}
	return true
}

// String is the summary as one line.
func (m Summary) String() string {
	out := fmt.Sprintf("%d added, %d updated, %d unchanged, %d removed, %d failed; %d chunks",
		m.Added, m.Updated, m.Unchanged, m.Removed, m.Failed, m.Chunks)
	for _, e := range m.Errors {
		out += "\nfailed: " + e
	}
	return out
}

// jobsData is the ingest page: the console's own runs and the jobs
// queued from Discord or the command line.
type jobsData struct {
	Runs, Queued []store.IngestRun
}

func (s *Server) jobsPage(w http.ResponseWriter, r *http.Request, v *view) {
	v.Tab = "jobs"
	if err := s.cfg.Runs.FailStaleIngestRuns(r.Context(), s.now().Add(-staleAfter)); err != nil {
		s.fail(w, r, v, "check the ingest runs", err)
		return
	}
	runs, err := s.cfg.Runs.IngestRuns(r.Context(), v.Collection, runsShown)
	if err != nil {
		s.fail(w, r, v, "list the ingest runs", err)
		return
	}
	jobs, err := s.cfg.Jobs.CollectionJobs(r.Context(), v.Collection, runsShown)
	if err != nil {
		s.fail(w, r, v, "list the jobs", err)
		return
	}
	d := jobsData{Runs: runs}
	for _, j := range jobs {
		d.Queued = append(d.Queued, queuedRun(j))
	}
	s.render(w, r, http.StatusOK, "jobs", v, d)
}

func (s *Server) findRun(w http.ResponseWriter, r *http.Request, v *view) (store.IngestRun, bool) {
	id, ok := atoi64(r.PathValue("id"))
	if !ok {
		s.render(w, r, http.StatusNotFound, "error", v, "No such ingest run.")
		return store.IngestRun{}, false
	}
	run, err := s.cfg.Runs.IngestRunByID(r.Context(), v.Collection, id)
	if errors.Is(err, store.ErrNotFound) {
		s.render(w, r, http.StatusNotFound, "error", v, "No such ingest run.")
		return store.IngestRun{}, false
	}
	if err != nil {
		s.fail(w, r, v, "read the ingest run", err)
		return store.IngestRun{}, false
	}
	return run, true
}

func (s *Server) jobPage(w http.ResponseWriter, r *http.Request, v *view) {
	v.Tab = "jobs"
	if run, ok := s.findRun(w, r, v); ok {
		s.render(w, r, http.StatusOK, "job", v, jobView{IngestRun: run,
			StatusURL: fmt.Sprintf("/c/%s/jobs/%d/status", url.PathEscape(v.Collection), run.ID)})
	}
}

// runStatus is the JSON the job page's script polls.
type runStatus struct {
	Status  string `json:"status"`
	Done    int    `json:"done"`
	Total   int    `json:"total"`
	Chunks  int    `json:"chunks"`
	Current string `json:"current"`
	Summary string `json:"summary"`
	Error   string `json:"error"`
}

func (s *Server) jobStatus(w http.ResponseWriter, r *http.Request, v *view) {
	if run, ok := s.findRun(w, r, v); ok {
		writeStatus(w, run)
	}
}

func writeStatus(w http.ResponseWriter, run store.IngestRun) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(runStatus{Status: run.Status, Done: run.Done, Total: run.Total, Chunks: run.Chunks,
		Current: run.Current, Summary: run.Summary, Error: run.Error})
}
