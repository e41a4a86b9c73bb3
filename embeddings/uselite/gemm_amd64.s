#include "textflag.h"

// func kernel4x16AVX2(k int, a *float32, lda int, b *float32, c *float32, ldc int)
//
// c[r][0:16] += sum over kk < k of a[r*lda+kk] * b[kk*16 : kk*16+16], r = 0..3.
// b is one packed panel (k rows of 16 floats). k must be at least 1.
TEXT ·kernel4x16AVX2(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), DX
	MOVQ b+24(FP), DI
	MOVQ c+32(FP), R8
	MOVQ ldc+40(FP), R9
	SHLQ $2, DX
	SHLQ $2, R9
	LEAQ (SI)(DX*2), R10
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

loop:
	VMOVUPS      (DI), Y8
	VMOVUPS      32(DI), Y9
	VBROADCASTSS (SI), Y10
	VFMADD231PS  Y8, Y10, Y0
	VFMADD231PS  Y9, Y10, Y1
	VBROADCASTSS (SI)(DX*1), Y11
	VFMADD231PS  Y8, Y11, Y2
	VFMADD231PS  Y9, Y11, Y3
	VBROADCASTSS (R10), Y12
	VFMADD231PS  Y8, Y12, Y4
	VFMADD231PS  Y9, Y12, Y5
	VBROADCASTSS (R10)(DX*1), Y13
	VFMADD231PS  Y8, Y13, Y6
	VFMADD231PS  Y9, Y13, Y7
	ADDQ         $4, SI
	ADDQ         $4, R10
	ADDQ         $64, DI
	DECQ         CX
	JNZ          loop

	VADDPS  (R8), Y0, Y0
	VMOVUPS Y0, (R8)
	VADDPS  32(R8), Y1, Y1
	VMOVUPS Y1, 32(R8)
	ADDQ    R9, R8
	VADDPS  (R8), Y2, Y2
	VMOVUPS Y2, (R8)
	VADDPS  32(R8), Y3, Y3
	VMOVUPS Y3, 32(R8)
	ADDQ    R9, R8
	VADDPS  (R8), Y4, Y4
	VMOVUPS Y4, (R8)
	VADDPS  32(R8), Y5, Y5
	VMOVUPS Y5, 32(R8)
	ADDQ    R9, R8
	VADDPS  (R8), Y6, Y6
	VMOVUPS Y6, (R8)
	VADDPS  32(R8), Y7, Y7
	VMOVUPS Y7, 32(R8)
	VZEROUPPER
	RET
