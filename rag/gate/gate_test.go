package gate

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/eval"
	"github.com/citebot/citebot/rag/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fakeIndex is a set of collections of passages. Retrieval returns the
// passages sharing a word of four letters or more with the query, in
// order, except that collection "next" never returns those listed in
// hidden (it holds them but does not retrieve them); the answerer
// answers from the first passage retrieved, refusing when there is none.
type fakeIndex struct {
	colls  map[string][]string
	hidden map[string]bool
}

func (f fakeIndex) Retrieve(_ context.Context, coll, query string, k int) ([]rag.Passage, error) {
	q := words(query)
	var out []rag.Passage
	for i, t := range f.colls[coll] {
		if coll == "next" && f.hidden[t] {
			continue
		}
		for w := range words(t) {
			if q[w] && len(w) > 3 {
				out = append(out, rag.Passage{ChunkID: int64(i + 1), Source: coll, Text: t})
				break
			}
		}
	}
	return out[:min(k, len(out))], nil
}

func (f fakeIndex) Answer(ctx context.Context, req rag.Request, _ func(string)) (*rag.Answer, error) {
	ps, _ := f.Retrieve(ctx, req.Collection, req.Question, 10)
	if len(ps) == 0 {
		return &rag.Answer{Refused: true}, nil
	}
	return &rag.Answer{Text: ps[0].Text + " [1]", Sources: []rag.Source{{N: 1, Passage: ps[0]}}, Retrieved: ps}, nil
}

func (f fakeIndex) HoldsText(_ context.Context, coll, text string) (bool, error) {
	for _, t := range f.colls[coll] {
		if eval.MatchGold(t, []string{text}) {
			return true, nil
		}
	}
	return false, nil
}

func helpful(id int64, question, text string, cites ...string) store.Answer {
	a := store.Answer{ID: id, Question: question, Text: text}
	for i, c := range cites {
		a.Citations = append(a.Citations, store.Citation{N: i + 1, Source: "doc.md", Text: c})
	}
	return a
}

func TestCompareFeedback(t *testing.T) {
	live := []string{"The river floods in spring. Boats stay ashore.", "The hill is steep."}
	tests := []struct {
		name   string
		next   []string
		hidden map[string]bool
		broken []Break
	}{
		{"an unrelated change passes", append([]string{"The lake is cold."}, live...), nil, nil},
		{"the same sentence in a new passage passes", []string{"Floods: the river floods in spring. Bring boots.", "The hill is steep."}, nil, nil},
		{"the cited passage deleted breaks", []string{"The hill is steep."}, nil, []Break{{ID: "answer 7", Question: "When does the river flood?",
			Reasons: []string{`cited passage gone: doc.md ("The river floods in spring.")`}}}},
		{"the cited passage no longer retrieved breaks", live, map[string]bool{live[0]: true}, []Break{{ID: "answer 7",
			Question: "When does the river flood?", Reasons: []string{`cited passage no longer retrieved: doc.md ("The river floods in spring.")`}}}},
	}
	set := FeedbackSet([]store.Answer{
		helpful(7, "When does the river flood?", "In spring [1].", live[0]),
		helpful(8, "Is the hill steep?", "Yes: \"The hill is steep.\" [1]", live[1]),
		helpful(9, "Uncited?", "No markers here.", live[1]),
	})
	if len(set.Questions) != 2 {
		t.Fatalf("feedback set has %d questions, want 2 (the uncited answer left out)", len(set.Questions))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fakeIndex{colls: map[string][]string{"live": live, "next": tt.next}, hidden: tt.hidden}
			c := &Checker{Retriever: f, Texts: f}
			var rep Report
			if err := c.compare(t.Context(), "live", "next", set, &rep); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.broken, rep.Broken); diff != "" {
				t.Errorf("broken (-want +got):\n%s", diff)
			}
			if rep.PassedLive != 2 || rep.Questions != 2 {
				t.Errorf("report %+v: want both questions passing on live", rep)
			}
		})
	}
}

