// Package llm talks to any OpenAI-compatible chat completions server
// (OpenAI, Ollama, vLLM, llama.cpp server) through go-openai. It streams
// replies, retries transient failures with exponential backoff and jitter,
// and bounds every call by a total deadline.
package llm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Message is one chat message.
type Message struct {
	// Role is "system", "user" or "assistant".
	Role    string
	Content string
}

// Config describes the server and how to call it.
type Config struct {
	// BaseURL is the API root, e.g. "https://api.openai.com/v1" or
	// "http://localhost:11434/v1" for Ollama.
	BaseURL string
	// Model is sent with every request.
	Model string
	// APIKey may be empty for servers that take none (Ollama, llama.cpp).
	APIKey      string
	Temperature float32
	// MaxTokens caps the reply; 0 leaves it to the server.
	MaxTokens int
	// Timeout is the total deadline of one call, retries included;
	// default 2 minutes.
	Timeout time.Duration
	// MaxRetries is how many times a failed attempt is tried again;
	// default 3. Negative means none.
	MaxRetries int
	// BaseBackoff is the first retry's nominal wait, doubled each time up
	// to MaxBackoff; defaults 500ms and 20s.
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// HTTPClient is the transport to use; default a plain http.Client.
	HTTPClient *http.Client
	// Logger receives retry warnings; default discards.
	Logger *slog.Logger
}

// Client is a chat model behind an OpenAI-compatible API. It is safe for
// concurrent use.
type Client struct {
	api *openai.Client
	cfg Config
	log *slog.Logger
}

// ErrNoModel is returned by New when Config.Model is empty.
var ErrNoModel = errors.New("llm: no model configured")

// New returns a Client for cfg, with defaults filled in.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, ErrNoModel
	}
	cfg = withDefaults(cfg)
	oc := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	}
	base := cfg.HTTPClient.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc := *cfg.HTTPClient
	hc.Transport = &hintTransport{base: base}
	oc.HTTPClient = &hc
	return &Client{api: openai.NewClientWithConfig(oc), cfg: cfg, log: cfg.Logger}, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Minute
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 3
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.BaseBackoff <= 0 {
		cfg.BaseBackoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 20 * time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

// Model names the model the client asks.
func (c *Client) Model() string { return c.cfg.Model }

// Chat sends msgs and returns the whole reply. When partial is not nil the
// reply is streamed and partial receives each piece as it arrives. A
// transient failure (429, 5xx, a connection error) is retried with
// backoff, honouring Retry-After, but only while nothing has been passed
// to partial: once output has begun, a failure ends the call with an
// error wrapping ErrInterrupted, so callers never see text twice.
// Its errors never hold the API key, whatever the server echoes.
func (c *Client) Chat(ctx context.Context, msgs []Message, partial func(string)) (string, error) {
	text, err := c.chat(ctx, msgs, partial)
	if err != nil {
		return "", scrub(err, c.cfg.APIKey)
	}
	return text, nil
}

func (c *Client) chat(ctx context.Context, msgs []Message, partial func(string)) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req := c.request(msgs, partial != nil)
	for attempt := 0; ; attempt++ {
		hint := &retryHint{}
		actx := context.WithValue(ctx, hintKey{}, hint)
		var text string
		var err error
		var began bool
		if partial != nil {
			text, began, err = c.stream(actx, req, partial)
		} else {
			text, err = c.complete(actx, req)
		}
		if err == nil {
			return text, nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return "", c.contextError(ctx, attempt, ctxErr)
		}
		if began {
			return "", fmt.Errorf("llm %s: %w: %w", c.cfg.Model, ErrInterrupted, err)
		}
		if !retryable(err) || attempt >= c.cfg.MaxRetries {
			return "", fmt.Errorf("llm %s: giving up after %s: %w", c.cfg.Model, attempts(attempt+1), err)
		}
		wait := c.backoff(attempt, hint.after)
		c.log.LogAttrs(ctx, slog.LevelWarn, "llm request failed; retrying",
			slog.Int("attempt", attempt+1), slog.Int("status", statusOf(err)), slog.Duration("wait", wait))
		if err := sleep(ctx, wait); err != nil {
			return "", fmt.Errorf("llm %s: waiting to retry: %w", c.cfg.Model, err)
		}
	}
}

// scrubbedError is an error whose message has the API key replaced; it
// unwraps to the original, so errors.Is and errors.As still work.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// scrub replaces every occurrence of key in err's message, however short
// the key: a server may echo it in an error body (a 401's "Incorrect API
// key provided: ..."), and callers print errors whole.
func scrub(err error, key string) error {
	if key == "" || !strings.Contains(err.Error(), key) {
		return err
	}
	return &scrubbedError{msg: strings.ReplaceAll(err.Error(), key, "[redacted]"), err: err}
}

// contextError says whether the total deadline passed or the caller
// cancelled.
func (c *Client) contextError(ctx context.Context, attempt int, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("llm %s: no complete reply within the %v deadline (%s): %w", c.cfg.Model, c.cfg.Timeout, attempts(attempt+1), err)
	}
	return fmt.Errorf("llm %s: cancelled (%s): %w", c.cfg.Model, attempts(attempt+1), err)
}

func attempts(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}

func (c *Client) request(msgs []Message, stream bool) openai.ChatCompletionRequest {
	req := openai.ChatCompletionRequest{
		Model:       c.cfg.Model,
		Temperature: c.cfg.Temperature,
		MaxTokens:   c.cfg.MaxTokens,
		Stream:      stream,
	}
	for _, m := range msgs {
		req.Messages = append(req.Messages, openai.ChatCompletionMessage{Role: m.Role, Content: m.Content})
	}
	return req
}

// backoff is BaseBackoff·2^attempt capped at MaxBackoff, with full jitter
// over its upper half; a server's Retry-After wins when it is longer.
func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	d := c.cfg.BaseBackoff << min(attempt, 20)
	if d > c.cfg.MaxBackoff || d <= 0 {
		d = c.cfg.MaxBackoff
	}
	d = d/2 + rand.N(d/2+1)
	if retryAfter > d {
		d = min(retryAfter, c.cfg.Timeout)
	}
	return d
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
