package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/citebot/citebot/rag/store/faulttest"
)

const (
	killDocs  = 300
	killAfter = 20 // documents stored before the process is killed
	// killTimeout bounds each run of the binary on a loaded machine.
	killTimeout = 10 * time.Minute
)

// TestIngestSurvivesKill builds the citebot binary, SIGKILLs `citebot
// ingest` once some documents of a few hundred are stored, and checks that
// every stored document is whole, that a re-run adds exactly the missing
// ones, and that the result equals a clean ingest of the same files.
func TestIngestSurvivesKill(t *testing.T) {
	if dbURL == "" {
		faulttest.SkipOrFail(t, "no database: run `make db` (or set DATABASE_URL)")
	}
	model := faulttest.ModelDir(t)
	bin := faulttest.Binary(t)
	url := faulttest.Database(t, dbURL, fmt.Sprintf("citebot_test_kill_%d", os.Getpid()))
	dir := writeCorpus(t, killDocs)
	env := append(os.Environ(), "DATABASE_URL="+url, "CITEBOT_MODEL_DIR="+model, "CITEBOT_LOG_LEVEL=warn")

	killed := killMidIngest(t, bin, env, dir)
	t.Logf("killed after %d of %d documents", len(killed), killDocs)
	faulttest.AssertIntegrity(t, url)

	out := runIngest(t, bin, env, "kill", dir)
	if want := fmt.Sprintf("%d added, 0 changed, %d unchanged, 0 removed, 0 failed, 0 skipped", killDocs-len(killed), len(killed)); !strings.Contains(out, want) {
		t.Errorf("re-run printed %q, want %q", out, want)
	}
	final := documents(t, url, "kill")
	if len(final) != killDocs {
		t.Errorf("%d documents after the re-run, want %d", len(final), killDocs)
	}
	for src, d := range killed {
		if final[src] != d {
			t.Errorf("%s changed in the re-run: %+v, then %+v", src, d, final[src])
		}
	}
	runIngest(t, bin, env, "reference", dir)
	reference := documents(t, url, "reference")
	for src, want := range reference {
		if got := final[src]; got != want {
			t.Errorf("%s: %+v after the kill and re-run, %+v in a clean ingest", src, got, want)
		}
	}
	faulttest.AssertIntegrity(t, url)
}

// killMidIngest starts an ingest of dir, SIGKILLs it once killAfter
// documents are stored, and returns the documents stored then.
func killMidIngest(t *testing.T, bin string, env []string, dir string) map[string]faulttest.Doc {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), killTimeout)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "ingest", "--collection", "kill", dir)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	url := envValue(env, "DATABASE_URL")
	for {
		select {
		case err := <-exited:
			t.Fatalf("ingest ended (%v) before %d documents were stored:\n%s", err, killAfter, out.String())
		case <-ctx.Done():
			t.Fatalf("fewer than %d documents stored within %s:\n%s", killAfter, killTimeout, out.String())
		case <-time.After(20 * time.Millisecond): // poll, not timing
		}
		if len(documents(t, url, "kill")) >= killAfter {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := <-exited; err == nil {
		t.Fatal("ingest finished before it was killed; make the corpus larger")
	}
	stored := documents(t, url, "kill")
	if len(stored) >= killDocs {
		t.Fatalf("all %d documents stored before the kill", len(stored))
	}
	return stored
}

// runIngest runs `citebot ingest` to completion and returns its output.
func runIngest(t *testing.T, bin string, env []string, collection, dir string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), killTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "ingest", "--collection", collection, dir)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("citebot ingest --collection %s: %v\n%s", collection, err, out)
	}
	return summaryLine.FindString(string(out))
}

// summaryLine is the line `citebot ingest` ends with.
var summaryLine = regexp.MustCompile(`collection "[^"]*": \d+ added, \d+ changed, \d+ unchanged, \d+ removed, \d+ failed, \d+ skipped`)

func documents(t *testing.T, url, collection string) map[string]faulttest.Doc {
	t.Helper()
	docs, err := faulttest.Documents(t.Context(), url, collection)
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

func envValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val // the last one wins, as for the process
		}
	}
	return v
}
