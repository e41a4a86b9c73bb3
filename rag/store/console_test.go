package store_test

import (
	"testing"

	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

func TestCollectionJobs(t *testing.T) {
	s := storetest.Open(t, dbURL)
	ctx := t.Context()
	for _, j := range []store.Job{
		{Kind: "upload", Collection: "guild-1", Params: store.JobParams{Filename: "a.md"}, Data: []byte("# A")},
		{Kind: "resync", Collection: "guild-2"},
		{Kind: "url", Collection: "guild-1", Params: store.JobParams{URL: "https://example.com/"}},
	} {
		if _, err := s.EnqueueJob(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	jobs, err := s.CollectionJobs(ctx, "guild-1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || jobs[0].Kind != "url" || jobs[1].Kind != "upload" {
		t.Fatalf("guild-1 jobs %+v, want its url then its upload", jobs)
	}
	for _, j := range jobs {
		if j.Data != nil {
			t.Errorf("job %d listed with its %d-byte upload", j.ID, len(j.Data))
		}
	}
	if _, err := s.CollectionJob(ctx, "guild-2", jobs[0].ID); err != store.ErrNotFound {
		t.Errorf("another collection's job: %v, want ErrNotFound", err)
	}
	if j, err := s.CollectionJob(ctx, "guild-1", jobs[1].ID); err != nil || j.Params.Filename != "a.md" || j.State != store.JobQueued {
		t.Errorf("job %+v, %v", j, err)
	}
}
