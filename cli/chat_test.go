package cli_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/citebot/citebot/cli"
	"github.com/citebot/citebot/rag/store/faulttest"
)

// stallingLLM is an OpenAI-compatible chat endpoint whose first reply
// never comes: it waits until the client gives up. Later requests get a
// cited reply. started receives a value when a request arrives.
func stallingLLM(t *testing.T) (url string, started <-chan struct{}) {
	ch := make(chan struct{}, 10)
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so that the server notices the client going away
		ch <- struct{}{}
		if n.Add(1) == 1 {
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"id": "x", "object": "chat.completion", "model": "stall",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": "Pages are answered within fifteen minutes [1]."}}}})
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1", ch
}

// output collects what a chat prints.
type output struct {
	chunks chan string
	seen   strings.Builder
}

func readOutput(r io.Reader) *output {
	o := &output{chunks: make(chan string, 1000)}
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := r.Read(b)
			if n > 0 {
				o.chunks <- string(b[:n])
			}
			if err != nil {
				close(o.chunks)
				return
			}
		}
	}()
	return o
}

// waitFor returns what was printed since the last wait, once it contains
// want.
func (o *output) waitFor(t *testing.T, want string) string {
	t.Helper()
	return o.wait(t, want, func(s string) bool { return strings.Contains(s, want) })
}

// waitPrompt returns what was printed since the last wait, once the chat
// shows its prompt after an answer and waits for input.
func (o *output) waitPrompt(t *testing.T) string {
	t.Helper()
	return o.wait(t, "a prompt", func(s string) bool { return strings.HasSuffix(s, "\n\n> ") })
}

func (o *output) wait(t *testing.T, what string, done func(string) bool) string {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for !done(o.seen.String()) {
		select {
		case c, ok := <-o.chunks:
			if !ok {
				t.Fatalf("output ended without %s:\n%s", what, o.seen.String())
			}
			o.seen.WriteString(c)
		case <-deadline:
			t.Fatalf("no %s within 60s:\n%s", what, o.seen.String())
		}
	}
	got := o.seen.String()
	o.seen.Reset()
	return got
}

func waitStarted(t *testing.T, started <-chan struct{}) {
	t.Helper()
	select {
	case <-started:
	case <-time.After(60 * time.Second):
		t.Fatal("the question never reached the LLM")
	}
}

// TestChatInterrupt: Ctrl-C while a question runs cancels that question
// and the chat goes on with the next one; Ctrl-C while idle ends the chat
// without an error.
func TestChatInterrupt(t *testing.T) {
	env := e2eEnv(t)
	if r := citebot(t, env, "ingest", "--collection", "chat", "../rag/ingest/testdata/corpus"); r.err != nil {
		t.Fatalf("ingest: %v\n%s", r.err, r.stderr)
	}
	url, started := stallingLLM(t)
	env["CITEBOT_LLM_URL"], env["CITEBOT_LLM_MODEL"], env["CITEBOT_COLLECTION"] = url, "stall", "chat"
	for _, cmd := range []string{"chat", "serve"} {
		t.Run(cmd, func(t *testing.T) {
			inR, inW := io.Pipe()
			outR, outW := io.Pipe()
			interrupt := make(chan os.Signal, 1)
			done := make(chan error, 1)
			wd, _ := os.Getwd()
			go func() {
				done <- cli.Run(t.Context(), cli.IO{Args: []string{cmd}, Getenv: func(k string) string { return env[k] },
					Stdin: inR, Stdout: outW, Stderr: io.Discard, Dir: wd, Interrupt: interrupt})
				outW.Close()
			}()
			t.Cleanup(func() { inW.Close() })
			out := readOutput(outR)
			out.waitFor(t, "/help")
			io.WriteString(inW, "How quickly must the on-call engineer answer a page?\n")
			waitStarted(t, started)
			interrupt <- os.Interrupt
			out.waitFor(t, "Cancelled.")
			io.WriteString(inW, "How quickly must the on-call engineer answer a page?\n")
			waitStarted(t, started)
			if got := out.waitPrompt(t); strings.Contains(got, "did not work") || strings.Contains(got, "Cancelled") {
				t.Errorf("the question after an interrupt failed:\n%s", got)
			}
			interrupt <- os.Interrupt
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("chat ended with %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("Ctrl-C at an idle prompt did not end the chat")
			}
		})
		url, started = stallingLLM(t)
		env["CITEBOT_LLM_URL"] = url
	}
}

// TestChatSIGINT sends a real SIGINT to the built binary.
func TestChatSIGINT(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	env := e2eEnv(t)
	if r := citebot(t, env, "ingest", "--collection", "chat", "../rag/ingest/testdata/corpus"); r.err != nil {
		t.Fatalf("ingest: %v\n%s", r.err, r.stderr)
	}
	url, started := stallingLLM(t)
	bin := faulttest.Binary(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "chat", "--collection", "chat", "--llm-url", url, "--llm-model", "stall")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+env["DATABASE_URL"], "CITEBOT_MODEL_DIR="+env["CITEBOT_MODEL_DIR"])
	in, _ := cmd.StdinPipe()
	outR, outW := io.Pipe()
	cmd.Stdout = outW
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := readOutput(outR)
	out.waitFor(t, "/help")
	io.WriteString(in, "How quickly must the on-call engineer answer a page?\n")
	waitStarted(t, started)
	cmd.Process.Signal(syscall.SIGINT)
	out.waitFor(t, "Cancelled.")
	io.WriteString(in, "How quickly must the on-call engineer answer a page?\n")
	waitStarted(t, started)
	if got := out.waitPrompt(t); strings.Contains(got, "did not work") || strings.Contains(got, "Cancelled") {
		t.Errorf("the question after SIGINT failed:\n%s", got)
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	outW.Close()
	if err != nil || ctx.Err() != nil {
		t.Errorf("chat after SIGINT at the prompt: %v (%v)", err, ctx.Err())
	}
}
