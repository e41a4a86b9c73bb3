package uselite

import (
	"math"
)

// workspace holds one worker's scratch buffers, sized for the longest
// input so a forward pass allocates nothing but its result.
type workspace struct {
	x, ln, ctx, h []float32 // rows × width (≤ maxWidth)
	qkv, f        []float32 // rows × 3·width, rows × FFN width
	kt, v         []float32 // one head's packed Kᵀ and V
	scores        []float32 // rows × padded length
	pooled, hid   []float32 // rowBlock × output width
}

func roundUp(n, m int) int { return (n + m - 1) / m * m }

// newWorkspace sizes the buffers for net.
func (net *network) newWorkspace() *workspace {
	rows := roundUp(max(net.maxLen, 1), panel)
	wMax, qkvMax, ffnMax, depthMax := net.embDim, 0, 0, 0
	for _, l := range net.layers {
		wMax = max(wMax, l.out.out, l.width)
		qkvMax = max(qkvMax, l.qkv.out)
		ffnMax = max(ffnMax, l.ffn1.out)
		depthMax = max(depthMax, l.depth)
	}
	return &workspace{
		x: make([]float32, rows*wMax), ln: make([]float32, rows*wMax),
		ctx: make([]float32, rows*wMax), h: make([]float32, rows*wMax),
		qkv: make([]float32, rows*qkvMax), f: make([]float32, rows*ffnMax),
		kt: make([]float32, rows*depthMax), v: make([]float32, rows*depthMax),
		scores: make([]float32, rows*rows),
		pooled: make([]float32, rowBlock*net.outWidth), hid: make([]float32, rowBlock*net.outWidth),
	}
}

// forward embeds one token sequence (len(ids) ≤ maxLen) into dst.
func (net *network) forward(ws *workspace, ids []int, dst []float32) {
	t := len(ids)
	// Rows t..t4 pad the sequence to the gemm row block; they are zero
	// on input, never mix into real rows and are ignored at the end.
	t4 := roundUp(t, rowBlock)
	net.embed(ws.x, ids, t4)
	in, width := ws.x, net.embDim
	for i := range net.layers {
		net.layers[i].apply(ws, in, ws.h, t, t4)
		in, width = ws.h, net.layers[i].out.out
	}
	clear(ws.pooled)
	if t > 0 {
		pool := ws.pooled[:width]
		for r := 0; r < t; r++ {
			for j, v := range in[r*width : (r+1)*width] {
				pool[j] += v
			}
		}
		inv := 1 / float32(t)
		for j := range pool {
			pool[j] *= inv
		}
	}
	hd := net.hidden
	fillBias(ws.hid, hd.bias, 1)
	gemm(ws.hid, hd.out, ws.pooled, width, 1, hd.in, hd.w, hd.out)
	var ss float64
	for j, v := range ws.hid[:hd.out] {
		y := float32(math.Tanh(float64(v)))
		dst[j] = y
		ss += float64(y) * float64(y)
	}
	scale := float32(1 / math.Sqrt(math.Max(ss, float64(net.l2Eps))))
	for j := range dst[:hd.out] {
		dst[j] *= scale
	}
}

// embed writes the layer input for each token. The graph's AddTimingSignal
// block adds the sinusoidal signal to the embeddings and its output is
// then added to the embeddings again (TransformerStack/Layer_0/add), so
// the input is 2·embedding + signal.
func (net *network) embed(x []float32, ids []int, t4 int) {
	d, half := net.embDim, net.embDim/2
	clear(x[len(ids)*d : t4*d])
	for t, id := range ids {
		row := x[t*d : (t+1)*d]
		for j, v := range net.emb[id*d : (id+1)*d] {
			row[j] = v + v
		}
		for i, inv := range net.invTime {
			arg := float64(float32(t) * inv)
			row[i] += float32(math.Sin(arg))
			row[half+i] += float32(math.Cos(arg))
		}
	}
}

