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

// TestKernelGoMatchesDispatch checks the portable kernel, which the
// dispatching kernel4x16 replaces with assembly on AVX2 machines.
func TestKernelGoMatchesDispatch(t *testing.T) {
	for _, k := range []int{1, 3, 64, 257} {
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, uint64(k)))
			const lda, ldc = 300, 40
			a := make([]float32, 4*lda)
			b := make([]float32, k*panel)
			for i := range a {
				a[i] = rng.Float32() - 0.5
			}
			for i := range b {
				b[i] = rng.Float32() - 0.5
			}
			c1, c2 := make([]float32, 4*ldc), make([]float32, 4*ldc)
			for i := range c1 {
				c1[i] = float32(i)
				c2[i] = float32(i)
			}
			kernel4x16Go(k, a, lda, b, c1, ldc)
			kernel4x16(k, a, lda, b, c2, ldc)
			for i := range c1 {
				if d := math.Abs(float64(c1[i] - c2[i])); d > 1e-4 {
					t.Fatalf("c[%d]: go %g, dispatch %g", i, c1[i], c2[i])
				}
			}
		})
	}
}
