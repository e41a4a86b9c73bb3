package console_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/console"
	"github.com/citebot/citebot/rag/store"
)

func TestSearchShowsScores(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	f.signInOperator(t, c)
	tests := []struct {
		name, query string
		status      int
		want, not   []string
	}{
		{"ranked passages", "q=page+times&k=5", http.StatusOK,
			[]string{"0.8123", "text 1.5000, vector 0.6100", "Runbook", "Paging", "&lt;fifteen&gt;", "default: page times", "0.2500"}, nil},
		{"k bounds the list", "q=page&k=1", http.StatusOK, []string{"0.8123"}, []string{"0.2500"}},
		{"no query", "", http.StatusOK, nil, []string{"0.8123"}},
		{"too long", "q=" + strings.Repeat("a", 1001), http.StatusBadRequest, []string{"longer than 1000"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, c, f.url+"/c/default/search?"+tc.query)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d", r.status, tc.status)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(r.body, n) {
					t.Errorf("page shows %q", n)
				}
			}
		})
	}
}

func TestDocumentsAndChunkViewer(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	m, err := f.store.EnsureModel(ctx, "console-test", 2)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.store.ReplaceDocuments(ctx, []store.DocumentWrite{{Collection: "default", Source: "https://docs.example/a",
		Title: "Alpha <doc>", ContentHash: "h1", Content: "one two", Model: m,
		Chunks: []store.ChunkWrite{
			{Position: 0, HeadingPath: []string{"Intro"}, Start: 0, End: 3, Text: "one", Hash: "c1", Tokens: 1, Embedding: []float32{1, 0}},
			{Position: 1, Start: 4, End: 7, Text: "two", Hash: "c2", Tokens: 1, Embedding: []float32{0, 1}},
		}}})
	if err != nil {
		t.Fatal(err)
	}
	c := f.client(t)
	f.signInOperator(t, c)
	list := get(t, c, f.url+"/c/default")
	for _, w := range []string{"Alpha &lt;doc&gt;", `href="https://docs.example/a"`, "1–1 of 1"} {
		if !strings.Contains(list.body, w) {
			t.Errorf("documents page lacks %q:\n%.2000s", w, list.body)
		}
	}
	doc := get(t, c, f.url+"/c/default/document?source="+url.QueryEscape("https://docs.example/a"))
	for _, w := range []string{"Chunk 1 — Intro", "Chunk 2", "characters 4–7", "<pre>two</pre>"} {
		if !strings.Contains(doc.body, w) {
			t.Errorf("chunk viewer lacks %q:\n%.2000s", w, doc.body)
		}
	}
	if r := get(t, c, f.url+"/c/default/document?source=missing"); r.status != http.StatusNotFound {
		t.Errorf("missing document: %d", r.status)
	}
}

