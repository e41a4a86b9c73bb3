package cli_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/cli"
	"github.com/citebot/citebot/rag/store"
)

// storedRow is what the recording test compares of a stored answer.
type storedRow struct {
	Surface, Kind, Question string
	Refused, Cited          bool
}

func storedRows(t *testing.T, collection string) []storedRow {
	t.Helper()
	s, err := store.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	as, err := s.ListAnswers(t.Context(), store.AnswerFilter{Collection: collection})
	if err != nil {
		t.Fatal(err)
	}
	var out []storedRow
	for i := len(as) - 1; i >= 0; i-- { // oldest first
		full, err := s.Answer(t.Context(), as[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, storedRow{full.Surface, full.Kind, full.Question, full.Refused, len(full.Citations) > 0})
	}
	return out
}

func TestCLIAnswersAreRecorded(t *testing.T) {
	env := e2eEnv(t)
	if r := citebot(t, env, "ingest", "--collection", "rec", "../rag/ingest/testdata/corpus"); r.err != nil {
		t.Fatalf("ingest: %v\n%s", r.err, r.stderr)
	}
	asks := []string{"How quickly must the on-call engineer answer a page?", "What is the capital of Mongolia?"}
	for _, q := range asks {
		if r := citebot(t, env, "ask", "--collection", "rec", q); r.err != nil {
			t.Fatalf("ask: %v\n%s", r.err, r.stderr)
		}
	}
	var out, errOut bytes.Buffer
	err := cli.Run(t.Context(), cli.IO{Args: []string{"chat", "--collection", "rec"}, Getenv: func(k string) string { return env[k] },
		Stdin: strings.NewReader("Who approves holidays?\n/summary\n"), Stdout: &out, Stderr: &errOut})
	if err != nil {
		t.Fatalf("chat: %v\n%s", err, errOut.String())
	}
	want := []storedRow{
		{"ask", "ask", asks[0], false, true},
		{"ask", "ask", asks[1], true, false},
		{"chat", "ask", "Who approves holidays?", false, true},
		{"chat", "summary", "summary:", false, true},
	}
	got := storedRows(t, "rec")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored answers (-want +got):\n%s\nchat printed:\n%s", diff, out.String())
	}

	t.Run("report gaps and feedback", func(t *testing.T) {
		r := citebot(t, env, "report", "gaps", "--collection", "rec", "--since", "7d")
		if r.err != nil || !strings.Contains(r.stdout, `"What is the capital of Mongolia?"`) ||
			!strings.Contains(r.stdout, `collection "rec"`) {
			t.Errorf("report gaps: %v\n%s%s", r.err, r.stdout, r.stderr)
		}
		r = citebot(t, env, "report", "gaps", "--json")
		want := []string{"collection", "escalated", "groups", "more_groups", "questions_stored", "since", "stale", "totals", "unhelpful"}
		if r.err != nil {
			t.Fatalf("report gaps --json: %v\n%s", r.err, r.stderr)
		}
		if diff := cmp.Diff(want, jsonKeys(t, r.stdout)); diff != "" || !strings.Contains(r.stdout, `"collection": ""`) {
			t.Errorf("report gaps --json keys (-want +got):\n%s\n%s", diff, r.stdout)
		}
		r = citebot(t, env, "report", "feedback", "--collection", "rec", "--json")
		want = []string{"collection", "helpful", "helpful_rate", "ratings", "since", "weeks"}
		if diff := cmp.Diff(want, jsonKeys(t, r.stdout)); r.err != nil || diff != "" {
			t.Errorf("report feedback --json: %v keys (-want +got):\n%s", r.err, diff)
		}
		for _, args := range [][]string{{"report"}, {"report", "nope"}, {"report", "gaps", "--since", "-3d"}, {"report", "gaps", "extra"}} {
			var u *cli.UsageError
			if r := citebot(t, env, args...); !errors.As(r.err, &u) {
				t.Errorf("%v: %v, want a usage error", args, r.err)
			}
		}
	})
	t.Run("without stored questions only counts remain", func(t *testing.T) {
		env["CITEBOT_STORE_QUESTIONS"] = "false"
		defer delete(env, "CITEBOT_STORE_QUESTIONS")
		if r := citebot(t, env, "ask", "--collection", "rec", asks[1]); r.err != nil {
			t.Fatalf("ask: %v\n%s", r.err, r.stderr)
		}
		rows := storedRows(t, "rec")
		if last := rows[len(rows)-1]; last != (storedRow{"ask", "ask", "", true, false}) {
			t.Errorf("last stored answer = %+v, want one without its question", last)
		}
		s, err := store.Open(t.Context(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		n, err := s.CountAnswers(t.Context(), store.ReportFilter{Collection: "rec", Since: time.Now().Add(-time.Hour)})
		if err != nil || n.Asked != 5 || n.Refused != 2 {
			t.Errorf("counts = %+v, %v; want 5 asked, 2 refused", n, err)
		}
	})
}
