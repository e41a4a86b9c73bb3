package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/citebot/citebot/rag"
)

const testKey = "sk-test-0123456789abcdef"

// wireRequest is the JSON body the fake server expects.
type wireRequest struct {
	Model          string   `json:"model"`
	Input          []string `json:"input"`
	EncodingFormat string   `json:"encoding_format"`
	Dimensions     int      `json:"dimensions,omitempty"`
}

// step answers request number n (from 0) with the decoded body.
type step func(t *testing.T, n int, req wireRequest, w http.ResponseWriter)

// fakeServer is an OpenAI-compatible embeddings endpoint that checks the
// shape of every request and answers with a scripted step.
type fakeServer struct {
	*httptest.Server
	t        *testing.T
	path     string // expected request path
	key      string // expected bearer key, "" for no header
	dims     int    // expected "dimensions" parameter
	step     step
	mu       sync.Mutex
	received [][]string // inputs of each request, in arrival order
}

func newFakeServer(t *testing.T, basePath, key string, dims int, s step) *fakeServer {
	t.Helper()
	f := &fakeServer{t: t, path: basePath + "/embeddings", key: key, dims: dims, step: s}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	t := f.t
	if r.Method != http.MethodPost || r.URL.Path != f.path {
		t.Errorf("request %s %s, want POST %s", r.Method, r.URL.Path, f.path)
		http.Error(w, "wrong route", http.StatusTeapot)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	auth, hasAuth := r.Header["Authorization"]
	switch {
	case f.key == "" && hasAuth:
		t.Errorf("Authorization header %q sent with no key configured", auth)
	case f.key != "" && r.Header.Get("Authorization") != "Bearer "+f.key:
		t.Errorf("Authorization = %q, want the bearer key", r.Header.Get("Authorization"))
	}
	var req wireRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		t.Errorf("decode request body: %v", err)
		http.Error(w, "bad body", http.StatusTeapot)
		return
	}
	if req.Model != "test-model" || req.EncodingFormat != "float" || len(req.Input) == 0 || req.Dimensions != f.dims {
		t.Errorf("request model=%q encoding_format=%q inputs=%d dimensions=%d, want test-model, float, >0, %d",
			req.Model, req.EncodingFormat, len(req.Input), req.Dimensions, f.dims)
	}
	f.mu.Lock()
	n := len(f.received)
	f.received = append(f.received, req.Input)
	f.mu.Unlock()
	f.step(t, n, req, w)
}

func (f *fakeServer) requests() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]string(nil), f.received...)
}

// rawVector is the unnormalised vector the fake server returns for text.
func rawVector(text string, dim int) []float32 {
	h := fnv.New64a()
	h.Write([]byte(text))
	r := rand.New(rand.NewPCG(h.Sum64(), 1))
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(r.NormFloat64() * 3)
	}
	return v
}

func unit(v []float32) []float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(float64(x) / math.Sqrt(s))
	}
	return out
}

type item struct {
	Object    string    `json:"object"`
	Index     int       `json:"index"`
	Embedding []float32 `json:"embedding"`
}

// writeItems sends items as a success response, in shuffled order.
func writeItems(w http.ResponseWriter, items []item) {
	rand.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"object": "list", "data": items, "model": "test-model",
		"usage": map[string]int{"prompt_tokens": 1, "total_tokens": 1},
	})
}

// vectorsOf answers with one dim-wide vector per input.
func vectorsOf(dim int) step {
	return func(_ *testing.T, _ int, req wireRequest, w http.ResponseWriter) {
		items := make([]item, len(req.Input))
		for i, s := range req.Input {
			items[i] = item{Object: "embedding", Index: i, Embedding: rawVector(s, dim)}
		}
		writeItems(w, items)
	}
}

func writeError(w http.ResponseWriter, status int, header map[string]string, typ, msg string) {
	for k, v := range header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ}})
}

// failing answers the first n requests with status, then defers to next.
func failing(n, status int, header map[string]string, typ string, next step) step {
	return func(t *testing.T, i int, req wireRequest, w http.ResponseWriter) {
		if i < n {
			writeError(w, status, header, typ, "scripted failure for key "+testKey)
			return
		}
		next(t, i, req, w)
	}
}

