package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/cli"
	"github.com/citebot/citebot/rag/store/faulttest"
	"github.com/citebot/citebot/rag/store/storetest"
)

var dbURL string

func TestMain(m *testing.M) { os.Exit(storetest.Main(m, "cli", &dbURL)) }

// result is what one citebot invocation printed and returned.
type result struct {
	stdout, stderr string
	err            error
}

func citebot(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	return run(t, env, args...)
}

func run(t testing.TB, env map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	err := runCtx(t.Context(), env, &out, &errOut, args...)
	return result{out.String(), errOut.String(), err}
}

func runCtx(ctx context.Context, env map[string]string, stdout, stderr io.Writer, args ...string) error {
	wd, _ := os.Getwd()
	return cli.Run(ctx, cli.IO{Args: args, Getenv: func(k string) string { return env[k] },
		Stdin: strings.NewReader(""), Stdout: stdout, Stderr: stderr, Dir: wd})
}

func TestUsage(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		usage bool
		want  string
	}{
		{"help lists the commands", []string{"help"}, nil, false, "ingest"},
		{"no command", nil, nil, true, "no command"},
		{"unknown command", []string{"frobnicate"}, nil, true, `unknown command "frobnicate"`},
		{"unknown flag", []string{"search", "--frobnicate", "x"}, nil, true, "frobnicate"},
		{"search without a query", []string{"search"}, map[string]string{"DATABASE_URL": "postgres://x@127.0.0.1:1/x"}, true, "needs a query"},
		{"malformed env names its variable", []string{"search", "q"}, map[string]string{"CITEBOT_CANDIDATES": "many"}, false, "CITEBOT_CANDIDATES"},
		{"out of range flag names it", []string{"search", "--text-weight", "-1", "q"}, nil, false, "fusion weights"},
		{"bad mode", []string{"search", "--mode", "fuzzy", "q"}, nil, false, `unknown mode "fuzzy"`},
		{"bad llm url", []string{"ask", "--llm-url", "ftp://x", "q"}, nil, false, "--llm-url"},
		{"eval needs a kind", []string{"eval"}, nil, true, "retrieval|answers|beir"},
		{"eval reader needs a set", []string{"eval", "reader"}, nil, true, "--set COLLECTION=QAFILE, or --from FILE"},
		{"eval reader set needs a collection", []string{"eval", "reader", "--set", "qa.jsonl"}, nil, true, "want COLLECTION=QAFILE"},
		{"bad retention flag", []string{"serve", "--retention", "soon"}, nil, true, "90d"},
		{"bad retention env names its variable", []string{"serve"}, map[string]string{"CITEBOT_RETENTION": "-3d"}, false, "CITEBOT_RETENTION"},
		{"text cap must be positive", []string{"ingest", "--max-text-bytes", "0", "x"}, nil, false, "--max-text-bytes"},
		{"chunk cap env names its variable", []string{"ingest", "x"}, map[string]string{"CITEBOT_MAX_CHUNKS": "lots"}, false, "CITEBOT_MAX_CHUNKS"},
		{"parse timeout must be positive", []string{"ingest", "--parse-timeout", "0s", "x"}, nil, false, "--parse-timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := citebot(t, tc.env, tc.args...)
			msg := r.stdout + r.stderr
			if r.err != nil {
				msg += r.err.Error()
			}
			var ue *cli.UsageError
			if got := errors.As(r.err, &ue); got != tc.usage {
				t.Errorf("usage error = %v (%v), want %v", got, r.err, tc.usage)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("output %q lacks %q", msg, tc.want)
			}
		})
	}
}