func TestIngestRunProgress(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	csrf := f.signInOperator(t, c)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", csrf)
	mw.WriteField("kind", "upload")
	fw, _ := mw.CreateFormFile("file", "notes.md")
	fw.Write([]byte("# Notes"))
	mw.Close()
	req, _ := http.NewRequestWithContext(t.Context(), "POST", f.url+"/c/default/ingest", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	r := do(t, c, req)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/c/default/jobs/") {
		t.Fatalf("start = %d %q:\n%.500s", r.status, r.location, r.body)
	}
	status := func() map[string]any {
		var s map[string]any
		if err := json.Unmarshal([]byte(get(t, c, f.url+r.location+"/status").body), &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	waitFor(t, func() bool { s := status(); return s["done"] == 1.0 && s["chunks"] == 3.0 })
	if s := status(); s["status"] != "running" || s["total"] != 2.0 {
		t.Errorf("mid-run status %v", s)
	}
	page := get(t, c, f.url+r.location)
	if !strings.Contains(page.body, `<progress id="bar" max="2" value="1">`) || !strings.Contains(page.body, "/static/job.js") {
		t.Errorf("run page:\n%.2000s", page.body)
	}
	close(f.ing.gate())
	waitFor(t, func() bool { return status()["status"] == "done" })
	if s := status(); s["done"] != 2.0 || !strings.Contains(s["summary"].(string), "2 added") {
		t.Errorf("final status %v", s)
	}
	if got := f.ing.calls; len(got) != 1 || got[0] != "upload notes.md # Notes" {
		t.Errorf("ingester calls %q", got)
	}
	jobs := get(t, c, f.url+"/c/default/jobs")
	if !strings.Contains(jobs.body, "notes.md") || !strings.Contains(jobs.body, "status-done") {
		t.Errorf("jobs page:\n%.2000s", jobs.body)
	}
	for _, bad := range []url.Values{{"kind": {"url"}, "url": {"file:///etc/passwd"}}, {"kind": {"rm"}}, {"kind": {"upload"}}} {
		bad.Set("csrf", csrf)
		if r := post(t, c, f.url+"/c/default/ingest", bad); r.status != http.StatusBadRequest {
			t.Errorf("ingest %v: %d, want 400", bad, r.status)
		}
	}
}

func TestStaleIngestRunFails(t *testing.T) {
	f := newFixture(t)
	id, err := f.store.StartIngestRun(t.Context(), store.IngestRun{Collection: "default", Kind: "sync"})
	if err != nil {
		t.Fatal(err)
	}
	c := f.client(t)
	f.signInOperator(t, c)
	f.clock.advance(10 * time.Minute)
	get(t, c, f.url+"/c/default/jobs")
	run, err := f.store.IngestRunByID(t.Context(), "default", id)
	if err != nil || run.Status != store.RunFailed || !strings.Contains(run.Error, "interrupted") {
		t.Errorf("a run whose process is gone: %+v, %v", run, err)
	}
}

func TestEvalRuns(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	csrf := f.signInOperator(t, c)
	bad := post(t, c, f.url+"/c/default/eval/qa", url.Values{"csrf": {csrf}, "name": {"broken"}, "body": {`{"id": "q1"`}})
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, "was not stored") {
		t.Fatalf("bad QA file: %d\n%.1000s", bad.status, bad.body)
	}
	qa := `{"id":"q1","question":"Who is on call?","gold":["rota"],"answerable":true}` + "\n" +
		`{"id":"q2","question":"What is for lunch?","answerable":false}` + "\n"
	if r := post(t, c, f.url+"/c/default/eval/qa", url.Values{"csrf": {csrf}, "name": {"smoke"}, "body": {qa}}); r.status != http.StatusSeeOther {
		t.Fatalf("store QA set: %d\n%.1000s", r.status, r.body)
	}
	sets, err := f.store.QASets(t.Context(), "default")
	if err != nil || len(sets) != 1 || sets[0].Questions != 2 {
		t.Fatalf("QA sets %+v, %v", sets, err)
	}
	for range 2 {
		if r := post(t, c, f.url+"/c/default/eval/run", url.Values{"csrf": {csrf}, "qa": {"999999"}}); r.status != http.StatusNotFound {
			t.Errorf("unknown QA set: %d", r.status)
		}
		if r := post(t, c, f.url+"/c/default/eval/run", url.Values{"csrf": {csrf}, "qa": {itoa(sets[0].ID)}}); r.status != http.StatusSeeOther {
			t.Fatalf("run: %d", r.status)
		}
		waitFor(t, func() bool {
			runs, err := f.store.EvalRuns(t.Context(), "default", 10)
			return err == nil && len(runs) > 0 && runs[0].Status != store.RunRunning
		})
	}
	page := get(t, c, f.url+"/c/default/eval")
	// The fake answerer refuses everything: refusal_correct 1, false_refusal 1.
	if strings.Count(page.body, `<td class="num">1.0000</td>`) != 4 || strings.Count(page.body, "smoke") < 3 {
		t.Errorf("eval page does not show both runs' reports:\n%.3000s", page.body)
	}
}

func TestQuestionsPage(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	m, err := f.store.EnsureModel(ctx, "console-test", 2)
	if err != nil {
		t.Fatal(err)
	}
	write := func(text string) int64 {
		ids, err := f.store.ReplaceDocuments(ctx, []store.DocumentWrite{{Collection: "default", Source: "rota.md",
			Title: "Rota", ContentHash: text, Content: text, Model: m, Chunks: []store.ChunkWrite{
				{Text: text, Hash: "h-" + text, Tokens: 1, End: len(text), Embedding: []float32{1, 0}}}}})
		if err != nil {
			t.Fatal(err)
		}
		ps, err := f.store.DocumentPassages(ctx, "default", "rota.md")
		if err != nil || len(ps) != 1 || len(ids) != 1 {
			t.Fatalf("passages %v, %v", ps, err)
		}
		return ps[0].ChunkID
	}
	chunk := write("alice is on call")
	answers := []store.Answer{
		{Surface: "discord", Kind: "ask", Question: "who is on call?", Text: "Alice [1].", Mode: "extractive",
			Citations: []store.Citation{{N: 1, ChunkID: chunk}}},
		{Surface: "ask", Kind: "ask", Question: "what is for lunch?", Text: "Not covered.", Refused: true},
		{Surface: "chat", Kind: "ask", Question: "where is the rota?", Text: "In rota.md [1].",
			Citations: []store.Citation{{N: 1, ChunkID: chunk}}},
	}
	for _, a := range answers {
		a.Collection = "default"
		if _, err := f.store.SaveAnswer(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	write("bob is on call") // both citing answers are now stale
	now := f.clock.now()
	for i, helpful := range []bool{true, true, false} {
		err := f.store.SaveFeedback(ctx, store.Feedback{Collection: "default", Question: "q" + itoa(int64(i)),
			Answer: "a", Helpful: helpful, At: now.Add(-time.Duration(i) * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
	}
	c := f.client(t)
	f.signInOperator(t, c)
	page := get(t, c, f.url+"/c/default/activity")
	section := func(id string) string {
		_, rest, _ := strings.Cut(page.body, `id="`+id+`"`)
		before, _, _ := strings.Cut(rest, "<h2")
		return before
	}
	tests := []struct {
		section   string
		want, not []string
	}{
		{"log", []string{"who is on call?", "what is for lunch?", "where is the rota?", "<strong>refused</strong>"}, nil},
		{"gaps", []string{"what is for lunch?"}, []string{"who is on call?", "where is the rota?"}},
		{"stale", []string{"who is on call?", "where is the rota?"}, []string{"lunch"}},
		{"feedback", []string{"👎 not helpful", "q2"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.section, func(t *testing.T) {
			got := section(tc.section)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("section lacks %q:\n%s", w, got)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(got, n) {
					t.Errorf("section shows %q:\n%s", n, got)
				}
			}
		})
	}
	for _, w := range []string{"3 questions in the last 30 days", "1 refused in the last 12 weeks", ">67%</text>",
		"2 of 3 ratings", `aria-label="Questions per day"`, `aria-label="Refusals per week"`} {
		if !strings.Contains(page.body, w) {
			t.Errorf("charts lack %q", w)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 20s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestQueuedJobs(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	id, err := f.store.EnqueueJob(ctx, store.Job{Kind: "url", Collection: "default", GuildID: guildA,
		Params: store.JobParams{URL: "https://docs.example/"}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.store.EnqueueJob(ctx, store.Job{Kind: "resync", Collection: "guild-" + guildB})
	if err != nil {
		t.Fatal(err)
	}
	c := f.client(t)
	f.signInOperator(t, c)
	status := func(id int64) (int, map[string]any) {
		r := get(t, c, f.url+"/c/default/queue/"+itoa(id)+"/status")
		var s map[string]any
		json.Unmarshal([]byte(r.body), &s)
		return r.status, s
	}
	if _, s := status(id); s["status"] != "queued" {
		t.Errorf("queued job: %v", s)
	}
	if code, _ := status(other); code != http.StatusNotFound {
		t.Errorf("another collection's job: %d, want 404", code)
	}
	j, ok, err := f.store.ClaimJob(ctx, "worker-1", time.Minute)
	if err != nil || !ok || j.ID != id {
		t.Fatalf("claim: %+v %v %v", j, ok, err)
	}
	if err := f.store.HeartbeatJob(ctx, id, "worker-1", store.JobProgress{Done: 1, Total: 3, Current: "https://docs.example/a"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, s := status(id); s["status"] != "running" || s["done"] != 1.0 || s["total"] != 3.0 || s["current"] != "https://docs.example/a" {
		t.Errorf("running job: %v", s)
	}
	page := get(t, c, f.url+"/c/default/queue/"+itoa(id))
	if !strings.Contains(page.body, `data-status-url="/c/default/queue/`+itoa(id)+`/status"`) || !strings.Contains(page.body, "from Discord") {
		t.Errorf("job page:\n%.2000s", page.body)
	}
	if err := f.store.FinishJob(ctx, id, "worker-1", console.Summary{Added: 2, Chunks: 9}, ""); err != nil {
		t.Fatal(err)
	}
	if _, s := status(id); s["status"] != "done" || !strings.Contains(s["summary"].(string), "2 added") {
		t.Errorf("finished job: %v", s)
	}
	list := get(t, c, f.url+"/c/default/jobs")
	_, queued, _ := strings.Cut(list.body, `id="queued"`)
	if !strings.Contains(queued, "https://docs.example/") || !strings.Contains(queued, "status-done") {
		t.Errorf("jobs page lacks the queued job:\n%.3000s", list.body)
	}
}

func TestUploadTooLarge(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	csrf := f.signInOperator(t, c)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", csrf)
	mw.WriteField("kind", "upload")
	fw, _ := mw.CreateFormFile("file", "big.txt")
	fw.Write(bytes.Repeat([]byte("a"), 34<<20))
	mw.Close()
	req, _ := http.NewRequestWithContext(t.Context(), "POST", f.url+"/c/default/ingest", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if r := do(t, c, req); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("a 34 MiB upload: %d, want 413", r.status)
	}
	if runs, err := f.store.IngestRuns(t.Context(), "default", 10); err != nil || len(runs) != 0 {
		t.Errorf("runs after a refused upload: %v, %v", runs, err)
	}
}
