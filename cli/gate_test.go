package cli_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/cli"
	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/faulttest"
)

const oncallQuestion = "How quickly must the on-call engineer answer a page?"

// gateSetup ingests a copy of the test corpus into collection "gated" and
// stores a helpful answer citing the on-call page; it returns the copy's
// folder, the store and the answer's id.
func gateSetup(t *testing.T, env map[string]string) (string, *store.Store, int64) {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"faq.txt", "handbook.md", "oncall.html"} {
		b, err := os.ReadFile(filepath.Join("../rag/ingest/testdata/corpus", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if r := citebot(t, env, "ingest", "--collection", "gated", dir); r.err != nil {
		t.Fatalf("ingest: %v\n%s", r.err, r.stderr)
	}
	st, err := store.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return dir, st, rateHelpful(t, env, st, oncallQuestion)
}

// rateHelpful asks question in "gated" and stores the answer with a 👍.
func rateHelpful(t *testing.T, env map[string]string, st *store.Store, question string) int64 {
	t.Helper()
	r := citebot(t, env, "ask", "--collection", "gated", "--json", question)
	var a struct {
		Text    string
		Sources []struct {
			N       int
			Passage struct {
				ChunkID int64 `json:"chunk_id"`
				Source  string
				Text    string
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &a); err != nil || len(a.Sources) == 0 {
		t.Fatalf("ask: %v %v\n%s", r.err, err, r.stdout)
	}
	ans := store.Answer{Surface: "ask", Kind: "ask", Collection: "gated", Question: question, Text: a.Text}
	for _, s := range a.Sources {
		ans.Citations = append(ans.Citations, store.Citation{N: s.N, ChunkID: s.Passage.ChunkID, Source: s.Passage.Source, Text: s.Passage.Text})
	}
	id, err := st.SaveAnswer(t.Context(), ans)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveFeedback(t.Context(), store.Feedback{Collection: "gated", AnswerID: id, Helpful: true, Question: question, Answer: a.Text}); err != nil {
		t.Fatal(err)
	}
	return id
}

func sources(t *testing.T, st *store.Store) []string {
	t.Helper()
	docs, _, err := st.Documents(t.Context(), "gated", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range docs {
		out = append(out, filepath.Base(d.Source))
	}
	slices.Sort(out)
	return out
}

func noShadowsLeft(t *testing.T, st *store.Store) {
	t.Helper()
	if n, err := st.SweepShadows(t.Context()); err != nil || n != 0 {
		t.Errorf("a sweep found %d collections with leftover shadows (%v)", n, err)
	}
}

func TestGatedIngest(t *testing.T) {
	env := e2eEnv(t)
	dir, st, answerID := gateSetup(t, env)
	qa := filepath.Join(t.TempDir(), "qa.jsonl")
	line := `{"id": "oncall", "question": "` + oncallQuestion + `", "gold": ["within fifteen minutes"], "answer_keywords": ["fifteen"], "answerable": true}`
	if err := os.WriteFile(qa, []byte(line+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	all := []string{"faq.txt", "handbook.md", "oncall.html"}
	if err := os.Remove(filepath.Join(dir, "oncall.html")); err != nil {
		t.Fatal(err)
	}
	held := []struct {
		name, gate string
		want       []string
	}{
		{"deleting a helpful answer's source is held back", "feedback", []string{"held back", "broken: answer ", "cited passage gone: ", "oncall.html"}},
		{"deleting a QA question's gold is held back", qa, []string{"held back", "broken: oncall " + oncallQuestion, "- refused", "- gold no longer retrieved"}},
	}
	for _, tt := range held {
		t.Run(tt.name, func(t *testing.T) {
			r := citebot(t, env, "ingest", "--collection", "gated", "--prune", "--gate", tt.gate, dir)
			var hb *cli.ErrHeldBack
			if !errors.As(r.err, &hb) || hb.Broken != 1 {
				t.Fatalf("err = %v, want ErrHeldBack with 1 broken\n%s%s", r.err, r.stdout, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("report lacks %q:\n%s", w, r.stdout)
				}
			}
			if diff := cmp.Diff(all, sources(t, st)); diff != "" {
				t.Errorf("live documents changed (-want +got):\n%s", diff)
			}
			noShadowsLeft(t, st)
		})
	}
	t.Run("an unrelated change goes live", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(dir, "parking.txt"), []byte("Parking spaces are booked at the front desk.\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		r := citebot(t, env, "ingest", "--collection", "gated", "--gate", "feedback", "--json", dir)
		if r.err != nil {
			t.Fatalf("%v\n%s%s", r.err, r.stdout, r.stderr)
		}
		want := []string{"broken", "collection", "fixed", "gate", "passed_live", "passed_new", "questions", "tolerance", "went_live"}
		if diff := cmp.Diff(want, jsonKeys(t, r.stdout)); diff != "" {
			t.Errorf("JSON keys (-want +got):\n%s", diff)
		}
		if !strings.Contains(r.stdout, `"went_live": true`) || !strings.Contains(r.stderr, "1 added") {
			t.Errorf("stdout %s\nstderr %s", r.stdout, r.stderr)
		}
		if diff := cmp.Diff(append(all, "parking.txt"), sources(t, st)); diff != "" {
			t.Errorf("live documents (-want +got):\n%s", diff)
		}
		if a, err := st.Answer(t.Context(), answerID); err != nil || !a.StaleAt.IsZero() {
			t.Errorf("an unrelated change made the answer stale: %v %v", a.StaleAt, err)
		}
	})
	t.Run("within the tolerance the deletion goes live", func(t *testing.T) {
		r := citebot(t, env, "ingest", "--collection", "gated", "--prune", "--gate", "feedback", "--gate-tolerance", "1", dir)
		if r.err != nil || !strings.Contains(r.stdout, "went live") || !strings.Contains(r.stdout, "cited passage gone") {
			t.Fatalf("%v\n%s%s", r.err, r.stdout, r.stderr)
		}
		if diff := cmp.Diff([]string{"faq.txt", "handbook.md", "parking.txt"}, sources(t, st)); diff != "" {
			t.Errorf("live documents (-want +got):\n%s", diff)
		}
		if a, err := st.Answer(t.Context(), answerID); err != nil || a.StaleAt.IsZero() {
			t.Errorf("the answer whose passage went is not stale: %v", err)
		}
		noShadowsLeft(t, st)
	})
}

// cancelOnWrite cancels a context at the first write, the first progress
// line of a run: the gated ingest is then midway.
type cancelOnWrite struct {
	once   sync.Once
	cancel context.CancelFunc
}

func (c *cancelOnWrite) Write(p []byte) (int, error) {
	c.once.Do(c.cancel)
	return len(p), nil
}

func TestGatedIngestInterrupted(t *testing.T) {
	env := e2eEnv(t)
	dir, st, _ := gateSetup(t, env)
	if err := os.Remove(filepath.Join(dir, "oncall.html")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "parking.txt"), []byte("Parking spaces are booked at the front desk.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out strings.Builder
	err := runCtx(ctx, env, &out, &cancelOnWrite{cancel: cancel}, "ingest", "--collection", "gated", "--prune",
		"--gate", "feedback", "--gate-tolerance", "5", dir)
	if err == nil {
		t.Fatalf("an interrupted gated ingest succeeded:\n%s", out.String())
	}
	if diff := cmp.Diff([]string{"faq.txt", "handbook.md", "oncall.html"}, sources(t, st)); diff != "" {
		t.Errorf("live documents changed (-want +got):\n%s", diff)
	}
	noShadowsLeft(t, st)
}

func TestGatedIngestExitCodes(t *testing.T) {
	env := e2eEnv(t)
	dir, _, _ := gateSetup(t, env)
	bin := faulttest.Binary(t)
	missing := filepath.Join(t.TempDir(), "missing.jsonl")
	tests := []struct {
		name string
		prep func()
		args []string
		code int
	}{
		{"a change that goes live exits 0", func() {}, []string{"--gate", "feedback"}, 0},
		{"bad usage exits 2", func() {}, []string{"--json"}, 2},
		{"an unreadable gate file exits 1", func() {}, []string{"--gate", missing}, 1},
		{"a change held back exits 3", func() { os.Remove(filepath.Join(dir, "oncall.html")) }, []string{"--prune", "--gate", "feedback"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.prep()
			cmd := exec.CommandContext(t.Context(), bin, append(append([]string{"ingest", "--collection", "gated"}, tt.args...), dir)...)
			for k, v := range env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			b, err := cmd.CombinedOutput()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, b)
			}
		})
	}
}
