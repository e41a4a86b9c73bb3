//go:build dump

package retrieve

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/citebot/citebot/embeddings/uselite"
	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/eval"
	"github.com/citebot/citebot/rag/store"
)

func TestDump(t *testing.T) {
	ctx := t.Context()
	s, _ := store.Open(ctx, os.Getenv("DATABASE_URL"))
	enc, _ := uselite.Load(uselite.DefaultDir(os.Getenv))
	sm, _ := s.EnsureModel(ctx, enc.Name(), enc.Dim())
	r := New(s, enc, sm, DefaultConfig())
	f, _ := os.Open(os.Getenv("QA"))
	items, _ := eval.ReadQA(f)
	for _, it := range items {
		if !it.Answerable {
			continue
		}
		ps, err := r.search(ctx, os.Getenv("COLL"), it.Question, 50, rag.ModeHybrid)
		if err != nil {
			t.Fatal(err)
		}
		rank := 0
		for i, p := range ps {
			if eval.MatchGold(p.Text, it.Gold) {
				rank = i + 1
				break
			}
		}
		if rank == 1 {
			continue
		}
		fmt.Printf("\n### rank %d  Q: %s\n  GOLD: %s\n", rank, it.Question, strings.Join(it.Gold, " | "))
		for i, p := range ps[:3] {
			fmt.Printf("  %d [%.3f t%.2f v%.3f] %s: %.300s\n", i+1, p.Score, p.TextScore, p.VectorScore, p.Source[strings.LastIndex(p.Source, "/")+1:], strings.ReplaceAll(p.Text, "\n", " "))
		}
		if rank > 1 {
			p := ps[rank-1]
			fmt.Printf("  G%d [%.3f t%.2f v%.3f] %s: %.300s\n", rank, p.Score, p.TextScore, p.VectorScore, p.Source[strings.LastIndex(p.Source, "/")+1:], strings.ReplaceAll(p.Text, "\n", " "))
		}
	}
}