func TestMigrateWrongDatabaseFailsFast(t *testing.T) {
	start := time.Now()
	r := citebot(t, map[string]string{"DATABASE_URL": "postgres://citebot:hunter2@127.0.0.1:9/citebot?sslmode=disable"}, "migrate")
	if r.err == nil {
		t.Fatal("migrate against a closed port succeeded")
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("migrate took %s to fail", d)
	}
	msg := r.err.Error()
	for _, want := range []string{"127.0.0.1:9", "make db"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	for _, leak := range []string{"hunter2", "goroutine", ".go:"} {
		if strings.Contains(msg+r.stderr, leak) {
			t.Errorf("output leaks %q: %s", leak, msg+r.stderr)
		}
	}
}

func e2eEnv(t *testing.T) map[string]string {
	t.Helper()
	storetest.Reset(t, dbURL)
	return map[string]string{"DATABASE_URL": dbURL, "CITEBOT_MODEL_DIR": faulttest.ModelDir(t), "CITEBOT_LOG_LEVEL": "warn"}
}

func jsonKeys(t *testing.T, out string) []string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestEvalCommandsEndToEnd(t *testing.T) {
	env := e2eEnv(t)
	beir := "../rag/eval/testdata/beir/"
	tests := []struct {
		name string
		args []string
		keys []string
	}{
		{"beir", []string{"eval", "beir", "--collection", "tiny", "--corpus", beir + "corpus.jsonl", "--queries", beir + "queries.jsonl",
			"--qrels", beir + "qrels.tsv", "--json"}, []string{"mrr@10", "ndcg@10", "queries", "recall@10", "recall@100"}},
		{"retrieval", []string{"eval", "retrieval", "--collection", "tiny", "--qa", "../rag/eval/testdata/qa.jsonl", "--json"},
			[]string{"mrr@10", "questions", "recall@1", "recall@10", "recall@3", "recall@5"}},
		{"answers", []string{"eval", "answers", "--collection", "tiny", "--qa", "../rag/eval/testdata/qa.jsonl", "--json"},
			[]string{"citation_gold", "citation_valid", "false_refusal", "keyword_hit", "keyword_hit_first", "questions", "refusal_correct"}},
		{"answers with failures", []string{"eval", "answers", "--collection", "tiny", "--qa", "../rag/eval/testdata/qa.jsonl", "--json", "--failures"},
			[]string{"citation_gold", "citation_valid", "failures", "false_refusal", "keyword_hit", "keyword_hit_first", "questions", "refusal_correct"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := citebot(t, env, tc.args...)
			if r.err != nil {
				t.Fatalf("%v\n%s", r.err, r.stderr)
			}
			if diff := cmp.Diff(tc.keys, jsonKeys(t, r.stdout)); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("a second beir run skips ingestion and scores the same", func(t *testing.T) {
		a := citebot(t, env, tests[0].args...)
		b := citebot(t, env, tests[0].args...)
		if a.err != nil || b.err != nil || a.stdout != b.stdout {
			t.Errorf("runs differ: %q vs %q (%v, %v)", a.stdout, b.stdout, a.err, b.err)
		}
		var m map[string]float64
		json.Unmarshal([]byte(a.stdout), &m)
		if m["ndcg@10"] < 0.5 {
			t.Errorf("tiny benchmark ndcg@10 = %.3f, want >= 0.5", m["ndcg@10"])
		}
	})
}

func TestIngestAndAsk(t *testing.T) {
	env := e2eEnv(t)
	corpus := "../rag/ingest/testdata/corpus"
	r := citebot(t, env, "ingest", "--collection", "askme", corpus)
	if r.err != nil || !strings.Contains(r.stdout, "3 added") {
		t.Fatalf("ingest: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	r = citebot(t, env, "ingest", "--collection", "askme", corpus, filepath.Join(corpus, "missing.md"))
	var fails *cli.ErrIngestFailures
	if !errors.As(r.err, &fails) || !strings.Contains(r.stdout, "3 unchanged") || !strings.Contains(r.stdout, "missing.md") {
		t.Fatalf("ingest with a missing file: %v\n%s", r.err, r.stdout)
	}
	r = citebot(t, env, "ask", "--collection", "askme", "--json", "How quickly must the on-call engineer answer a page?")
	if r.err != nil {
		t.Fatalf("ask: %v\n%s", r.err, r.stderr)
	}
	var a struct {
		Text    string
		Refused bool
		Sources []struct{ N int }
	}
	if err := json.Unmarshal([]byte(r.stdout), &a); err != nil {
		t.Fatalf("ask --json: %v\n%s", err, r.stdout)
	}
	if a.Refused || !strings.Contains(a.Text, "fifteen minutes") || len(a.Sources) == 0 {
		t.Errorf("answer = %+v", a)
	}
	r = citebot(t, env, "ask", "--collection", "askme", "What is the capital of Mongolia?")
	if r.err != nil || !strings.Contains(r.stdout, "does not cover") {
		t.Errorf("unanswerable question: %v\n%s", r.err, r.stdout)
	}
}
