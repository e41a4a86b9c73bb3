package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/citebot/citebot/rag/store"
)

// Jobs reads the background ingest jobs that Discord's /ingest and
// /reingest (and `citebot ingest --queue`) queue, which the bot's
// workers run.
type Jobs interface {
	CollectionJobs(ctx context.Context, collection string, limit int) ([]store.Job, error)
	CollectionJob(ctx context.Context, collection string, id int64) (store.Job, error)
}

// jobView is what the run page shows, for a console run or a queued job.
type jobView struct {
	store.IngestRun
	// StatusURL is polled by the page's script.
	StatusURL string
	Queued    bool
}

// queuedRun shows a background job as a run. Its files are counted but
// not its chunks, which the job's progress does not record.
func queuedRun(j store.Job) store.IngestRun {
	run := store.IngestRun{ID: j.ID, Collection: j.Collection, Kind: j.Kind, Status: j.State,
		Target: cmpOr(j.Params.URL, j.Params.Filename), Done: j.Progress.Done, Total: j.Progress.Total,
		Current: j.Progress.Current, Error: j.Error, StartedAt: j.CreatedAt, UpdatedAt: j.StartedAt,
		StartedBy: "Discord"}
	if j.GuildID == "" {
		run.StartedBy = "the command line"
	}
	if len(j.Result) > 0 {
		var sum Summary
		if json.Unmarshal(j.Result, &sum) == nil {
			run.Summary, run.Chunks = sum.String(), sum.Chunks
		}
	}
	return run
}

func (s *Server) findJob(w http.ResponseWriter, r *http.Request, v *view) (store.IngestRun, bool) {
	id, ok := atoi64(r.PathValue("id"))
	if !ok {
		s.render(w, r, http.StatusNotFound, "error", v, "No such job.")
		return store.IngestRun{}, false
	}
	j, err := s.cfg.Jobs.CollectionJob(r.Context(), v.Collection, id)
	if errors.Is(err, store.ErrNotFound) {
		s.render(w, r, http.StatusNotFound, "error", v, "No such job.")
		return store.IngestRun{}, false
	}
	if err != nil {
		s.fail(w, r, v, "read the job", err)
		return store.IngestRun{}, false
	}
	return queuedRun(j), true
}

func (s *Server) queuedJobPage(w http.ResponseWriter, r *http.Request, v *view) {
	v.Tab = "jobs"
	if run, ok := s.findJob(w, r, v); ok {
		s.render(w, r, http.StatusOK, "job", v, jobView{IngestRun: run, Queued: true,
			StatusURL: fmt.Sprintf("/c/%s/queue/%d/status", url.PathEscape(v.Collection), run.ID)})
	}
}

func (s *Server) queuedJobStatus(w http.ResponseWriter, r *http.Request, v *view) {
	if run, ok := s.findJob(w, r, v); ok {
		writeStatus(w, run)
	}
}
