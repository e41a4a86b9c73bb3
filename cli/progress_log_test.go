package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/rag/ingest"
)

// TestProgressBarAndLogs: a log record written while the bar is drawn
// clears the bar's line first and draws the bar again after it.
func TestProgressBarAndLogs(t *testing.T) {
	tests := []struct {
		name string
		tty  bool
		want string
	}{
		{"terminal", true, "\r\033[Kingest: something happened\n\r[" + strings.Repeat("█", 12) + strings.Repeat("░", 12) + "] 1/2 files"},
		{"not a terminal", false, "ingest: 1/2 files  4 chunks  2.0 chunks/s  ETA 2s\ningest: something happened\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			b := newProgressBar(&out, tc.tty)
			b.update(ingest.Progress{Done: 1, Total: 2, Chunks: 4, Elapsed: 2 * time.Second})
			drawn := out.Len()
			b.Write([]byte("ingest: something happened\n"))
			got := out.String()
			if tc.tty {
				got = got[drawn:]
			}
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("output = %q, want it to start with %q", got, tc.want)
			}
		})
	}
}
