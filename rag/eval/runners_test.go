package eval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citebot/citebot/rag"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const testCollection = "docs"

// fakeRetriever answers known queries from a table and records its calls
// and how many ran at once.
type fakeRetriever struct {
	results map[string][]rag.Passage
	err     error

	mu            sync.Mutex
	ks            map[string]int
	active, peak  int
	blockOnCancel bool
}

func (f *fakeRetriever) Retrieve(ctx context.Context, collection, query string, k int) ([]rag.Passage, error) {
	f.mu.Lock()
	f.active++
	f.peak = max(f.peak, f.active)
	if f.ks == nil {
		f.ks = make(map[string]int)
	}
	f.ks[query] = k
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.active--
		f.mu.Unlock()
	}()
	if f.blockOnCancel {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	time.Sleep(2 * time.Millisecond) // let the pool overlap calls
	if collection != testCollection {
		return nil, fmt.Errorf("collection %q", collection)
	}
	if f.err != nil {
		return nil, f.err
	}
	ps, ok := f.results[query]
	if !ok {
		return nil, fmt.Errorf("unexpected query %q", query)
	}
	return cut(ps, k), nil
}

// texts makes passages with the given texts, each its own chunk.
func texts(ts ...string) []rag.Passage {
	ps := make([]rag.Passage, len(ts))
	for i, t := range ts {
		ps[i] = rag.Passage{ChunkID: int64(i + 1), Source: fmt.Sprintf("doc%d", i), Text: t}
	}
	return ps
}

func unrelated(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("unrelated passage %d", i)
	}
	return out
}

func approx() cmp.Option { return cmpopts.EquateApprox(0, tolerance) }

func TestRunRetrieval(t *testing.T) {
	f := &fakeRetriever{results: map[string][]rag.Passage{
		"rank two":   texts("nothing", "it says ALPHA\n   beta here"),
		"rank one":   texts("gamma first", "gamma again"),
		"rank seven": texts(append(unrelated(6), "delta", "x", "y", "z")...),
		"no hit":     texts(unrelated(10)...),
	}}
	items := []QAItem{
		{ID: "a", Question: "rank two", Gold: []string{"alpha beta"}, Answerable: true},
		{ID: "b", Question: "rank one", Gold: []string{"gamma"}, Answerable: true},
		{ID: "c", Question: "rank seven", Gold: []string{"epsilon", "delta"}, Answerable: true},
		{ID: "d", Question: "no hit", Gold: []string{"zeta"}, Answerable: true},
		{ID: "e", Question: "not asked: unanswerable", Answerable: false},
	}
	got, err := RunRetrieval(context.Background(), f, testCollection, items, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := RetrievalReport{
		Recall1: 1.0 / 4, Recall3: 2.0 / 4, Recall5: 2.0 / 4, Recall10: 3.0 / 4,
		MRR10:     (1.0/2 + 1 + 1.0/7) / 4,
		Questions: 4,
	}
	if diff := cmp.Diff(want, got, approx()); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"rank two": 10, "rank one": 10, "rank seven": 10, "no hit": 10}, f.ks); diff != "" {
		t.Errorf("k per query (-want +got):\n%s", diff)
	}
	if f.peak > Workers {
		t.Errorf("%d retrievals ran at once, want at most %d", f.peak, Workers)
	}
}

func TestRunRetrievalSmallK(t *testing.T) {
	f := &fakeRetriever{results: map[string][]rag.Passage{
		"q": texts(append(unrelated(4), "gold")...),
	}}
	items := []QAItem{{ID: "a", Question: "q", Gold: []string{"gold"}, Answerable: true}}
	got, err := RunRetrieval(context.Background(), f, testCollection, items, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got.Recall10 != 0 || f.ks["q"] != 3 {
		t.Errorf("recall@10 = %v with k = %d; want 0 with k = 3", got.Recall10, f.ks["q"])
	}
}

func TestRunnerErrors(t *testing.T) {
	boom := errors.New("boom")
	items := []QAItem{{ID: "a", Question: "q", Gold: []string{"g"}, Answerable: true}}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name  string
		ctx   context.Context
		f     *fakeRetriever
		items []QAItem
		want  error
		msg   string
	}{
		{"retriever error", context.Background(), &fakeRetriever{err: boom}, items, boom, `question "a": retrieve: boom`},
		{"cancelled", cancelled, &fakeRetriever{err: boom}, items, context.Canceled, ""},
		{"nothing answerable", context.Background(), &fakeRetriever{}, []QAItem{{ID: "u", Question: "q"}}, nil, "no answerable questions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := RunRetrieval(tt.ctx, tt.f, testCollection, tt.items, 10)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %v, want %v containing %q", err, tt.want, tt.msg)
			}
		})
	}
}

