package ops_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/answer/llm"
)

// fakeAnswerer returns its answer or error.
type fakeAnswerer struct {
	ans *rag.Answer
	err error
}

func (f fakeAnswerer) Answer(context.Context, rag.Request, func(string)) (*rag.Answer, error) {
	return f.ans, f.err
}

// fakeRetriever returns its passages or error.
type fakeRetriever struct {
	passages []rag.Passage
	err      error
}

func (f fakeRetriever) Retrieve(_ context.Context, _, _ string, k int) ([]rag.Passage, error) {
	if f.err != nil {
		return nil, f.err
	}
	return f.passages[:min(k, len(f.passages))], nil
}

// fakeChat replies with its text or error.
type fakeChat struct {
	reply string
	err   error
}

func (f fakeChat) Chat(context.Context, []llm.Message, func(string)) (string, error) {
	return f.reply, f.err
}
func (f fakeChat) Model() string { return "fake" }

// get fetches path from srv and returns the status and body.
func get(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// series parses the Prometheus text format into "name{labels}" → value.
func series(t *testing.T, body string) map[string]string {
	t.Helper()
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			t.Fatalf("malformed metrics line %q", line)
		}
		out[line[:i]] = line[i+1:]
	}
	return out
}
