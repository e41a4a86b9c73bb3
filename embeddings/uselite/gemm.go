package uselite

// panel is the column width of a packed matrix panel and of the gemm
// micro-kernel; rowBlock is the micro-kernel's row count.
const (
	panel    = 16
	rowBlock = 4
)

// packPanels copies the row-major k×n matrix w (n a multiple of panel)
// into panels of 16 columns: panel p holds rows 0..k-1 of columns
// 16p..16p+15, contiguous, so the kernel streams it linearly.
func packPanels(w []float32, k, n int) []float32 {
	out := make([]float32, k*n)
	packInto(out, w, n, k, n)
	return out
}

// packInto packs the k×n block of src (row stride lds) into dst, padding
// the columns up to a multiple of panel with zeros.
func packInto(dst, src []float32, lds, k, n int) {
	np := (n + panel - 1) / panel
	for p := 0; p < np; p++ {
		base := p * k * panel
		for kk := 0; kk < k; kk++ {
			row := dst[base+kk*panel : base+kk*panel+panel]
			s := src[kk*lds:]
			for j := range row {
				if c := p*panel + j; c < n {
					row[j] = s[c]
				} else {
					row[j] = 0
				}
			}
		}
	}
}

// gemm adds a·B to c, where a is m×k (row stride lda), B is k×n packed by
// packInto and c is m×n (row stride ldc). Rows are done four at a time:
// a and c must have room for m rounded up to a multiple of four rows;
// values in the padding rows are computed and ignored.
func gemm(c []float32, ldc int, a []float32, lda int, m, k int, b []float32, n int) {
	np := (n + panel - 1) / panel
	for p := 0; p < np; p++ {
		bp := b[p*k*panel : (p+1)*k*panel]
		for i := 0; i < m; i += rowBlock {
			kernel4x16(k, a[i*lda:], lda, bp, c[i*ldc+p*panel:], ldc)
		}
	}
}

// kernel4x16Go is the portable micro-kernel: c[r][0:16] += Σ_k a[r][k]·b[k][0:16]
// for r in 0..3.
func kernel4x16Go(k int, a []float32, lda int, b []float32, c []float32, ldc int) {
	var acc [rowBlock][panel]float32
	a0, a1, a2, a3 := a[:k], a[lda:lda+k], a[2*lda:2*lda+k], a[3*lda:3*lda+k]
	for kk := 0; kk < k; kk++ {
		bb := (*[panel]float32)(b[kk*panel : kk*panel+panel])
		x0, x1, x2, x3 := a0[kk], a1[kk], a2[kk], a3[kk]
		for j := range bb {
			acc[0][j] += x0 * bb[j]
			acc[1][j] += x1 * bb[j]
			acc[2][j] += x2 * bb[j]
			acc[3][j] += x3 * bb[j]
		}
	}
	for r := range acc {
		row := c[r*ldc : r*ldc+panel]
		for j := range row {
			row[j] += acc[r][j]
		}
	}
}
