package cli_test

import (
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/citebot/citebot/cli"
)

// TestLLMKeyNotShown points ask and chat at an LLM endpoint that refuses
// with a 401 echoing the key, as some servers do, and checks that the key
// shows nowhere (returned error, stdout, stderr), for a long key and for a
// two-character one.
func TestLLMKeyNotShown(t *testing.T) {
	env := e2eEnv(t)
	if r := citebot(t, env, "ingest", "--collection", "keys", "../rag/ingest/testdata/corpus"); r.err != nil {
		t.Fatalf("ingest: %v\n%s", r.err, r.stderr)
	}
	for _, key := range []string{"sk-cli-0123456789abcdef", "k9"} {
		llm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s","type":"invalid_request_error"}}`, key)
		}))
		t.Cleanup(llm.Close)
		env := maps.Clone(env)
		maps.Copy(env, map[string]string{"CITEBOT_LLM_URL": llm.URL, "CITEBOT_LLM_KEY": key, "CITEBOT_LLM_MODEL": "m"})
		for _, args := range [][]string{
			{"ask", "--collection", "keys", "How quickly must the on-call engineer answer a page?"},
			{"chat", "--collection", "keys"},
		} {
			t.Run(fmt.Sprintf("%s with a %d-character key", args[0], len(key)), func(t *testing.T) {
				var out, errOut bytes.Buffer
				wd, _ := os.Getwd()
				err := cli.Run(t.Context(), cli.IO{Args: args, Getenv: func(k string) string { return env[k] },
					Stdin: strings.NewReader("How quickly must the on-call engineer answer a page?\n"), Stdout: &out, Stderr: &errOut, Dir: wd})
				shown := fmt.Sprint(err) + "\n" + out.String() + errOut.String()
				if !strings.Contains(shown, "[redacted]") {
					t.Fatalf("the refusal was not reported: %s", shown)
				}
				if strings.Contains(shown, key) {
					t.Errorf("the key %q shows: %s", key, shown)
				}
			})
		}
	}
}
