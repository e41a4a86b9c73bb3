package source_test

import (
	"context"
	"hash/fnv"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/rag/ingest"
	"github.com/citebot/citebot/rag/loader"
	"github.com/citebot/citebot/rag/source"
	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

var dbURL string

func TestMain(m *testing.M) { os.Exit(storetest.Main(m, "source", &dbURL)) }

// wordModel is a deterministic bag-of-words embedder.
type wordModel struct{}

func (wordModel) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := make([]float32, 16)
		for _, w := range strings.Fields(strings.ToLower(t)) {
			h := fnv.New32a()
			h.Write([]byte(w))
			v[h.Sum32()%16]++
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
func (wordModel) Name() string             { return "source-test-words" }
func (wordModel) Dim() int                 { return 16 }
func (wordModel) MaxTokens() int           { return 64 }
func (wordModel) CountTokens(s string) int { return len(strings.Fields(s)) }

// newRunner returns a runner on a fresh database that may reach the
// tests' servers on 127.0.0.1, with a short fetch timeout for the slow page.
func newRunner(t *testing.T, cfg source.Config) (*source.Runner, *store.Store) {
	t.Helper()
	s := storetest.Open(t, dbURL)
	opts := loader.Options{AllowPrivate: true, Timeout: time.Second}
	in := ingest.New(s, wordModel{}, ingest.Config{Loader: opts})
	cfg.Loader = opts
	if cfg.CacheDir == "" {
		cfg.CacheDir = t.TempDir()
	}
	return source.New(s, in, cfg), s
}

// documents lists the collection's stored document sources.
func documents(t *testing.T, s *store.Store, collection string) []string {
	t.Helper()
	docs, err := s.DocumentSources(t.Context(), collection, "")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(docs)
	return docs
}

// counts is a summary without its details, for comparison.
type counts struct{ Added, Changed, Unchanged, Removed, Failed int }

func countsOf(s source.Summary) counts {
	return counts{s.Added, s.Changed, s.Unchanged, s.Removed, s.Failed}
}

// newRunnerStore is a fresh database alone.
func newRunnerStore(t *testing.T) *store.Store {
	t.Helper()
	return storetest.Open(t, dbURL)
}
