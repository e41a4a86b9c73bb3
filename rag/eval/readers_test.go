package eval

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func openFixture(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// fixtureQueries reads the BEIR fixture's queries and judgments.
func fixtureQueries(t *testing.T) ([]BEIRQuery, Qrels) {
	t.Helper()
	queries, err := ReadBEIRQueries(openFixture(t, "beir/queries.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	qrels, err := ReadQrels(openFixture(t, "beir/qrels.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	return queries, qrels
}

func TestReadQA(t *testing.T) {
	in := "\n" + `{"id":"q1","question":"How?","gold":["a b"],"answer_keywords":["k"],"answerable":true}` + "\n\n" +
		`{"id":"q2","question":"Why?","answerable":false}` + "\n"
	got, err := ReadQA(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []QAItem{
		{ID: "q1", Question: "How?", Gold: []string{"a b"}, AnswerKeywords: []string{"k"}, Answerable: true},
		{ID: "q2", Question: "Why?"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadQA (-want +got):\n%s", diff)
	}
}

func TestReadQAErrors(t *testing.T) {
	good := `{"id":"q1","question":"How?","gold":["a"],"answerable":true}`
	tests := []struct {
		name string
		in   string
		line int
		msg  string
	}{
		{"bad json", good + "\n{\"id\":", 2, "bad json"},
		{"missing id", `{"question":"How?","answerable":false}`, 1, `missing "id"`},
		{"missing question", good + "\n\n" + `{"id":"q2","answerable":false}`, 3, `missing "question"`},
		{"missing answerable", `{"id":"q1","question":"How?","gold":["a"]}`, 1, `missing "answerable"`},
		{"answerable without gold", `{"id":"q1","question":"How?","gold":[" "],"answerable":true}`, 1, `no "gold"`},
		{"unknown field", `{"id":"q1","question":"How?","answerable":false,"answer":"x"}`, 1, `unknown field "answer"`},
		{"repeated id", good + "\n" + good, 2, "already used on line 1"},
		{"two values", good + " {}", 1, "more than one value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadQA(strings.NewReader(tt.in))
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("err = %v, want a *LineError", err)
			}
			if le.Line != tt.line || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %q, want line %d and %q", err, tt.line, tt.msg)
			}
		})
	}
}

func TestReadBEIRFixtures(t *testing.T) {
	var docs []BEIRDoc
	err := ReadBEIRCorpus(openFixture(t, "beir/corpus.jsonl"), func(d BEIRDoc) error {
		docs = append(docs, d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	queries, qrels := fixtureQueries(t)
	if len(docs) != 16 || len(queries) != 8 || len(qrels) != 7 {
		t.Fatalf("got %d docs, %d queries, %d judged queries; want 16, 8, 7", len(docs), len(queries), len(qrels))
	}
	if diff := cmp.Diff(map[string]int{"bee-waggle": 2, "bee-colony": 1}, qrels["q1"]); diff != "" {
		t.Errorf("qrels[q1] (-want +got):\n%s", diff)
	}
	ids := make(map[string]bool)
	for _, d := range docs {
		ids[d.ID] = true
	}
	for q, rel := range qrels {
		for d := range rel {
			if !ids[d] {
				t.Errorf("qrels %s judges %q, which is not in the corpus", q, d)
			}
		}
	}
	if got := len(judgedQueries(queries, qrels)); got != 6 {
		t.Errorf("%d queries have a relevant document, want 6", got)
	}
}

// TestQAFixtureMatchesCorpus keeps testdata/qa.jsonl answerable from the
// BEIR fixture corpus, so that end-to-end tests can ingest one and ask the
// other.
func TestQAFixtureMatchesCorpus(t *testing.T) {
	items, err := ReadQA(openFixture(t, "qa.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var corpus []string
	err = ReadBEIRCorpus(openFixture(t, "beir/corpus.jsonl"), func(d BEIRDoc) error {
		corpus = append(corpus, beirTextDoc(d).Text)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		for _, g := range it.Gold {
			found := false
			for _, text := range corpus {
				found = found || MatchGold(text, []string{g})
			}
			if !found {
				t.Errorf("question %s: gold %q is not in the corpus", it.ID, g)
			}
		}
	}
}

func TestReadQrels(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Qrels
	}{
		{"header and tabs", "query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t0\nq2\td1\t1\n",
			Qrels{"q1": {"d1": 2, "d2": 0}, "q2": {"d1": 1}}},
		{"no header, spaces", "q1 d1 1\n", Qrels{"q1": {"d1": 1}}},
		{"trec four columns", "q1 0 d1 1\nq1 0 d2 3\n", Qrels{"q1": {"d1": 1, "d2": 3}}},
		{"last grade wins", "q1 d1 1\nq1 d1 2\n", Qrels{"q1": {"d1": 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadQrels(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ReadQrels (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadBEIRErrors(t *testing.T) {
	tests := []struct {
		name string
		read func() error
		msg  string
	}{
		{"qrels bad score", func() error {
			_, err := ReadQrels(strings.NewReader("query-id corpus-id score\nq1 d1 high\n"))
			return err
		}, `line 2: score "high" is not an integer`},
		{"qrels columns", func() error {
			_, err := ReadQrels(strings.NewReader("q1 d1\n"))
			return err
		}, "line 1: want 3 columns"},
		{"query without text", func() error {
			_, err := ReadBEIRQueries(strings.NewReader(`{"_id":"q1"}`))
			return err
		}, `line 1: query "q1": missing "text"`},
		{"corpus without id", func() error {
			return ReadBEIRCorpus(strings.NewReader(`{"title":"t","text":"x"}`), func(BEIRDoc) error { return nil })
		}, `line 1: missing "_id"`},
		{"corpus bad json", func() error {
			return ReadBEIRCorpus(strings.NewReader("{\"_id\":\"d1\",\"text\":\"x\"}\n{"), func(BEIRDoc) error { return nil })
		}, "line 2: bad json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.read()
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %v, want it to contain %q", err, tt.msg)
			}
		})
	}
}

func TestReadBEIRCorpusStopsAtCallbackError(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	in := `{"_id":"d1","text":"a"}` + "\n" + `{"_id":"d2","text":"b"}` + "\n"
	err := ReadBEIRCorpus(strings.NewReader(in), func(BEIRDoc) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("err = %v after %d calls, want stop after 1", err, calls)
	}
}
