// Package openai embeds text through any OpenAI-compatible embeddings
// endpoint (POST {BaseURL}/embeddings): OpenAI itself, Azure-style
// proxies that speak the same protocol, Ollama, vLLM or llama.cpp's
// server. It implements rag.EmbeddingModel on top of
// github.com/sashabaranov/go-openai.
//
// Embed sends the texts in batches, puts the returned vectors back in
// input order by their "index" field, checks that every text got exactly
// one vector of the same dimension, and L2-normalises every vector to unit
// length, so that cosine similarity and the dot product agree whatever the
// server returns. Requests that fail with 408, 409, 429 or a 5xx status,
// or with a transient network error, are retried with exponential backoff
// and jitter (a Retry-After or retry-after-ms header, when present, sets
// the wait instead); 400, 401, 403, 404 and other client errors are
// reported at once as a *StatusError.
//
// Nothing here logs the API key or the texts: log records carry constant
// messages and typed attributes (status, attempt, wait, batch size).
//
// The package has no tokenizer (none is available offline), so
// CountTokens is a conservative estimate; see its documentation.
package openai

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	oai "github.com/sashabaranov/go-openai"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultBaseURL        = "https://api.openai.com/v1"
	DefaultMaxTokens      = 8191
	DefaultBatchSize      = 64
	DefaultMaxBatchTokens = 300_000
	DefaultMaxRetries     = 5
	DefaultTimeout        = 2 * time.Minute
	DefaultRetryBase      = 500 * time.Millisecond
)

// probeText is what Probe embeds to learn the dimension.
const probeText = "hello"

// Config configures New. Only Model is required.
type Config struct {
	// BaseURL is the API root that "/embeddings" is appended to, e.g.
	// "https://api.openai.com/v1" (the default when empty),
	// "http://localhost:11434/v1" for Ollama or "http://host:8000/v1" for
	// vLLM. It must be an absolute http or https URL with no query.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <key>". It may be empty for
	// servers that need none (Ollama, vLLM, llama.cpp); no Authorization
	// header is sent then.
	APIKey string
	// Model is the embedding model's name, e.g. "text-embedding-3-small".
	Model string
	// Dim, when set, is sent as the request's "dimensions" parameter
	// (text-embedding-3 and later models shorten their vectors to it) and
	// every returned vector must have that length. Leave it 0 for models
	// without the parameter: the dimension is then learnt from the first
	// response, and the caller should call Probe at startup so that Dim
	// and Name are known before they are used.
	Dim int
	// MaxTokens is the longest input the model reads; default 8191.
	MaxTokens int
	// BatchSize is the most texts sent in one request; default 64.
	BatchSize int
	// MaxBatchTokens caps the estimated tokens (CountTokens) of one
	// request; default 300000, OpenAI's per-request limit. A text larger
	// than the cap is still sent, alone.
	MaxBatchTokens int
	// MaxRetries is how many times a failed request is retried; 0 means
	// the default 5 and a negative value means never.
	MaxRetries int
	// RetryBase is the first backoff wait, doubled on every retry up to
	// 30s, with jitter; default 500ms.
	RetryBase time.Duration
	// Timeout bounds each HTTP attempt; 0 means the default 2m and a
	// negative value means no per-attempt limit (ctx still applies).
	Timeout time.Duration
	// HTTPClient sends the requests; default a new http.Client.
	HTTPClient *http.Client
	// Logger receives retry warnings; default slog.Default().
	Logger *slog.Logger
}

// Embedder is an rag.EmbeddingModel backed by an OpenAI-compatible
// embeddings endpoint. It is safe for concurrent use.
type Embedder struct {
	client         *oai.Client
	log            *slog.Logger
	model          string
	keySet         bool
	redact         string // the key, scrubbed from server messages
	fixedDim       bool
	reqDim         int // the "dimensions" request parameter, 0 for none
	maxTokens      int
	batchSize      int
	maxBatchTokens int
	maxRetries     int
	retryBase      time.Duration
	timeout        time.Duration

	mu  sync.Mutex
	dim int // Config.Dim, or learnt from the first response
}