func TestRunRetrievalHonoursDeadline(t *testing.T) {
	f := &fakeRetriever{blockOnCancel: true}
	var items []QAItem
	for i := range 10 {
		items = append(items, QAItem{ID: fmt.Sprint(i), Question: "q", Gold: []string{"g"}, Answerable: true})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := RunRetrieval(ctx, f, testCollection, items, 10)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want deadline exceeded", err)
	}
}

// fakeAnswerer returns canned answers by question.
type fakeAnswerer struct {
	answers map[string]*rag.Answer
}

func (f *fakeAnswerer) Answer(ctx context.Context, req rag.Request, partial func(string)) (*rag.Answer, error) {
	if req.Collection != testCollection || len(req.History) > 0 {
		return nil, fmt.Errorf("unexpected request %+v", req)
	}
	partial("streamed ")
	a, ok := f.answers[req.Question]
	if !ok {
		return nil, fmt.Errorf("unexpected question %q", req.Question)
	}
	return a, nil
}

func TestRunAnswers(t *testing.T) {
	p1 := rag.Passage{ChunkID: 1, Source: "bees", Text: "Alpha is the answer."}
	p2 := rag.Passage{ChunkID: 2, Source: "bees", Text: "Other text."}
	p3 := rag.Passage{ChunkID: 3, Source: "tea", Text: "Never retrieved."}
	retrieved := []rag.Passage{p1, p2}
	f := &fakeAnswerer{answers: map[string]*rag.Answer{
		// Keywords across a line break, valid citation, gold cited.
		"q1": {Text: "ALPHA, with beta\ngamma [1].", Sources: []rag.Source{{N: 1, Passage: p1}}, Retrieved: retrieved},
		// Cites a passage that was not retrieved; no keyword, no gold.
		"q2": {Text: "No mention [2].", Sources: []rag.Source{{N: 2, Passage: p3}}, Retrieved: retrieved},
		"q3": {Text: "I cannot find that.", Refused: true, Nearest: retrieved},
		"q4": {Text: "Not covered.", Refused: true},
		// Unanswerable but answered: a refusal miss, citations still checked.
		"q5": {Text: "Something [1].", Sources: []rag.Source{{N: 1, Passage: p2}}, Retrieved: retrieved},
		// [3] names no source: invalid, but the gold passage is cited.
		"q6": {Text: "See [1][3].", Sources: []rag.Source{{N: 1, Passage: p1}}, Retrieved: retrieved},
		// The keyword only in a second quote: a hit, not a first hit.
		"q7": {Text: "“Other text.” [1] “Alpha is the answer.” [2]", Sources: []rag.Source{{N: 1, Passage: p2}, {N: 2, Passage: p1}}, Retrieved: retrieved},
	}}
	items := []QAItem{
		{ID: "a1", Question: "q1", Gold: []string{"alpha"}, AnswerKeywords: []string{"Alpha", "beta gamma"}, Answerable: true},
		{ID: "a2", Question: "q2", Gold: []string{"delta"}, AnswerKeywords: []string{"delta"}, Answerable: true},
		{ID: "a3", Question: "q3", Gold: []string{"alpha"}, AnswerKeywords: []string{"alpha"}, Answerable: true},
		{ID: "a4", Question: "q4"},
		{ID: "a5", Question: "q5"},
		{ID: "a6", Question: "q6", Gold: []string{"alpha"}, Answerable: true},
		{ID: "a7", Question: "q7", Gold: []string{"alpha"}, AnswerKeywords: []string{"alpha"}, Answerable: true},
	}
	got, err := RunAnswers(context.Background(), f, testCollection, items)
	if err != nil {
		t.Fatal(err)
	}
	f3 := func(v float64) *float64 { return &v }
	want := AnswerReport{
		KeywordHit:      f3(2.0 / 4), // a1, a7 of a1, a2, a3, a7 (a6 has no keywords)
		KeywordHitFirst: f3(1.0 / 4), // a1: a7's keyword is only in its second quote
		RefusalCorrect:  f3(1.0 / 2), // a4 of a4, a5
		FalseRefusal:    f3(1.0 / 5), // a3 of a1, a2, a3, a6, a7
		CitationValid:   f3(3.0 / 5), // a1, a5, a7 of a1, a2, a5, a6, a7
		CitationGold:    f3(3.0 / 4), // a1, a6, a7 of a1, a2, a6, a7
		Questions:       7,
	}
	failed := map[string][]string{}
	for _, fl := range got.Failures {
		failed[fl.ID] = fl.Failed
	}
	got.Failures = nil
	if diff := cmp.Diff(want, got, approx()); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	wantFailed := map[string][]string{
		"a2": {"keyword_hit", "keyword_hit_first", "citation_valid", "citation_gold"},
		"a3": {"false_refusal", "keyword_hit", "keyword_hit_first"},
		"a5": {"refusal_correct"},
		"a6": {"citation_valid"},
		"a7": {"keyword_hit_first"},
	}
	if diff := cmp.Diff(wantFailed, failed); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
}