// apply runs one transformer layer on the t rows of in, writing out.
// out may alias in when the layer keeps its width. Element-wise steps also
// run on the padding rows up to t4 so that those stay finite.
func (l *layer) apply(ws *workspace, in, out []float32, t, t4 int) {
	w, o := l.width, l.out.out
	layerNorm(ws.ln, in, t4, w, l.attnNorm)
	fillBias(ws.qkv, l.qkv.bias, t4)
	gemm(ws.qkv, l.qkv.out, ws.ln, w, t, w, l.qkv.w, l.qkv.out)
	l.attention(ws, t)
	if l.resid != nil {
		// out = ctx·Wo + bo + in·Wd + bd (in and out are distinct here)
		fillBias(out, l.out.bias, t4)
		addBias(out, l.resid.bias, t4)
		gemm(out, o, in, w, t, w, l.resid.w, o)
	} else {
		addBias(out, l.out.bias, t4)
	}
	gemm(out, o, ws.ctx, w, t, w, l.out.w, o)

	layerNorm(ws.ln, out, t4, o, l.ffnNorm)
	f := l.ffn1.out
	fillBias(ws.f, l.ffn1.bias, t4)
	gemm(ws.f, f, ws.ln, o, t, o, l.ffn1.w, f)
	for i, v := range ws.f[:t4*f] {
		if v < 0 {
			ws.f[i] = 0
		}
	}
	addBias(out, l.ffn2.bias, t4)
	gemm(out, o, ws.f, f, t, f, l.ffn2.w, o)
}

// attention computes softmax(q·kᵀ·scale)·v for every head into ws.ctx.
func (l *layer) attention(ws *workspace, t int) {
	w, d := l.width, l.depth
	ld := 3 * w
	tp := roundUp(t, panel)
	for r := 0; r < t; r++ {
		q := ws.qkv[r*ld : r*ld+w]
		for j := range q {
			q[j] *= l.qScale
		}
	}
	clear(ws.ctx[:roundUp(t, rowBlock)*w])
	for h := 0; h < l.heads; h++ {
		packTransposed(ws.kt, ws.qkv[w+h*d:], ld, t, d)
		clear(ws.scores[:roundUp(t, rowBlock)*tp])
		gemm(ws.scores, tp, ws.qkv[h*d:], ld, t, d, ws.kt, tp)
		for r := 0; r < t; r++ {
			softmax(ws.scores[r*tp : r*tp+t])
		}
		packInto(ws.v, ws.qkv[2*w+h*d:], ld, t, d)
		gemm(ws.ctx[h*d:], w, ws.scores, tp, t, t, ws.v, d)
	}
}

// packTransposed packs the d×t matrix Kᵀ, where row j of K (length d) is
// at src[j*lds:], padding t up to a multiple of panel with zeros.
func packTransposed(dst, src []float32, lds, t, d int) {
	np := roundUp(t, panel) / panel
	for p := 0; p < np; p++ {
		blk := dst[p*d*panel : (p+1)*d*panel]
		for jj := 0; jj < panel; jj++ {
			j := p*panel + jj
			if j >= t {
				for k := 0; k < d; k++ {
					blk[k*panel+jj] = 0
				}
				continue
			}
			row := src[j*lds : j*lds+d]
			for k, v := range row {
				blk[k*panel+jj] = v
			}
		}
	}
}

func softmax(row []float32) {
	m := row[0]
	for _, v := range row {
		m = max(m, v)
	}
	var sum float32
	for i, v := range row {
		e := float32(math.Exp(float64(v - m)))
		row[i] = e
		sum += e
	}
	inv := 1 / sum
	for i := range row {
		row[i] *= inv
	}
}

// layerNorm normalises each of the t rows of in (width w) into out.
func layerNorm(out, in []float32, t, w int, n norm) {
	for r := 0; r < t; r++ {
		x, y := in[r*w:(r+1)*w], out[r*w:(r+1)*w]
		var sum float64
		for _, v := range x {
			sum += float64(v)
		}
		mean := float32(sum / float64(w))
		var sq float64
		for _, v := range x {
			dv := float64(v - mean)
			sq += dv * dv
		}
		rs := float32(1 / math.Sqrt(float64(float32(sq/float64(w))+n.eps)))
		for j, v := range x {
			y[j] = n.scale[j]*rs*(v-mean) + n.bias[j]
		}
	}
}

// fillBias sets each of the t rows of c to bias.
func fillBias(c, bias []float32, t int) {
	for r := 0; r < t; r++ {
		copy(c[r*len(bias):(r+1)*len(bias)], bias)
	}
}

// addBias adds bias to each of the t rows of c.
func addBias(c, bias []float32, t int) {
	for r := 0; r < t; r++ {
		row := c[r*len(bias) : (r+1)*len(bias)]
		for j, b := range bias {
			row[j] += b
		}
	}
}