// New checks cfg, fills in defaults and returns an Embedder. It makes no
// request; call Probe to check the endpoint and learn the dimension.
func New(cfg Config) (*Embedder, error) {
	model := strings.TrimSpace(cfg.Model)
	if model == "" {
		return nil, errors.New("openai embedder: model is required")
	}
	if cfg.Dim < 0 {
		return nil, fmt.Errorf("openai embedder: dim %d is negative", cfg.Dim)
	}
	base := strings.TrimSpace(cfg.BaseURL)
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := parseBaseURL(base)
	if err != nil {
		return nil, err
	}
	e := &Embedder{
		log:            cfg.Logger,
		model:          model,
		keySet:         cfg.APIKey != "",
		redact:         cfg.APIKey,
		fixedDim:       cfg.Dim > 0,
		reqDim:         cfg.Dim,
		dim:            cfg.Dim,
		maxTokens:      orDefault(cfg.MaxTokens, DefaultMaxTokens),
		batchSize:      orDefault(cfg.BatchSize, DefaultBatchSize),
		maxBatchTokens: orDefault(cfg.MaxBatchTokens, DefaultMaxBatchTokens),
		maxRetries:     cfg.MaxRetries,
		retryBase:      cfg.RetryBase,
		timeout:        cfg.Timeout,
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	switch {
	case e.maxRetries == 0:
		e.maxRetries = DefaultMaxRetries
	case e.maxRetries < 0:
		e.maxRetries = 0
	}
	if e.retryBase <= 0 {
		e.retryBase = DefaultRetryBase
	}
	if e.timeout == 0 {
		e.timeout = DefaultTimeout
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	oc := oai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = strings.TrimRight(u.String(), "/")
	oc.HTTPClient = headerDoer{client: hc}
	e.client = oai.NewClientWithConfig(oc)
	if e.keySet && u.Scheme == "http" && !isLoopback(u.Hostname()) {
		e.log.LogAttrs(context.Background(), slog.LevelWarn,
			"embedding api key is sent over plain http", slog.String("host", u.Host))
	}
	return e, nil
}

func parseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		// url.Parse quotes the input; a key pasted into the wrong field
		// must not end up in an error message.
		return nil, errors.New("openai embedder: base URL does not parse")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("openai embedder: base URL scheme %q is not http or https", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("openai embedder: base URL has no host")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("openai embedder: base URL must have no query or fragment")
	}
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// Name identifies the model and its dimension, "openai/<model>@<dim>",
// e.g. "openai/text-embedding-3-small@1536", so that vectors of different
// models, or of one model shortened to different dimensions, are never
// mixed in one index. When Config.Dim is 0 the dimension is only known
// after Probe (or a first Embed); until then Name returns
// "openai/<model>" and must not be used to register vectors.
func (e *Embedder) Name() string {
	if d := e.Dim(); d > 0 {
		return "openai/" + e.model + "@" + strconv.Itoa(d)
	}
	return "openai/" + e.model
}

// Dim is the length of every vector: Config.Dim when set, otherwise the
// length learnt by Probe or the first Embed, and 0 before that.
func (e *Embedder) Dim() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.dim
}

// MaxTokens is Config.MaxTokens, 8191 by default.
func (e *Embedder) MaxTokens() int { return e.maxTokens }

// Probe embeds one word to check that the endpoint answers and to learn
// the model's dimension when Config.Dim is 0 (or to check it otherwise).
// Call it at startup, before Dim and Name are used.
func (e *Embedder) Probe(ctx context.Context) error {
	if _, err := e.Embed(ctx, []string{probeText}); err != nil {
		return fmt.Errorf("probe %s: %w", e.model, err)
	}
	return nil
}

// Embed returns one unit-length (L2-normalised) vector per text, in the
// order of texts. It sends batches of at most Config.BatchSize texts and
// Config.MaxBatchTokens estimated tokens, one after another, retrying each
// as the package documentation describes, and stops at the first batch
// that fails. Empty texts are rejected before any request is sent.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	for i, t := range texts {
		if t == "" {
			return nil, fmt.Errorf("embed: text %d is empty", i)
		}
	}
	out := make([][]float32, 0, len(texts))
	batches := e.batches(texts)
	for n, b := range batches {
		vecs, err := e.embedBatch(ctx, texts[b.start:b.end])
		if err != nil {
			if len(batches) == 1 {
				return nil, fmt.Errorf("embed: %w", err)
			}
			return nil, fmt.Errorf("embed batch %d of %d: %w", n+1, len(batches), err)
		}
		out = append(out, vecs...)
	}
	return out, nil
}

