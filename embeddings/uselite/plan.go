package uselite

import (
	"fmt"
)

// Node-name prefixes of the USE-lite graph.
const (
	konaPrefix   = "module_apply_default/Encoder_en/KonaTransformer/"
	layerPrefix  = konaPrefix + "Encode/TransformerStack/Layer_%d/TransformerLayer/"
	hiddenPrefix = "module_apply_default/Encoder_en/hidden_layers/"
)

// dense is a fully connected layer y = x·W + b with W packed for gemm.
type dense struct {
	in, out int
	w       []float32 // packed by packPanels
	bias    []float32
}

// norm is a layer normalisation's scale, bias and epsilon.
type norm struct {
	scale, bias []float32
	eps         float32
}

// layer is one transformer layer (pre-norm attention, then pre-norm FFN).
type layer struct {
	width        int // attention width (layer input width)
	heads, depth int
	qScale       float32
	attnNorm     norm
	qkv, out     dense
	resid        *dense // nil: identity residual
	ffnNorm      norm
	ffn1, ffn2   dense
}

// network is the compiled plan: the weights bound to their roles and the
// hyper-parameters read from the graph's constants.
type network struct {
	maxLen   int
	embDim   int
	vocab    int
	emb      []float32 // vocab × embDim
	invTime  []float32 // embDim/2 inverse timescales
	layers   []layer
	hidden   dense
	l2Eps    float32
	outWidth int
}

// compile binds the graph's constants to the plan and checks shapes.
func compile(g *graph) (*network, error) {
	net := &network{}
	maxLen, err := g.scalar(konaPrefix+"ClipToMaxLength/Less", "Less", 1)
	if err != nil {
		return nil, err
	}
	net.maxLen = int(maxLen)
	embName, err := g.input(konaPrefix+"Encode/embedding_lookup", "GatherV2", 0)
	if err != nil {
		return nil, err
	}
	emb := g.tensors[embName]
	if len(emb.shape) != 2 || emb.f32 == nil {
		return nil, fmt.Errorf("compile graph: embedding table %q has shape %v", embName, emb.shape)
	}
	net.vocab, net.embDim, net.emb = emb.shape[0], emb.shape[1], emb.f32
	net.invTime, err = g.floats(konaPrefix+"Encode/TransformerStack/Layer_0/AddTimingSignal/TimingSignal/mul_2", "Mul", 1, 1, net.embDim/2)
	if err != nil {
		return nil, err
	}
	width := net.embDim
	for l := 0; ; l++ {
		if _, ok := g.nodes[fmt.Sprintf(layerPrefix, l)+"MultiheadAttention/mul"]; !ok {
			break
		}
		ly, err := compileLayer(g, l, width)
		if err != nil {
			return nil, err
		}
		net.layers = append(net.layers, ly)
		width = ly.out.out
	}
	if len(net.layers) == 0 {
		return nil, fmt.Errorf("compile graph: no transformer layers found")
	}
	if net.hidden, err = compileDense(g, hiddenPrefix+"tanh_layer_0/", width); err != nil {
		return nil, err
	}
	net.outWidth = width
	l2, err := g.scalar(hiddenPrefix+"l2_normalize/Maximum", "Maximum", 1)
	net.l2Eps = float32(l2)
	return net, err
}