func TestLeadAnswer(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"phrase and quote", "**1969**\n\n> “It landed in 1969.” [1]\n\n> “More.” [2]", "**1969**\n\n> “It landed in 1969.” [1]"},
		{"grouped citation", "A and B [1, 2]. C [3].", "A and B [1, 2]"},
		{"brackets that are not citations", "Age 74 (SD 14) [x] `a[1]` then [2] more", "Age 74 (SD 14) [x] `a[1]` then [2]"},
		{"no citation", "First paragraph.\n\nSecond.", "First paragraph."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LeadAnswer(tt.text); got != tt.want {
				t.Errorf("LeadAnswer(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestRunAnswersErrors(t *testing.T) {
	tests := []struct {
		name  string
		items []QAItem
		msg   string
	}{
		{"nil answer", []QAItem{{ID: "n", Question: "nil"}}, `question "n": answerer returned no answer`},
		{"answerer error", []QAItem{{ID: "x", Question: "unknown"}}, `question "x": answer: unexpected question`},
		{"no questions", nil, "no questions"},
	}
	f := &fakeAnswerer{answers: map[string]*rag.Answer{"nil": nil}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := RunAnswers(context.Background(), f, testCollection, tt.items)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %v, want it to contain %q", err, tt.msg)
			}
		})
	}
}

// fakeIngester records the batches it is given; documents it has seen
// before with the same text are unchanged.
type fakeIngester struct {
	mu      sync.Mutex
	batches [][]TextDoc
	stored  map[string]string
}

func (f *fakeIngester) IngestText(ctx context.Context, collection string, docs []TextDoc) (IngestStats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if collection != testCollection {
		return IngestStats{}, fmt.Errorf("collection %q", collection)
	}
	if f.stored == nil {
		f.stored = make(map[string]string)
	}
	f.batches = append(f.batches, append([]TextDoc(nil), docs...))
	var st IngestStats
	for _, d := range docs {
		switch old, ok := f.stored[d.Source]; {
		case !ok:
			st.Added++
			st.Chunks++
		case old == d.Text:
			st.Unchanged++
		default:
			st.Updated++
			st.Chunks++
		}
		f.stored[d.Source] = d.Text
	}
	return st, nil
}

// scored makes one chunk per (source, score) pair, in the order given.
func scored(pairs ...any) []rag.Passage {
	var ps []rag.Passage
	for i := 0; i < len(pairs); i += 2 {
		ps = append(ps, rag.Passage{Source: pairs[i].(string), Score: pairs[i+1].(float64)})
	}
	return ps
}

func TestRunBEIR(t *testing.T) {
	var deep []any
	for i := range 10 {
		deep = append(deep, fmt.Sprintf("n%02d", i), 1-float64(i)/100)
	}
	deep = append(deep, "d3", 0.5)
	r := &fakeRetriever{results: map[string][]rag.Passage{
		// Ranked d2, d1, d5: DCG = 1 + 2/log2(3), IDCG = 2 + 1/log2(3).
		// q1 itself is dropped, as BEIR ignores identical ids.
		"first":  scored("q1", 0.95, "d2", 0.9, "d1", 0.8, "d2", 0.7, "d5", 0.6),
		"second": scored(deep...), // d3 at rank 11
	}}
	in := BEIRInput{
		Collection: testCollection,
		Queries: []BEIRQuery{
			{ID: "q1", Text: "first"}, {ID: "q2", Text: "second"},
			{ID: "q3", Text: "no judgments"}, {ID: "q4", Text: "only non-relevant"},
		},
		Qrels: Qrels{"q1": {"d1": 2, "d2": 1}, "q2": {"d3": 1}, "q4": {"d9": 0}, "q-missing": {"d1": 1}},
	}
	got, err := RunBEIR(context.Background(), &fakeIngester{}, r, in)
	if err != nil {
		t.Fatal(err)
	}
	want := BEIRReport{
		NDCG10: 0.8597186998521972 / 2, Recall10: 0.5, Recall100: 1, MRR10: 0.5, Queries: 2,
	}
	if diff := cmp.Diff(want, got, approx()); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"first": ChunkDepth, "second": ChunkDepth}, r.ks); diff != "" {
		t.Errorf("k per query (-want +got):\n%s", diff)
	}
	// Kept, q1 pushes d2 and d1 down a rank: DCG = 1/log2(3) + 2/log2(4).
	in.KeepIdentical = true
	kept, err := RunBEIR(context.Background(), &fakeIngester{}, r, in)
	if err != nil {
		t.Fatal(err)
	}
	if want := (1/math.Log2(3) + 1) / (2 + 1/math.Log2(3)) / 2; math.Abs(kept.NDCG10-want) > tolerance {
		t.Errorf("ndcg@10 keeping identical ids = %v, want %v", kept.NDCG10, want)
	}
}

