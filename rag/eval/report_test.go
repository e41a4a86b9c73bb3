package eval

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/rag"
)

func TestWriteJSONKeys(t *testing.T) {
	tests := []struct {
		name   string
		report Report
		keys   []string
	}{
		{"retrieval", RetrievalReport{}, []string{"mrr@10", "questions", "recall@1", "recall@10", "recall@3", "recall@5"}},
		{"answers", AnswerReport{}, []string{"citation_gold", "citation_valid", "false_refusal", "keyword_hit", "keyword_hit_first", "questions", "refusal_correct"}},
		{"beir", BEIRReport{Ingest: IngestStats{Added: 3}}, []string{"mrr@10", "ndcg@10", "queries", "recall@10", "recall@100"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteJSON(&buf, tt.report); err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(buf.String(), "\n"); n != 1 || !strings.HasSuffix(buf.String(), "}\n") {
				t.Errorf("output %q is not one JSON line", buf.String())
			}
			var m map[string]any
			if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
				t.Fatal(err)
			}
			var keys []string
			for k := range m {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if diff := cmp.Diff(tt.keys, keys); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
			// Every JSON key is also a table row, in the same spelling.
			var rows []string
			for _, r := range tt.report.Rows() {
				rows = append(rows, r.Name)
			}
			slices.Sort(rows)
			if diff := cmp.Diff(tt.keys, rows); diff != "" {
				t.Errorf("table rows (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteJSONValues(t *testing.T) {
	var buf bytes.Buffer
	err := WriteJSON(&buf, BEIRReport{NDCG10: 0.5, Recall10: 0.25, Recall100: 1, MRR10: 0.125, Queries: 6})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"ndcg@10":0.5,"recall@10":0.25,"recall@100":1,"mrr@10":0.125,"queries":6}` + "\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("json (-want +got):\n%s", diff)
	}
}

func TestWriteTable(t *testing.T) {
	var buf bytes.Buffer
	err := WriteTable(&buf, RetrievalReport{Recall1: 0.5, Recall3: 2.0 / 3, Recall5: 1, Recall10: 1, MRR10: 0.75, Questions: 12})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"metric      value",
		"recall@1   0.5000",
		"recall@3   0.6667",
		"recall@5   1.0000",
		"recall@10  1.0000",
		"mrr@10     0.7500",
		"questions      12",
		"",
	}, "\n")
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
}

func TestAnswerReportNoCases(t *testing.T) {
	half := 0.5
	r := AnswerReport{KeywordHit: &half, Questions: 2}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	want := `{"keyword_hit":0.5,"keyword_hit_first":null,"refusal_correct":null,"false_refusal":null,"citation_valid":null,"citation_gold":null,"questions":2}` + "\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("json (-want +got):\n%s", diff)
	}
	buf.Reset()
	if err := WriteTable(&buf, r); err != nil {
		t.Fatal(err)
	}
	wantTable := strings.Join([]string{
		"metric              value",
		"keyword_hit        0.5000",
		"keyword_hit_first     n/a",
		"refusal_correct       n/a",
		"false_refusal         n/a",
		"citation_valid        n/a",
		"citation_gold         n/a",
		"questions               2",
		"",
	}, "\n")
	if diff := cmp.Diff(wantTable, buf.String()); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
}

func TestWriteFailures(t *testing.T) {
	fs := []AnswerFailure{{
		ID: "q7", Question: "Who won?", Failed: []string{"keyword_hit", "keyword_hit_first"}, Keywords: []string{"Ada"},
		Answer:    "“Bob lost.” [1]\n\nSecond line.",
		Retrieved: []rag.Passage{{Source: "a.md", Score: 0.5, Text: "Bob\n  lost."}, {Source: "b.md", Score: 0.25, Text: "Ada won."}},
	}}
	var buf bytes.Buffer
	if err := WriteFailures(&buf, fs); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"",
		"== q7: Who won?",
		"failed: keyword_hit, keyword_hit_first (keywords: Ada)",
		"answer:",
		"  “Bob lost.” [1]",
		"  ",
		"  Second line.",
		"retrieved:",
		"  1. a.md (score 0.500): Bob lost.",
		"  2. b.md (score 0.250): Ada won.",
		"",
	}, "\n")
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
}
