package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citebot/citebot/rag/ingest"
	"github.com/citebot/citebot/rag/loader"
	"github.com/citebot/citebot/rag/loader/loadertest"
	"github.com/citebot/citebot/rag/store/faulttest"
)

// TestIngestHostileFiles: a cyclic PDF, a stream bomb and files over the
// text and chunk caps each fail with an error naming the file and the
// cap, and the good files of the same run land.
func TestIngestHostileFiles(t *testing.T) {
	m := &countingModel{name: "count-8d", dim: 8}
	_, s := newIngester(t, m)
	dir := corpus(t)
	files := map[string][]byte{
		"cyclic.pdf":   loadertest.CyclicPDF(),
		"bomb.pdf":     loadertest.StreamBomb(16 << 20),
		"long.txt":     []byte(strings.Repeat("x", 3<<20)),
		"manyword.txt": []byte(strings.Repeat("word ", 200_000)),
	}
	for name, b := range files {
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	capped := ingest.New(s, m, ingest.Config{Overlap: 4, MaxChunks: 1000, Loader: loader.Options{MaxTextBytes: 2 << 20}})
	sum := run(t, capped, "hostile", ingest.Options{}, dir)
	if sum.Added != 3 || sum.Failed != len(files) {
		t.Fatalf("summary %+v, want the 3 good files added and %d failed", sum, len(files))
	}
	want := map[string]string{
		"bomb.pdf":     "text over the 2097152-byte cap",
		"cyclic.pdf":   "page tree",
		"long.txt":     "text over the 2097152-byte cap",
		"manyword.txt": "over the 1000-chunk cap",
	}
	for _, f := range sum.Failures {
		name := filepath.Base(f.Source)
		if !strings.Contains(f.Err, want[name]) || !strings.Contains(f.Err, name) {
			t.Errorf("%s: error %q, want one naming the file and %q", name, f.Err, want[name])
		}
	}
}

// TestIngestRawHash: an unchanged file is recognised from its bytes
// before it is parsed: here a parse would fail, on a cap that a run with
// the same chunking and model but a smaller text cap sets.
func TestIngestRawHash(t *testing.T) {
	m := &countingModel{name: "count-8d", dim: 8}
	in, s := newIngester(t, m)
	dir := corpus(t)
	pdf := filepath.Join(dir, "policy.pdf")
	os.WriteFile(pdf, loadertest.TextPDF([]string{"Expense policy", "Receipts are needed."}), 0o644)
	if sum := run(t, in, "raw", ingest.Options{}, dir); sum.Added != 4 {
		t.Fatalf("first ingest %+v", sum)
	}
	tiny := ingest.New(s, m, ingest.Config{Overlap: 4, Loader: loader.Options{MaxTextBytes: 4}})
	if sum := run(t, tiny, "raw", ingest.Options{}, dir); sum.Unchanged != 4 || sum.Failed != 0 {
		t.Fatalf("re-ingest parsed files: %+v", sum)
	}
	os.WriteFile(pdf, loadertest.TextPDF([]string{"Expense policy", "Receipts are always needed."}), 0o644)
	sum := run(t, tiny, "raw", ingest.Options{}, dir)
	if sum.Unchanged != 3 || sum.Failed != 1 || !strings.Contains(sum.Failures[0].Err, "4-byte cap") {
		t.Fatalf("a changed file was not parsed again: %+v", sum)
	}
}

// TestIngestWalkSkips: an unreadable or looping entry is skipped and
// counted, the rest ingested; a symlinked root folder is accepted.
func TestIngestWalkSkips(t *testing.T) {
	m := &countingModel{name: "count-8d", dim: 8}
	in, _ := newIngester(t, m)
	dir := corpus(t)
	if err := os.Symlink(dir, filepath.Join(dir, "loop")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(t.TempDir(), filepath.Join(dir, "outside")); err != nil {
		t.Fatal(err)
	}
	linked := filepath.Join(t.TempDir(), "linked")
	if err := os.Symlink(dir, linked); err != nil {
		t.Fatal(err)
	}
	sum := run(t, in, "walk", ingest.Options{}, linked)
	if sum.Added != 3 || sum.Skipped != 2 || sum.Failed != 0 {
		t.Fatalf("summary %+v, want 3 added and 2 skipped", sum)
	}
	got := fmt.Sprint(sum.Skips)
	for _, want := range []string{loader.ErrLinkLoop.Error(), loader.ErrOutsideRoot.Error()} {
		if !strings.Contains(got, want) {
			t.Errorf("skips %s, want %q among them", got, want)
		}
	}
}

// TestBinaryHostileFolder runs `citebot ingest` (PDFs parsed in its
// worker process) on a folder with a cyclic PDF and a file whose name
// holds a newline and a forged summary: the PDF fails, the rest lands, and
// every name is printed quoted, so the output has one summary line.
func TestBinaryHostileFolder(t *testing.T) {
	if dbURL == "" {
		faulttest.SkipOrFail(t, "no database: run `make db` (or set DATABASE_URL)")
	}
	model := faulttest.ModelDir(t)
	bin := faulttest.Binary(t)
	url := faulttest.Database(t, dbURL, fmt.Sprintf("citebot_test_hostile_%d", os.Getpid()))
	dir := corpus(t)
	os.WriteFile(filepath.Join(dir, "cyclic.pdf"), loadertest.CyclicPDF(), 0o644)
	os.WriteFile(filepath.Join(dir, "x\ncollection \"forged\": 99 added.md"), []byte("# Forged\n\ntext"), 0o644)
	ctx, cancel := context.WithTimeout(t.Context(), killTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "ingest", "--collection", "hostile", dir)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+url, "CITEBOT_MODEL_DIR="+model, "CITEBOT_LOG_LEVEL=error")
	out, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1 for a failed file\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	wantFailed := fmt.Sprintf("failed: %q: ", filepath.Join(dir, "cyclic.pdf"))
	if len(lines) != 2 || !strings.HasPrefix(lines[0], wantFailed) || !strings.Contains(lines[0], "page tree") {
		t.Errorf("output:\n%s\nwant a line starting %s saying why, then the summary", out, wantFailed)
	}
	if !strings.Contains(lines[len(lines)-1], `collection "hostile": 4 added, 0 changed, 0 unchanged, 0 removed, 1 failed, 0 skipped`) {
		t.Errorf("summary %q", lines[len(lines)-1])
	}
}