func TestRunBEIRIngestsIncrementally(t *testing.T) {
	ing := &fakeIngester{}
	r := &fakeRetriever{results: map[string][]rag.Passage{}}
	queries, qrels := fixtureQueries(t)
	for _, q := range queries {
		r.results[q.Text] = nil // nothing found: every metric is 0
	}
	run := func() BEIRReport {
		rep, err := RunBEIR(context.Background(), ing, r, BEIRInput{
			Collection: testCollection, Corpus: openFixture(t, "beir/corpus.jsonl"), Queries: queries, Qrels: qrels,
		})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	first, second := run(), run()
	if diff := cmp.Diff(IngestStats{Added: 16, Chunks: 16}, first.Ingest); diff != "" {
		t.Errorf("first ingest (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(IngestStats{Unchanged: 16}, second.Ingest); diff != "" {
		t.Errorf("second ingest (-want +got):\n%s", diff)
	}
	if first.Queries != 6 || first.NDCG10 != 0 {
		t.Errorf("queries = %d, ndcg@10 = %v; want 6, 0", first.Queries, first.NDCG10)
	}
	wantDoc := TextDoc{
		Source: "tea-caffeine", Title: "Caffeine in tea",
		Text: "Caffeine in tea\n\nA cup of black tea holds roughly 40 to 70 milligrams",
	}
	last := ing.batches[0][15]
	last.Text = last.Text[:len(wantDoc.Text)]
	if diff := cmp.Diff(wantDoc, last); diff != "" {
		t.Errorf("last document (-want +got):\n%s", diff)
	}
}

func TestIngestBEIRBatches(t *testing.T) {
	var b strings.Builder
	for i := range 250 {
		fmt.Fprintf(&b, "{\"_id\":\"d%d\",\"title\":\"\",\"text\":\"text %d\"}\n", i, i)
	}
	b.WriteString(`{"_id":"empty","title":"","text":" "}` + "\n") // skipped
	ing := &fakeIngester{}
	st, err := IngestBEIR(context.Background(), ing, testCollection, strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, batch := range ing.batches {
		sizes = append(sizes, len(batch))
	}
	if diff := cmp.Diff([]int{100, 100, 50}, sizes); diff != "" {
		t.Errorf("batch sizes (-want +got):\n%s", diff)
	}
	if st.Added != 250 || ing.batches[2][0].Text != "text 200" {
		t.Errorf("added %d, doc 200 text %q; want 250, untitled text unchanged", st.Added, ing.batches[2][0].Text)
	}
	_, err = IngestBEIR(context.Background(), ing, "other", strings.NewReader(b.String()))
	if err == nil || !strings.Contains(err.Error(), `ingest 100 documents from "d0"`) {
		t.Errorf("err = %v, want the failing batch named", err)
	}
}

func TestRunBEIRNoJudgedQueries(t *testing.T) {
	_, err := RunBEIR(context.Background(), &fakeIngester{}, &fakeRetriever{}, BEIRInput{
		Collection: testCollection, Queries: []BEIRQuery{{ID: "q1", Text: "x"}},
	})
	if err == nil || !strings.Contains(err.Error(), "no query") {
		t.Errorf("err = %v, want no judged queries", err)
	}
}

func TestIngestBatched(t *testing.T) {
	ing := &fakeIngester{}
	docs := Distractors(2*IngestBatch+1, 3)
	st, err := IngestBatched(context.Background(), ing, testCollection, docs)
	if err != nil {
		t.Fatal(err)
	}
	if st.Added != len(docs) || len(ing.batches) != 3 || len(ing.batches[2]) != 1 {
		t.Errorf("added %d in %d batches, want %d in 3", st.Added, len(ing.batches), len(docs))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := IngestBatched(ctx, ing, testCollection, docs); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want canceled", err)
	}
}
