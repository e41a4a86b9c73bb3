package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// ErrInterrupted marks a stream that failed after part of the reply had
// been passed on; such a call is not retried.
var ErrInterrupted = errors.New("stream interrupted after output began")

// ErrMalformed marks a reply the client could not decode.
var ErrMalformed = errors.New("malformed reply from the server")

// ErrEmptyReply marks a reply without any choices.
var ErrEmptyReply = errors.New("empty reply from the server")

// stream runs one streamed attempt. began reports whether any text reached
// partial, after which the attempt must not be repeated.
func (c *Client) stream(ctx context.Context, req openai.ChatCompletionRequest, partial func(string)) (text string, began bool, err error) {
	s, err := c.api.CreateChatCompletionStream(ctx, req)
	if err != nil {
		return "", false, err
	}
	defer s.Close()
	var b strings.Builder
	for {
		resp, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return b.String(), began, nil
		}
		if err != nil {
			return "", began, classify(err)
		}
		for _, ch := range resp.Choices {
			piece := ch.Delta.Content + ch.Delta.Refusal
			if piece == "" || ch.Index != 0 {
				continue
			}
			b.WriteString(piece)
			began = true
			partial(piece)
		}
	}
}

// complete runs one attempt without streaming.
func (c *Client) complete(ctx context.Context, req openai.ChatCompletionRequest) (string, error) {
	resp, err := c.api.CreateChatCompletion(ctx, req)
	if err != nil {
		return "", classify(err)
	}
	if len(resp.Choices) == 0 {
		return "", ErrEmptyReply
	}
	m := resp.Choices[0].Message
	return m.Content + m.Refusal, nil
}

// classify marks decoding failures as ErrMalformed and leaves the rest.
func classify(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syn) || errors.As(err, &typ) {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return err
}

// retryable reports whether another attempt may succeed: rate limits,
// server errors and connection failures, but not client errors, bad
// replies or a spent deadline.
func retryable(err error) bool {
	if errors.Is(err, ErrMalformed) || errors.Is(err, ErrEmptyReply) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, openai.ErrTooManyEmptyStreamMessages) {
		return false
	}
	if code := statusOf(err); code != 0 {
		return code == http.StatusTooManyRequests || code >= 500
	}
	return true
}

// statusOf returns the HTTP status carried by err, 0 when there is none.
func statusOf(err error) int {
	var api *openai.APIError
	if errors.As(err, &api) {
		return api.HTTPStatusCode
	}
	var req *openai.RequestError
	if errors.As(err, &req) {
		return req.HTTPStatusCode
	}
	return 0
}

// hintKey carries a *retryHint in a request's context.
type hintKey struct{}

// retryHint records a server's Retry-After for the attempt that owns it.
type retryHint struct{ after time.Duration }

// hintTransport reads Retry-After from 429 and 503 replies, which
// go-openai's errors do not keep.
type hintTransport struct{ base http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (t *hintTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode < 429 {
		return resp, err
	}
	if h, ok := req.Context().Value(hintKey{}).(*retryHint); ok {
		h.after = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return resp, nil
}

// parseRetryAfter reads seconds or an HTTP date; 0 when absent or bad.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