func texts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("text number %d", i)
	}
	return out
}

func TestEmbed(t *testing.T) {
	const dim = 8
	tests := []struct {
		name      string
		basePath  string
		key       string
		cfg       Config // Model, BaseURL, APIKey and Logger are filled in
		texts     []string
		step      step
		wantCalls []int // inputs per request
		wantErr   string
		wantAs    int // StatusError.StatusCode wanted, 0 for none
	}{
		{
			name: "success", basePath: "/v1", key: testKey,
			texts: texts(5), step: vectorsOf(dim), wantCalls: []int{5},
		},
		{
			name: "no key sends no header", basePath: "/v1",
			texts: texts(2), step: vectorsOf(dim), wantCalls: []int{2},
		},
		{
			name: "custom base path", basePath: "/proxy/openai/v1", key: testKey,
			texts: texts(1), step: vectorsOf(dim), wantCalls: []int{1},
		},
		{
			name: "dimensions sent when dim is set", basePath: "/v1", key: testKey,
			cfg:   Config{Dim: dim},
			texts: texts(3), step: vectorsOf(dim), wantCalls: []int{3},
		},
		{
			name: "batching 150 by 64", basePath: "/v1", key: testKey,
			cfg:   Config{BatchSize: 64},
			texts: texts(150), step: vectorsOf(dim), wantCalls: []int{64, 64, 22},
		},
		{
			name: "batching by estimated tokens", basePath: "/v1",
			// Each text is 13 bytes, 5 estimated tokens: two fit in 12.
			cfg:   Config{MaxBatchTokens: 12},
			texts: texts(5), step: vectorsOf(dim), wantCalls: []int{2, 2, 1},
		},
		{
			name: "429 then success honours Retry-After 0", basePath: "/v1", key: testKey,
			// A RetryBase of an hour would time the test out if the
			// header were ignored.
			cfg:   Config{RetryBase: time.Hour},
			texts: texts(2), wantCalls: []int{2, 2},
			step: failing(1, http.StatusTooManyRequests, map[string]string{"Retry-After": "0"},
				"requests", vectorsOf(dim)),
		},
		{
			name: "503 then success", basePath: "/v1", key: testKey,
			texts: texts(2), wantCalls: []int{2, 2, 2},
			step: failing(2, http.StatusServiceUnavailable, nil, "server_error", vectorsOf(dim)),
		},
		{
			name: "500 exhausts retries", basePath: "/v1", key: testKey,
			cfg:   Config{MaxRetries: 3},
			texts: texts(2), wantCalls: []int{2, 2, 2, 2},
			step:    failing(99, http.StatusInternalServerError, nil, "server_error", nil),
			wantErr: "giving up after 4 attempts: embedding endpoint failed (500)", wantAs: 500,
		},
		{
			name: "negative MaxRetries never retries", basePath: "/v1", key: testKey,
			cfg:   Config{MaxRetries: -1},
			texts: texts(2), wantCalls: []int{2},
			step:    failing(99, http.StatusBadGateway, nil, "", nil),
			wantErr: "giving up after 1 attempt: embedding endpoint failed (502)", wantAs: 502,
		},
		{
			name: "401 not retried", basePath: "/v1", key: testKey,
			texts: texts(2), wantCalls: []int{2},
			step:    failing(99, http.StatusUnauthorized, nil, "invalid_request_error", nil),
			wantErr: "embedding endpoint refused the key (401)", wantAs: 401,
		},
		{
			name: "401 without a key", basePath: "/v1",
			texts: texts(1), wantCalls: []int{1},
			step:    failing(99, http.StatusUnauthorized, nil, "", nil),
			wantErr: "wants an API key and none is configured (401)", wantAs: 401,
		},
		{
			name: "400 not retried", basePath: "/v1", key: testKey,
			texts: texts(1), wantCalls: []int{1},
			step:    failing(99, http.StatusBadRequest, nil, "invalid_request_error", nil),
			wantErr: "embedding endpoint rejected the request (400): scripted failure", wantAs: 400,
		},
		{
			name: "404 not retried", basePath: "/v1", key: testKey,
			texts: texts(1), wantCalls: []int{1},
			step:    failing(99, http.StatusNotFound, nil, "", nil),
			wantErr: `embedding endpoint or model "test-model" not found (404)`, wantAs: 404,
		},
		{
			name: "429 with exhausted quota not retried", basePath: "/v1", key: testKey,
			texts: texts(1), wantCalls: []int{1},
			step:    failing(99, http.StatusTooManyRequests, nil, "insufficient_quota", nil),
			wantErr: "quota is exhausted (429)", wantAs: 429,
		},
		{
			name: "Retry-After beyond the limit gives up", basePath: "/v1", key: testKey,
			texts: texts(1), wantCalls: []int{1},
			step: failing(99, http.StatusTooManyRequests, map[string]string{"Retry-After": "86400"},
				"requests", nil),
			wantErr: "endpoint asks to retry after", wantAs: 429,
		},
		{
			name: "HTML 502 from a proxy is retried", basePath: "/v1", key: testKey,
			texts: texts(1), wantCalls: []int{1, 1},
			step: func(t *testing.T, n int, req wireRequest, w http.ResponseWriter) {
				if n == 0 {
					w.WriteHeader(http.StatusBadGateway)
					_, _ = w.Write([]byte("<html>bad gateway</html>"))
					return
				}
				vectorsOf(dim)(t, n, req, w)
			},
		},
		{
			name: "dropped connection is retried", basePath: "/v1", key: testKey,
			texts: texts(1), wantCalls: []int{1, 1},
			step: func(t *testing.T, n int, req wireRequest, w http.ResponseWriter) {
				if n == 0 {
					conn, _, err := http.NewResponseController(w).Hijack()
					if err != nil {
						t.Errorf("hijack: %v", err)
						return
					}
					_ = conn.Close()
					return
				}
				vectorsOf(dim)(t, n, req, w)
			},
		},
		{
			name: "slow attempt times out and is retried", basePath: "/v1", key: testKey,
			cfg:   Config{Timeout: 20 * time.Millisecond},
			texts: texts(1), wantCalls: []int{1, 1},
			step: func(t *testing.T, n int, req wireRequest, w http.ResponseWriter) {
				if n == 0 {
					time.Sleep(100 * time.Millisecond)
				}
				vectorsOf(dim)(t, n, req, w)
			},
		},
		{
			name: "malformed JSON not retried", basePath: "/v1", key: testKey,
			texts: texts(1), wantCalls: []int{1},
			step: func(_ *testing.T, _ int, _ wireRequest, w http.ResponseWriter) {
				_, _ = w.Write([]byte("{not json"))
			},
			wantErr: "malformed response",
		},
		{
			name: "wrong vector count", basePath: "/v1", key: testKey,
			texts: texts(3), wantCalls: []int{3},
			step: func(t *testing.T, n int, req wireRequest, w http.ResponseWriter) {
				req.Input = req.Input[:2]
				vectorsOf(dim)(t, n, req, w)
			},
			wantErr: "endpoint returned 2 vectors for 3 texts",
		},
		{
			name: "mismatched dims in one batch", basePath: "/v1", key: testKey,
			texts: texts(2), wantCalls: []int{2},
			step: func(_ *testing.T, _ int, req wireRequest, w http.ResponseWriter) {
				writeItems(w, []item{
					{Index: 0, Embedding: rawVector(req.Input[0], dim)},
					{Index: 1, Embedding: rawVector(req.Input[1], dim+1)},
				})
			},
			wantErr: "dimensions in one batch",
		},
		{
			name: "dims differ from the configured dim", basePath: "/v1", key: testKey,
			cfg:   Config{Dim: 16},
			texts: texts(2), wantCalls: []int{2}, step: vectorsOf(dim),
			wantErr: "endpoint returned 8-dimensional vectors, configured dim is 16",
		},
		{
			name: "dims differ between batches", basePath: "/v1", key: testKey,
			cfg:   Config{BatchSize: 2},
			texts: texts(4), wantCalls: []int{2, 2},
			step: func(t *testing.T, n int, req wireRequest, w http.ResponseWriter) {
				vectorsOf(dim+n)(t, n, req, w)
			},
			wantErr: "embed batch 2 of 2: endpoint returned 9-dimensional vectors, earlier responses had 8",
		},
		{
			name: "duplicate index", basePath: "/v1", key: testKey,
			texts: texts(2), wantCalls: []int{2},
			step: func(_ *testing.T, _ int, req wireRequest, w http.ResponseWriter) {
				writeItems(w, []item{
					{Index: 1, Embedding: rawVector(req.Input[0], dim)},
					{Index: 1, Embedding: rawVector(req.Input[1], dim)},
				})
			},
			wantErr: "endpoint returned index 1 twice",
		},
		{
			name: "zero vector", basePath: "/v1", key: testKey,
			texts: texts(1), wantCalls: []int{1},
			step: func(_ *testing.T, _ int, _ wireRequest, w http.ResponseWriter) {
				writeItems(w, []item{{Index: 0, Embedding: make([]float32, dim)}})
			},
			wantErr: "vector 0: vector is all zeros",
		},
		{
			name: "empty text rejected before sending", basePath: "/v1", key: testKey,
			texts: []string{"a", ""}, step: vectorsOf(dim),
			wantErr: "embed: text 1 is empty",
		},
		{
			name: "no texts, no request", basePath: "/v1", key: testKey,
			texts: nil, step: vectorsOf(dim),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFakeServer(t, tc.basePath, tc.key, tc.cfg.Dim, tc.step)
			var logs bytes.Buffer
			cfg := tc.cfg
			cfg.Model, cfg.BaseURL, cfg.APIKey = "test-model", srv.URL+tc.basePath, tc.key
			cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			if cfg.RetryBase == 0 {
				cfg.RetryBase = time.Millisecond
			}
			e, err := New(cfg)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			got, err := e.Embed(ctx, tc.texts)

			var calls []int
			for _, in := range srv.requests() {
				calls = append(calls, len(in))
			}
			if diff := cmp.Diff(tc.wantCalls, calls); diff != "" {
				t.Errorf("inputs per request (-want +got):\n%s", diff)
			}
			if out := logs.String(); strings.Contains(out, testKey) || strings.Contains(out, "text number") {
				t.Errorf("log leaks the key or a text:\n%s", out)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Embed error = %v, want one containing %q", err, tc.wantErr)
				}
				if tc.key != "" && strings.Contains(err.Error(), tc.key) {
					t.Errorf("error leaks the key: %v", err)
				}
				var se *StatusError
				if gotAs := errors.As(err, &se); gotAs != (tc.wantAs != 0) || gotAs && se.StatusCode != tc.wantAs {
					t.Errorf("errors.As StatusError = %v %+v, want status %d", gotAs, se, tc.wantAs)
				}
				return
			}
			if err != nil {
				t.Fatalf("Embed: %v", err)
			}
			want := make([][]float32, len(tc.texts))
			for i, s := range tc.texts {
				want[i] = unit(rawVector(s, dim))
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-6), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("vectors (-want +got):\n%s", diff)
			}
			if len(tc.texts) > 0 && e.Dim() != dim {
				t.Errorf("Dim() = %d, want %d", e.Dim(), dim)
			}
		})
	}
}

func TestProbeLearnsDim(t *testing.T) {
	srv := newFakeServer(t, "/v1", testKey, 0, vectorsOf(12))
	e, err := New(Config{BaseURL: srv.URL + "/v1/", APIKey: testKey, Model: "test-model"})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if got, want := []any{e.Dim(), e.Name()}, []any{0, "openai/test-model"}; !cmp.Equal(got, want) {
		t.Errorf("before Probe: Dim, Name = %v, want %v", got, want)
	}
	if err := e.Probe(t.Context()); err != nil {
		t.Fatalf("Probe: %v", err)
	}
	if got, want := []any{e.Dim(), e.Name()}, []any{12, "openai/test-model@12"}; !cmp.Equal(got, want) {
		t.Errorf("after Probe: Dim, Name = %v, want %v", got, want)
	}
	if diff := cmp.Diff([][]string{{probeText}}, srv.requests()); diff != "" {
		t.Errorf("probe requests (-want +got):\n%s", diff)
	}
}

func TestImplementsEmbeddingModel(t *testing.T) {
	var m rag.EmbeddingModel = &Embedder{}
	_ = m
}
