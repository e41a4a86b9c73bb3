package cli_test

import (
	"strings"
	"testing"
)

// TestCommandHelpShowsItsOwnFlagsFirst: `ingest -h` lists ingest's flags
// before the settings every command shares.
func TestCommandHelpShowsItsOwnFlagsFirst(t *testing.T) {
	tests := []struct{ cmd, own string }{
		{"ingest", "-exact"},
		{"ask", "-json"},
		{"search", "-k int"},
	}
	for _, tc := range tests {
		t.Run(tc.cmd, func(t *testing.T) {
			r := citebot(t, nil, tc.cmd, "-h")
			out := r.stderr
			own, group, shared := strings.Index(out, tc.own), strings.Index(out, "Settings every command shares"),
				strings.Index(out, "-database-url")
			if !strings.Contains(out, "Flags of "+tc.cmd) || own < 0 || group < 0 || shared < 0 || !(own < group && group < shared) {
				t.Errorf("%s -h:\n%s", tc.cmd, out)
			}
		})
	}
}
