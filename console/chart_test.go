package console

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/citebot/citebot/rag/store"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestChartsGolden(t *testing.T) {
	first := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	week := 7 * 24 * time.Hour
	got := []store.Bucket{{Start: first, N: 4, Hits: 3}, {Start: first.Add(2 * week), N: 2, Hits: 0}}
	tests := []struct {
		name string
		svg  string
	}{
		{"helpful_rate", string(barChart("Helpful rate <per week>", rateBars(fillPeriods(got, first, week, 4), "Jan 2"), 100))},
		{"counts", string(barChart("Refusals per week", countBars(fillPeriods(got, first, week, 4), "Jan 2", true), 0))},
		{"empty", string(barChart("Questions per day", nil, 0))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join("testdata", tc.name+".golden.svg")
			if *update {
				if err := os.WriteFile(path, []byte(tc.svg+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), tc.svg+"\n"); diff != "" {
				t.Errorf("chart differs from %s (-want +got):\n%s", path, diff)
			}
		})
	}
}

func TestWeekStart(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2026-12-01T21:00:00Z", "2026-11-30"}, // a Tuesday
		{"2026-11-30T00:00:00Z", "2026-11-30"}, // a Monday
		{"2026-12-06T23:59:59Z", "2026-11-30"}, // a Sunday
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			in, _ := time.Parse(time.RFC3339, tc.in)
			if got := weekStart(in).Format("2006-01-02"); got != tc.want {
				t.Errorf("weekStart(%s) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}