type span struct{ start, end int }

// batches splits texts into runs of at most batchSize texts whose
// estimated tokens stay under maxBatchTokens.
func (e *Embedder) batches(texts []string) []span {
	var out []span
	start, tokens := 0, 0
	for i, t := range texts {
		n := e.CountTokens(t)
		if i > start && (i-start == e.batchSize || tokens+n > e.maxBatchTokens) {
			out = append(out, span{start, i})
			start, tokens = i, 0
		}
		tokens += n
	}
	if start < len(texts) {
		out = append(out, span{start, len(texts)})
	}
	return out
}

// embedBatch sends one batch, with retries, and checks and normalises
// the response.
func (e *Embedder) embedBatch(ctx context.Context, texts []string) ([][]float32, error) {
	req := oai.EmbeddingRequestStrings{
		Input:          texts,
		Model:          oai.EmbeddingModel(e.model),
		EncodingFormat: oai.EmbeddingEncodingFormatFloat,
	}
	req.Dimensions = e.reqDim
	resp, err := e.send(ctx, req)
	if err != nil {
		return nil, err
	}
	return e.vectors(resp.Data, len(texts))
}

// vectors orders data by index and checks and normalises every vector.
func (e *Embedder) vectors(data []oai.Embedding, n int) ([][]float32, error) {
	if len(data) != n {
		return nil, fmt.Errorf("endpoint returned %d vectors for %d texts", len(data), n)
	}
	out := make([][]float32, n)
	width := 0
	for _, d := range data {
		if d.Index < 0 || d.Index >= n {
			return nil, fmt.Errorf("endpoint returned index %d for a batch of %d", d.Index, n)
		}
		if out[d.Index] != nil {
			return nil, fmt.Errorf("endpoint returned index %d twice", d.Index)
		}
		if len(d.Embedding) == 0 {
			return nil, fmt.Errorf("endpoint returned an empty vector at index %d", d.Index)
		}
		if width == 0 {
			width = len(d.Embedding)
		} else if len(d.Embedding) != width {
			return nil, fmt.Errorf("endpoint returned vectors of %d and %d dimensions in one batch",
				width, len(d.Embedding))
		}
		v, err := normalise(d.Embedding)
		if err != nil {
			return nil, fmt.Errorf("vector %d: %w", d.Index, err)
		}
		out[d.Index] = v
	}
	if err := e.checkDim(width); err != nil {
		return nil, err
	}
	return out, nil
}

// checkDim learns the dimension from the first response when it is not
// fixed, and checks every later response against it.
func (e *Embedder) checkDim(width int) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.dim == 0:
		e.dim = width
	case width != e.dim && e.fixedDim:
		return fmt.Errorf("endpoint returned %d-dimensional vectors, configured dim is %d "+
			"(does the model support the dimensions parameter?)", width, e.dim)
	case width != e.dim:
		return fmt.Errorf("endpoint returned %d-dimensional vectors, earlier responses had %d",
			width, e.dim)
	}
	return nil
}

// normalise returns v scaled to unit L2 norm, in a new slice. It rejects
// NaN, infinite and all-zero vectors, which have no direction.
func normalise(v []float32) ([]float32, error) {
	var sum float64
	for _, x := range v {
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, errors.New("vector has a NaN or infinite component")
		}
		sum += f * f
	}
	if sum == 0 {
		return nil, errors.New("vector is all zeros")
	}
	inv := 1 / math.Sqrt(sum)
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out, nil
}
