package uselite

import (
	"strings"
	"testing"
)

func TestParseGraphRejects(t *testing.T) {
	shard := map[string][]byte{"s1": make([]byte, 8)}
	tests := []struct {
		name, json, want string
	}{
		{"not json", `{`, "parse model.json"},
		{"unsupported op", `{"modelTopology":{"node":[{"name":"x","op":"Erf"}]}}`, "unsupported op Erf"},
		{"quantized", `{"weightsManifest":[{"paths":["s1"],"weights":[{"name":"w","shape":[2],"dtype":"float32","quantization":{"dtype":"uint8"}}]}]}`, "quantized"},
		{"bad dtype", `{"weightsManifest":[{"paths":["s1"],"weights":[{"name":"w","shape":[2],"dtype":"string"}]}]}`, "unsupported dtype"},
		{"past end", `{"weightsManifest":[{"paths":["s1"],"weights":[{"name":"w","shape":[3],"dtype":"float32"}]}]}`, "past the end"},
		{"unknown shard", `{"weightsManifest":[{"paths":["s9"],"weights":[]}]}`, "not in the manifest"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseGraph([]byte(tc.json), shard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("parseGraph error = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestCompileRejectsIncompleteGraph(t *testing.T) {
	g, err := parseGraph([]byte(`{"modelTopology":{"node":[{"name":"x","op":"Const"}]}}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := compile(g); err == nil || !strings.Contains(err.Error(), "compile graph") {
		t.Fatalf("compile error = %v, want a compile graph error", err)
	}
}
