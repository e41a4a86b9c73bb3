package uselite

import "golang.org/x/sys/cpu"

// kernel4x16AVX2 is the AVX2/FMA micro-kernel in gemm_amd64.s; it has the
// contract of kernel4x16Go with raw pointers and k ≥ 1.
//
//go:noescape
func kernel4x16AVX2(k int, a *float32, lda int, b *float32, c *float32, ldc int)

// kernel4x16 uses the assembly kernel when the CPU has AVX2 and FMA, after
// checking in Go that every access is in bounds.
func kernel4x16(k int, a []float32, lda int, b []float32, c []float32, ldc int) {
	if k <= 0 {
		return
	}
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA {
		kernel4x16Go(k, a, lda, b, c, ldc)
		return
	}
	_ = a[3*lda+k-1]
	_ = b[k*panel-1]
	_ = c[3*ldc+panel-1]
	kernel4x16AVX2(k, &a[0], lda, &b[0], &c[0], ldc)
}