func compileLayer(g *graph, l, width int) (layer, error) {
	p := fmt.Sprintf(layerPrefix, l)
	ly := layer{width: width}
	var err error
	if ly.attnNorm, err = compileNorm(g, p+"layer_prepostprocess/layer_norm/", width); err != nil {
		return ly, err
	}
	if ly.qkv, err = compileDense(g, p+"MultiheadAttention/qkv_transform_single/", width); err != nil {
		return ly, err
	}
	if ly.qkv.out != 3*width {
		return ly, fmt.Errorf("compile graph: layer %d qkv width %d, want %d", l, ly.qkv.out, 3*width)
	}
	if ly.heads, ly.depth, ly.qScale, err = compileHeads(g, p); err != nil {
		return ly, err
	}
	if ly.heads*ly.depth != width || ly.depth%16 != 0 {
		return ly, fmt.Errorf("compile graph: layer %d has %d heads of %d for width %d", l, ly.heads, ly.depth, width)
	}
	if ly.out, err = compileDense(g, p+"MultiheadAttention/output_transform_single/", width); err != nil {
		return ly, err
	}
	if _, ok := g.nodes[p+"AdjustResidualInput/dense/MatMul"]; ok {
		r, err := compileDense(g, p+"AdjustResidualInput/dense/", width)
		if err != nil {
			return ly, err
		}
		ly.resid = &r
	} else if ly.out.out != width {
		return ly, fmt.Errorf("compile graph: layer %d changes width without a residual projection", l)
	}
	if ly.ffnNorm, err = compileNorm(g, p+"FFN/layer_prepostprocess/layer_norm/", ly.out.out); err != nil {
		return ly, err
	}
	if ly.ffn1, err = compileDense(g, p+"FFN/conv1/", ly.out.out); err != nil {
		return ly, err
	}
	ly.ffn2, err = compileDense(g, p+"FFN/conv2/", ly.ffn1.out)
	if err == nil && ly.ffn2.out != ly.out.out {
		err = fmt.Errorf("compile graph: layer %d FFN output width %d, want %d", l, ly.ffn2.out, ly.out.out)
	}
	return ly, err
}

// compileHeads reads the head count, head depth and query scale.
func compileHeads(g *graph, p string) (heads, depth int, scale float32, err error) {
	shape := p + "MultiheadAttention/split_heads/split_last_dimension/Reshape/shape"
	h, err := g.scalar(shape, "Pack", 2)
	if err != nil {
		return 0, 0, 0, err
	}
	d, err := g.scalar(shape, "Pack", 3)
	if err != nil {
		return 0, 0, 0, err
	}
	s, err := g.scalar(p+"MultiheadAttention/mul", "Mul", 1)
	return int(h), int(d), float32(s), err
}

// compileNorm binds a layer_norm block: Mul(scale, Rsqrt),
// Add(Mean_1, eps) and Add(mul_1, bias).
func compileNorm(g *graph, p string, width int) (norm, error) {
	var n norm
	var err error
	if n.scale, err = g.floats(p+"mul", "Mul", 0, width); err != nil {
		return n, err
	}
	if n.bias, err = g.floats(p+"add_1", "Add", 1, width); err != nil {
		return n, err
	}
	eps, err := g.scalar(p+"add", "Add", 1)
	n.eps = float32(eps)
	return n, err
}

// compileDense binds a dense layer below prefix p: either a 1×1 Conv2D
// ("Conv2D" + "BiasAdd"), a Tensordot MatMul ("Tensordot/MatMul" +
// "BiasAdd") or a plain "MatMul" + "BiasAdd".
func compileDense(g *graph, p string, in int) (dense, error) {
	var matNode, op string
	for _, c := range []struct{ name, op string }{{"Conv2D", "Conv2D"}, {"Tensordot/MatMul", "MatMul"}, {"MatMul", "MatMul"}} {
		if n, ok := g.nodes[p+c.name]; ok && n.Op == c.op {
			matNode, op = p+c.name, c.op
			break
		}
	}
	if matNode == "" {
		return dense{}, fmt.Errorf("compile graph: no matrix product under %q", p)
	}
	wName, err := g.input(matNode, op, 1)
	if err != nil {
		return dense{}, err
	}
	w := g.tensors[wName]
	shape := w.shape
	if op == "Conv2D" && len(shape) == 4 && shape[0] == 1 && shape[1] == 1 {
		shape = shape[2:]
	}
	if len(shape) != 2 || shape[0] != in || w.f32 == nil || shape[1]%16 != 0 {
		return dense{}, fmt.Errorf("compile graph: weight %q has shape %v, want [%d, n×16]", wName, w.shape, in)
	}
	d := dense{in: in, out: shape[1], w: packPanels(w.f32, in, shape[1])}
	d.bias, err = g.floats(p+"BiasAdd", "BiasAdd", 1, d.out)
	return d, err
}