func TestCompareFeedbackAnsweredWithSameText(t *testing.T) {
	// Retrieval for the stored query misses the passage, but a fresh
	// answer to the question cites it: the answer still stands.
	live := []string{"The river floods in spring."}
	f := fakeIndex{colls: map[string][]string{"live": live, "next": live}}
	q := FeedbackSet([]store.Answer{helpful(1, "river?", "In spring [1].", live[0])})
	q.Questions[0].Query = "unrelated words"
	var rep Report
	if err := (&Checker{Retriever: f, Answerer: f, Texts: f}).compare(t.Context(), "live", "next", q, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.PassedLive != 1 || rep.PassedNew != 1 || len(rep.Broken) != 0 {
		t.Errorf("report %+v: want the answer passing on both by its fresh answer", rep)
	}
}

func TestCompareQA(t *testing.T) {
	live := []string{"The river floods in spring.", "The hill is steep."}
	items := []eval.QAItem{
		{ID: "flood", Question: "When does the river flood?", Gold: []string{"floods in spring"}, AnswerKeywords: []string{"spring"}, Answerable: true},
		{ID: "moon", Question: "Is the moon cheese?", Answerable: false},
	}
	tests := []struct {
		name   string
		next   []string
		broken []Break
	}{
		{"unchanged", live, nil},
		{"gold gone", []string{"The river rises in summer.", "The hill is steep."}, []Break{{ID: "flood", Question: "When does the river flood?",
			Reasons: []string{"gold no longer retrieved", "keywords missing: spring"}}}},
		{"an answer where a refusal was due", append(live, "The moon is rock."), []Break{{ID: "moon", Question: "Is the moon cheese?",
			Reasons: []string{"answered a question it should refuse"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fakeIndex{colls: map[string][]string{"live": live, "next": tt.next}}
			var rep Report
			if err := (&Checker{Retriever: f, Answerer: f, Texts: f}).compare(t.Context(), "live", "next", QASet(items), &rep); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.broken, rep.Broken); diff != "" {
				t.Errorf("broken (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("no answerer is an error", func(t *testing.T) {
		f := fakeIndex{colls: map[string][]string{"live": live}}
		var rep Report
		if err := (&Checker{Retriever: f, Texts: f}).compare(t.Context(), "live", "live", QASet(items), &rep); err == nil {
			t.Error("a QA gate ran without an answerer")
		}
	})
}

func TestCitedSentences(t *testing.T) {
	passage := "Pages go to the on-call engineer. The engineer answers within 15 minutes! Escalate after that."
	tests := []struct {
		name string
		a    store.Answer
		want []Cited
	}{
		{"a quoted sentence", helpful(1, "q", "Within 15 minutes: \"The engineer answers within 15 minutes!\" [1]", passage),
			[]Cited{{"doc.md", "The engineer answers within 15 minutes!"}}},
		{"a paraphrase picks the closest sentence", helpful(1, "q", "You escalate after that [1]. Pages reach on-call [1].", passage),
			[]Cited{{"doc.md", "Escalate after that."}, {"doc.md", "Pages go to the on-call engineer."}}},
		{"grouped citations", helpful(1, "q", "Both hold [1, 2].", "Alpha.", "Beta."),
			[]Cited{{"doc.md", "Alpha."}, {"doc.md", "Beta."}}},
		{"a citation of no source", helpful(1, "q", "Nothing [3].", passage), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, CitedSentences(tt.a)); diff != "" {
				t.Errorf("cited (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReportGolden(t *testing.T) {
	rep := Report{Collection: "handbook", Gate: KindFeedback, Questions: 3, PassedLive: 3, PassedNew: 2, Tolerance: 0,
		Broken: []Break{{ID: "answer 42", Question: "How fast must on-call answer a page?",
			Reasons: []string{`cited passage gone: /srv/docs/oncall.md ("The engineer answers within 15 minutes.")`}}}}
	for _, tt := range []struct {
		file  string
		write func(Report, *bytes.Buffer) error
	}{
		{"report.txt", func(r Report, b *bytes.Buffer) error { return r.WriteText(b) }},
		{"report.json", func(r Report, b *bytes.Buffer) error { return r.WriteJSON(b) }},
	} {
		t.Run(tt.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(rep, &b); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tt.file)
			if *update {
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), b.String()); diff != "" {
				t.Errorf("%s (-golden +got):\n%s", tt.file, diff)
			}
		})
	}
	t.Run("a question with a line break stays on one line", func(t *testing.T) {
		var b bytes.Buffer
		r := Report{Broken: []Break{{ID: "x", Question: "a\nforged line"}}}
		if err := r.WriteText(&b); err != nil || strings.Contains(b.String(), "\nforged") {
			t.Errorf("%q, %v", b.String(), err)
		}
	})
}
