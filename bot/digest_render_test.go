package bot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestWeeks(t *testing.T) {
	tests := []struct {
		at       string
		week     string // weekOf
		lastWeek string
	}{
		{"2026-11-30T00:00:00Z", "2026-11-30", "2026-11-23"}, // Monday midnight starts a week
		{"2026-11-29T23:59:59Z", "2026-11-23", "2026-11-16"}, // Sunday night is the week before
		{"2026-12-02T15:04:05Z", "2026-11-30", "2026-11-23"},
		{"2026-12-06T23:30:00-05:00", "2026-12-07", "2026-11-30"}, // Sunday in New York, Monday in UTC
		{"2027-01-01T12:00:00Z", "2026-12-28", "2026-12-21"},      // across the year
	}
	for _, tt := range tests {
		t.Run(tt.at, func(t *testing.T) {
			at, err := time.Parse(time.RFC3339, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			if got := weekOf(at).Format(time.DateOnly); got != tt.week {
				t.Errorf("weekOf = %s, want %s", got, tt.week)
			}
			if got := lastWeek(at).Format(time.DateOnly); got != tt.lastWeek {
				t.Errorf("lastWeek = %s, want %s", got, tt.lastWeek)
			}
		})
	}
}

func TestDigestGolden(t *testing.T) {
	week := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	gaps := []DigestGap{{Count: 4, Example: "how do I rotate the *API* keys?"}, {Count: 2, Example: "vpn\non   linux"},
		{Count: 1, Example: "@everyone " + strings.Repeat("long ", 60)}}
	for i := range 4 {
		gaps = append(gaps, DigestGap{Count: 1, Example: "more " + string(rune('a'+i))})
	}
	tests := []struct {
		name string
		got  rendered
	}{
		{"digest", renderDigest(week, DigestStats{Questions: 12, Refused: 3, Helpful: 5, Unhelpful: 2}, gaps, true)},
		{"digest_quiet", renderDigest(week, DigestStats{}, nil, true)},
		{"digest_no_gaps_report", renderDigest(week, DigestStats{Questions: 1, Helpful: 1}, nil, false)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(tt.got.Content+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if diff := cmp.Diff(string(want), tt.got.Content+"\n"); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
			}
			if len(tt.got.Embeds) != 0 || len(tt.got.Components) != 0 {
				t.Errorf("digest has embeds or components: %+v", tt.got)
			}
		})
	}
}
