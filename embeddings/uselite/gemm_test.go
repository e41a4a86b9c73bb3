package uselite

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemm checks the packed kernels against a naive product.
func TestGemm(t *testing.T) {
	for _, tc := range []struct{ m, k, n int }{{1, 1, 16}, {4, 7, 16}, {5, 64, 32}, {13, 256, 48}, {128, 512, 64}} {
		t.Run(fmt.Sprintf("%dx%dx%d", tc.m, tc.k, tc.n), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			rows := roundUp(tc.m, rowBlock)
			a := make([]float32, rows*tc.k)
			w := make([]float32, tc.k*tc.n)
			for i := range a[:tc.m*tc.k] {
				a[i] = rng.Float32() - 0.5
			}
			for i := range w {
				w[i] = rng.Float32() - 0.5
			}
			c := make([]float32, rows*tc.n)
			gemm(c, tc.n, a, tc.k, tc.m, tc.k, packPanels(w, tc.k, tc.n), tc.n)
			for i := 0; i < tc.m; i++ {
				for j := 0; j < tc.n; j++ {
					var want float64
					for kk := 0; kk < tc.k; kk++ {
						want += float64(a[i*tc.k+kk]) * float64(w[kk*tc.n+j])
					}
					if d := math.Abs(float64(c[i*tc.n+j]) - want); d > 1e-4 {
						t.Fatalf("c[%d][%d] = %g, want %g", i, j, c[i*tc.n+j], want)
					}
				}
			}
		})
	}
}
