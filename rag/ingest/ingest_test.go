package ingest_test

import (
	"context"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/citebot/citebot/rag/ingest"
	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

var dbURL string

func TestMain(m *testing.M) { os.Exit(storetest.Main(m, "ingest", &dbURL)) }

// countingModel is a deterministic bag-of-words embedder that counts the
// texts it is asked to embed.
type countingModel struct {
	name  string
	dim   int
	texts atomic.Int64
}

func (m *countingModel) Embed(_ context.Context, texts []string) ([][]float32, error) {
	m.texts.Add(int64(len(texts)))
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := make([]float32, m.dim)
		for _, w := range strings.Fields(strings.ToLower(t)) {
			h := fnv.New32a()
			h.Write([]byte(w))
			v[h.Sum32()%uint32(m.dim)]++
		}
		var n float64
		for _, x := range v {
			n += float64(x * x)
		}
		for j := range v {
			v[j] /= float32(math.Sqrt(n) + 1e-9)
		}
		out[i] = v
	}
	return out, nil
}
func (m *countingModel) Name() string             { return m.name }
func (m *countingModel) Dim() int                 { return m.dim }
func (m *countingModel) MaxTokens() int           { return 40 }
func (m *countingModel) CountTokens(s string) int { return len(strings.Fields(s)) }

// corpus copies testdata/corpus to a temporary folder.
func corpus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir("testdata/corpus")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("testdata/corpus", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func newIngester(t *testing.T, m *countingModel) (*ingest.Ingester, *store.Store) {
	s := storetest.Open(t, dbURL)
	return ingest.New(s, m, ingest.Config{Overlap: 4}), s
}

func run(t *testing.T, in *ingest.Ingester, coll string, opt ingest.Options, srcs ...string) ingest.Summary {
	t.Helper()
	sum, err := in.Ingest(t.Context(), coll, srcs, opt)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func TestIngestIsIncremental(t *testing.T) {
	m := &countingModel{name: "count-8d", dim: 8}
	in, _ := newIngester(t, m)
	dir := corpus(t)
	first := run(t, in, "inc", ingest.Options{}, dir)
	if first.Added != 3 || first.Failed != 0 || first.Chunks == 0 {
		t.Fatalf("first ingest: %+v", first)
	}
	calls := m.texts.Load()

	t.Run("unchanged costs nothing", func(t *testing.T) {
		sum := run(t, in, "inc", ingest.Options{}, dir)
		if sum.Unchanged != 3 || sum.Added+sum.Updated != 0 || m.texts.Load() != calls {
			t.Fatalf("second ingest: %+v, %d texts embedded", sum, m.texts.Load()-calls)
		}
	})
	t.Run("an edit re-embeds only changed chunks", func(t *testing.T) {
		p := filepath.Join(dir, "handbook.md")
		b, _ := os.ReadFile(p)
		edited := strings.Replace(string(b), "Laptops are replaced every three years.", "Laptops are replaced every four years.", 1)
		if edited == string(b) {
			t.Fatal("fixture changed: the edited sentence is missing")
		}
		os.WriteFile(p, []byte(edited), 0o644)
		before := m.texts.Load()
		sum := run(t, in, "inc", ingest.Options{}, dir)
		if sum.Updated != 1 || sum.Unchanged != 2 {
			t.Fatalf("after edit: %+v", sum)
		}
		if n := m.texts.Load() - before; n < 1 || n > 2 || int(n) >= sum.Chunks {
			t.Errorf("edit of one sentence embedded %d of %d chunks", n, sum.Chunks)
		}
	})
	t.Run("a renamed file is not embedded again", func(t *testing.T) {
		os.Rename(filepath.Join(dir, "faq.txt"), filepath.Join(dir, "questions.txt"))
		before := m.texts.Load()
		sum := run(t, in, "inc", ingest.Options{Prune: true}, dir)
		if sum.Added != 1 || sum.Removed != 1 || m.texts.Load() != before {
			t.Fatalf("after rename: %+v, %d texts embedded", sum, m.texts.Load()-before)
		}
	})
}

func TestIngestReportsBadFilesAndGoesOn(t *testing.T) {
	m := &countingModel{name: "count-8d", dim: 8}
	in, s := newIngester(t, m)
	dir := corpus(t)
	bad := map[string][]byte{
		"empty.txt":   nil,
		"binary.txt":  {0x00, 0x01, 0x02, 0xff, 0xfe, 0x00, 0x10},
		"latin1.txt":  []byte("caf\xe9 cr\xe8me"),
		"broken.pdf":  []byte("%PDF-1.4 this is not a pdf"),
		"broken.docx": []byte("PK\x03\x04 not a zip"),
	}
	for name, b := range bad {
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	sum := run(t, in, "bad", ingest.Options{}, dir, filepath.Join(dir, "missing.md"))
	if sum.Added != 3 {
		t.Errorf("good files added = %d, want 3", sum.Added)
	}
	if sum.Failed != len(bad)+1 {
		t.Errorf("failed = %d, want %d: %+v", sum.Failed, len(bad)+1, sum.Failures)
	}
	for _, f := range sum.Failures {
		if f.Err == "" || strings.Contains(f.Err, "\n") {
			t.Errorf("failure %s: want one line saying why, got %q", f.Source, f.Err)
		}
	}
	docs, total, err := s.Documents(t.Context(), "bad", 0, 50)
	if err != nil || total != 3 {
		t.Errorf("stored %d documents (%v), want 3: %+v", total, err, docs)
	}
}

func TestSwitchingModelsKeepsVectorsApart(t *testing.T) {
	a := &countingModel{name: "count-8d", dim: 8}
	b := &countingModel{name: "count-6d", dim: 6}
	inA, s := newIngester(t, a)
	inB := ingest.New(s, b, ingest.Config{Overlap: 4})
	dir := corpus(t)
	run(t, inA, "switch", ingest.Options{}, dir)
	sum := run(t, inB, "switch", ingest.Options{}, dir)
	if sum.Updated != 3 || b.texts.Load() == 0 {
		t.Fatalf("new model did not re-embed: %+v", sum)
	}
	back := run(t, inA, "switch", ingest.Options{}, dir)
	if back.Unchanged+back.Updated != 3 || back.Failed != 0 {
		t.Fatalf("switching back: %+v", back)
	}
}
