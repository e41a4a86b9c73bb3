package report

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkCluster groups a gap report's most questions (store's default
// limit, 500) of the local model's dimension (512).
func BenchmarkCluster(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	vecs := make([][]float32, 500)
	for i := range vecs {
		vecs[i] = make([]float32, 512)
		for j := range vecs[i] {
			vecs[i][j] = float32(r.NormFloat64())
		}
	}
	for b.Loop() {
		cluster(vecs, DefaultThreshold)
	}
}
