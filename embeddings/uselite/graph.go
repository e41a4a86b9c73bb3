package uselite

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
)

// graphJSON is the part of a TensorFlow.js model.json that Load reads.
type graphJSON struct {
	ModelTopology struct {
		Node []graphNode `json:"node"`
	} `json:"modelTopology"`
	WeightsManifest []struct {
		Paths   []string     `json:"paths"`
		Weights []weightSpec `json:"weights"`
	} `json:"weightsManifest"`
}

type graphNode struct {
	Name  string   `json:"name"`
	Op    string   `json:"op"`
	Input []string `json:"input"`
}

type weightSpec struct {
	Name         string          `json:"name"`
	Shape        []int           `json:"shape"`
	Dtype        string          `json:"dtype"`
	Quantization json.RawMessage `json:"quantization"`
}

// tensor is one constant of the graph, float32 or int32.
type tensor struct {
	shape []int
	f32   []float32
	i32   []int32
}

// supportedOps is every op of the USE-lite graph. The compiled plan
// (network) implements the computation these ops describe; a model.json
// that uses any other op is rejected rather than run wrongly.
var supportedOps = []string{
	"Add", "BatchMatMul", "BiasAdd", "Cast", "ConcatV2", "Const", "Conv2D",
	"Cos", "ExpandDims", "GatherNd", "GatherV2", "Greater", "Less",
	"LogicalNot", "MatMul", "Max", "Maximum", "Mean", "Mul", "Pack",
	"Placeholder", "Prod", "Range", "RealDiv", "Relu", "Reshape", "Rsqrt",
	"ScatterNd", "Shape", "Sin", "Slice", "Softmax", "SparseToDense",
	"SplitV", "Square", "Squeeze", "StridedSlice", "Sub", "Sum", "Tanh",
	"Transpose", "Where",
}

// graph indexes the nodes and constants of a parsed model.json.
type graph struct {
	nodes   map[string]graphNode
	tensors map[string]tensor
}

// parseGraph decodes model.json, checks its op set and decodes the weight
// shards (files holds the verified file contents by name).
func parseGraph(modelJSON []byte, files map[string][]byte) (*graph, error) {
	var m graphJSON
	if err := json.Unmarshal(modelJSON, &m); err != nil {
		return nil, fmt.Errorf("parse model.json: %w", err)
	}
	g := &graph{nodes: make(map[string]graphNode), tensors: make(map[string]tensor)}
	for _, n := range m.ModelTopology.Node {
		if !slices.Contains(supportedOps, n.Op) {
			return nil, fmt.Errorf("parse model.json: node %q has unsupported op %s", n.Name, n.Op)
		}
		g.nodes[n.Name] = n
	}
	for _, group := range m.WeightsManifest {
		var buf []byte
		for _, p := range group.Paths {
			data, ok := files[p]
			if !ok {
				return nil, fmt.Errorf("parse model.json: weight shard %q is not in the manifest", p)
			}
			buf = append(buf, data...)
		}
		if err := g.decodeGroup(buf, group.Weights); err != nil {
			return nil, err
		}
	}
	return g, nil
}

func (g *graph) decodeGroup(buf []byte, specs []weightSpec) error {
	off := 0
	for _, w := range specs {
		if len(w.Quantization) > 0 {
			return fmt.Errorf("decode weights: %s is quantized, which is not supported", w.Name)
		}
		n := 1
		for _, d := range w.Shape {
			n *= d
		}
		if off+4*n > len(buf) {
			return fmt.Errorf("decode weights: %s runs past the end of the shards", w.Name)
		}
		t := tensor{shape: w.Shape}
		raw := buf[off : off+4*n]
		switch w.Dtype {
		case "float32":
			t.f32 = make([]float32, n)
			for i := range t.f32 {
				t.f32[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
		case "int32":
			t.i32 = make([]int32, n)
			for i := range t.i32 {
				t.i32[i] = int32(binary.LittleEndian.Uint32(raw[4*i:]))
			}
		default:
			return fmt.Errorf("decode weights: %s has unsupported dtype %s", w.Name, w.Dtype)
		}
		g.tensors[w.Name] = t
		off += 4 * n
	}
	return nil
}

// input returns the i-th input of the node called name, checking that the
// node exists and has op op.
func (g *graph) input(name, op string, i int) (string, error) {
	n, ok := g.nodes[name]
	if !ok {
		return "", fmt.Errorf("compile graph: node %q not found", name)
	}
	if n.Op != op {
		return "", fmt.Errorf("compile graph: node %q is %s, want %s", name, n.Op, op)
	}
	if i >= len(n.Input) {
		return "", fmt.Errorf("compile graph: node %q has no input %d", name, i)
	}
	return n.Input[i], nil
}

// floats returns the float32 constant feeding input i of node name, and
// checks its shape.
func (g *graph) floats(name, op string, i int, shape ...int) ([]float32, error) {
	in, err := g.input(name, op, i)
	if err != nil {
		return nil, err
	}
	t, ok := g.tensors[in]
	if !ok || t.f32 == nil {
		return nil, fmt.Errorf("compile graph: input %d of %q is not a float32 constant", i, name)
	}
	if !slices.Equal(t.shape, shape) {
		return nil, fmt.Errorf("compile graph: %q has shape %v, want %v", in, t.shape, shape)
	}
	return t.f32, nil
}

// scalar returns the scalar constant (either dtype) feeding input i of
// node name.
func (g *graph) scalar(name, op string, i int) (float64, error) {
	in, err := g.input(name, op, i)
	if err != nil {
		return 0, err
	}
	t, ok := g.tensors[in]
	switch {
	case !ok || len(t.shape) != 0:
		return 0, fmt.Errorf("compile graph: input %d of %q is not a scalar constant", i, name)
	case t.f32 != nil:
		return float64(t.f32[0]), nil
	default:
		return float64(t.i32[0]), nil
	}
}
