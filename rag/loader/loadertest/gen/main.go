// Command gen writes the hostile inputs of issue 19 that `make bench`
// (scripts/bench.sh) ingests to measure peak memory, into the folder given:
// a PDF stream bomb of about 611 kB, a 19.9 MB line without spaces and a
// DOCX of about 9.6 MB that passes the compression-ratio check; and, as
// the largest input that is accepted, prose.txt: 5 MB of varied prose,
// just under the default text cap.
//
//	go run ./rag/loader/loadertest/gen DIR
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/citebot/citebot/rag/eval"
	"github.com/citebot/citebot/rag/loader"
	"github.com/citebot/citebot/rag/loader/loadertest"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen DIR")
		os.Exit(2)
	}
	if err := write(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func write(dir string) error {
	if err := os.WriteFile(filepath.Join(dir, "stream-bomb.pdf"), loadertest.StreamBomb(200<<20), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "long-line.txt"), []byte(strings.Repeat("x", 19_900_000)), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "prose.txt"), []byte(prose(loader.DefaultMaxTextBytes-1024)), 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "words.docx"))
	if err != nil {
		return err
	}
	if err := loadertest.WordsDOCX(f, 17_600_000); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// prose is distractor documents, none repeated, up to n bytes.
func prose(n int) string {
	var b strings.Builder
	for _, d := range eval.Distractors(20_000, 19) {
		if b.Len()+len(d.Text)+2 > n {
			break
		}
		b.WriteString(d.Text + "\n\n")
	}
	return b.String()
}
