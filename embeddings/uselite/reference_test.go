package uselite

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// referenceTolerance is the largest allowed absolute difference between a
// Go vector component and the reference JavaScript one.
const referenceTolerance = 1e-5

type referenceCase struct {
	Text   string    `json:"text"`
	IDs    []int     `json:"ids"`
	Vector []float64 `json:"vector"`
}

type referenceFile struct {
	Cases      []referenceCase `json:"cases"`
	TokenCases []referenceCase `json:"tokenCases"`
}

func loadReference(t *testing.T) []referenceCase {
	return loadReferenceFile(t).Cases
}

func loadReferenceFile(t *testing.T) referenceFile {
	t.Helper()
	data, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref referenceFile
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) < 25 {
		t.Fatalf("reference has %d cases, want at least 25", len(ref.Cases))
	}
	return ref
}

func maxAbsDiff(got []float32, want []float64) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var m float64
	for i := range got {
		m = math.Max(m, math.Abs(float64(got[i])-want[i]))
	}
	return m
}

func TestReferenceTokenIDs(t *testing.T) {
	e := loadTestEncoder(t)
	ref := loadReferenceFile(t)
	for i, c := range append(ref.Cases, ref.TokenCases...) {
		t.Run(fmt.Sprintf("%02d", i), func(t *testing.T) {
			if diff := cmp.Diff(c.IDs, e.Tokenize(c.Text)); diff != "" {
				t.Errorf("Tokenize(%q) mismatch (-want +got):\n%s", c.Text, diff)
			}
			if got := e.CountTokens(c.Text); got != len(c.IDs) {
				t.Errorf("CountTokens(%q) = %d, want %d", c.Text, got, len(c.IDs))
			}
		})
	}
}

func TestReferenceVectors(t *testing.T) {
	e := loadTestEncoder(t, WithLogger(slog.New(slog.DiscardHandler)))
	cases := loadReference(t)
	texts := make([]string, len(cases))
	for i, c := range cases {
		texts[i] = c.Text
	}
	batch, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	var worst float64
	for i, c := range cases {
		t.Run(fmt.Sprintf("%02d", i), func(t *testing.T) {
			single, err := e.Embed(context.Background(), []string{c.Text})
			if err != nil {
				t.Fatal(err)
			}
			for name, got := range map[string][]float32{"single": single[0], "batch": batch[i]} {
				d := maxAbsDiff(got, c.Vector)
				worst = math.Max(worst, d)
				if d > referenceTolerance {
					t.Errorf("%s Embed(%.40q): max abs diff %.3g > %g", name, c.Text, d, referenceTolerance)
				}
			}
		})
	}
	t.Logf("max abs diff over %d reference vectors: %.3g", len(cases), worst)
}
