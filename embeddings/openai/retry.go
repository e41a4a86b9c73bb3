package openai

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	oai "github.com/sashabaranov/go-openai"
)

const (
	// maxBackoff caps the exponential backoff between retries.
	maxBackoff = 30 * time.Second
	// maxRetryAfter is the longest Retry-After the embedder waits for; a
	// server asking for longer gets an error instead.
	maxRetryAfter = 5 * time.Minute
	// maxMessage caps the server message kept in a StatusError, in bytes.
	maxMessage = 300
)

// StatusError reports an HTTP error status from the embeddings endpoint
// that was not retried, or that persisted through every retry.
type StatusError struct {
	// StatusCode is the HTTP status, e.g. 401.
	StatusCode int
	// Message is the server's error message, shortened, with the API key
	// removed; it may be empty.
	Message string
	summary string
}

// Error names the status and what it most likely means.
func (e *StatusError) Error() string {
	if e.Message == "" {
		return e.summary
	}
	return e.summary + ": " + e.Message
}

// failure is a classified failed attempt.
type failure struct {
	err        error
	retry      bool
	reason     string // constant words for the log
	status     int
	retryAfter time.Duration
	hasAfter   bool
}

// attemptKey keys the *attemptInfo that headerDoer fills in.
type attemptKey struct{}

// attemptInfo carries the rate-limit headers of one attempt's response,
// which go-openai's errors do not expose.
type attemptInfo struct {
	retryAfter   string
	retryAfterMS string
}

// headerDoer is the go-openai HTTP client: it sends with the configured
// http.Client and records the Retry-After headers of each response into
// the request's attemptInfo.
type headerDoer struct{ client *http.Client }

// Do sends req and notes its response's Retry-After headers.
func (d headerDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.client.Do(req)
	if resp != nil {
		if info, ok := req.Context().Value(attemptKey{}).(*attemptInfo); ok {
			info.retryAfter = resp.Header.Get("Retry-After")
			info.retryAfterMS = resp.Header.Get("Retry-After-Ms")
		}
	}
	return resp, err
}

// send makes the request, retrying transient failures with backoff until
// it succeeds, fails for good, runs out of retries or ctx is done.
func (e *Embedder) send(ctx context.Context, req oai.EmbeddingRequestStrings) (oai.EmbeddingResponse, error) {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return oai.EmbeddingResponse{}, err
		}
		info := &attemptInfo{}
		actx := context.WithValue(ctx, attemptKey{}, info)
		cancel := context.CancelFunc(func() {})
		if e.timeout > 0 {
			actx, cancel = context.WithTimeout(actx, e.timeout)
		}
		resp, err := e.client.CreateEmbeddings(actx, req)
		cancel()
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return oai.EmbeddingResponse{}, ctx.Err()
		}
		f := e.classify(err, info)
		if !f.retry {
			return oai.EmbeddingResponse{}, f.err
		}
		if attempt >= e.maxRetries {
			return oai.EmbeddingResponse{}, fmt.Errorf("giving up after %s: %w", attempts(attempt+1), f.err)
		}
		wait := e.backoff(attempt)
		if f.hasAfter {
			if f.retryAfter > maxRetryAfter {
				return oai.EmbeddingResponse{}, fmt.Errorf("endpoint asks to retry after %s, longer than %s: %w",
					f.retryAfter, maxRetryAfter, f.err)
			}
			wait = f.retryAfter
		}
		e.log.LogAttrs(ctx, slog.LevelWarn, "embedding request failed, retrying",
			slog.String("model", e.model),
			slog.String("reason", f.reason),
			slog.Int("status", f.status),
			slog.Int("attempt", attempt+1),
			slog.Int("max_retries", e.maxRetries),
			slog.Duration("wait", wait),
			slog.Int("batch_size", len(req.Input)))
		if err := sleep(ctx, wait); err != nil {
			return oai.EmbeddingResponse{}, err
		}
	}
}

func attempts(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return strconv.Itoa(n) + " attempts"
}

// backoff is the wait before retry number attempt+1: RetryBase doubled
// attempt times, capped at maxBackoff, with "equal jitter" (half fixed,
// half random) so that clients that failed together do not retry together.
func (e *Embedder) backoff(attempt int) time.Duration {
	d := maxBackoff
	if attempt < 30 {
		if x := e.retryBase << attempt; x > 0 && x < maxBackoff {
			d = x
		}
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// classify decides whether a failed attempt is worth retrying and turns
// its error into the one Embed reports.
func (e *Embedder) classify(err error, info *attemptInfo) failure {
	var apiErr *oai.APIError
	var reqErr *oai.RequestError
	switch {
	case errors.As(err, &apiErr) && apiErr.HTTPStatusCode > 0:
		quota := apiErr.Type == "insufficient_quota" || apiErr.Code == "insufficient_quota"
		return e.statusFailure(apiErr.HTTPStatusCode, apiErr.Message, quota, info)
	case errors.As(err, &reqErr) && reqErr.HTTPStatusCode > 0:
		msg := string(reqErr.Body)
		if apiErr != nil {
			msg = apiErr.Message
		}
		return e.statusFailure(reqErr.HTTPStatusCode, msg, false, info)
	}

	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var authErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return failure{err: fmt.Errorf("cannot resolve the embedding endpoint's host: %w", err)}
	case errors.As(err, &certErr), errors.As(err, &authErr), errors.As(err, &hostErr):
		return failure{err: fmt.Errorf("embedding endpoint's TLS certificate is not trusted: %w", err)}
	case errors.As(err, &syntaxErr), errors.As(err, &typeErr):
		return failure{err: fmt.Errorf("embedding endpoint sent a malformed response: %w", err)}
	case errors.Is(err, context.DeadlineExceeded):
		return failure{err: fmt.Errorf("embedding request timed out: %w", err), retry: true, reason: "timeout"}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return failure{err: fmt.Errorf("embedding response was cut short: %w", err), retry: true, reason: "truncated"}
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return failure{err: fmt.Errorf("embedding request: %w", err), retry: true, reason: "network"}
	}
	return failure{err: fmt.Errorf("embedding request: %w", err)}
}

// statusFailure classifies an HTTP error status: 408, 409, 429 (unless the
// quota is exhausted) and 5xx other than 501 and 505 are retried.
func (e *Embedder) statusFailure(status int, msg string, quota bool, info *attemptInfo) failure {
	se := &StatusError{StatusCode: status, Message: e.scrub(msg)}
	f := failure{err: se, status: status, reason: "status"}
	switch {
	case status == http.StatusBadRequest:
		se.summary = "embedding endpoint rejected the request (400)"
	case status == http.StatusUnauthorized && e.keySet:
		se.summary = "embedding endpoint refused the key (401)"
	case status == http.StatusUnauthorized:
		se.summary = "embedding endpoint wants an API key and none is configured (401)"
	case status == http.StatusForbidden:
		se.summary = "embedding endpoint denied access (403)"
	case status == http.StatusNotFound:
		se.summary = fmt.Sprintf("embedding endpoint or model %q not found (404); check the base URL and model", e.model)
	case status == http.StatusRequestEntityTooLarge:
		se.summary = "embedding request too large (413); lower the batch size or batch tokens"
	case status == http.StatusTooManyRequests && quota:
		se.summary = "embedding endpoint reports the quota is exhausted (429)"
	case status == http.StatusTooManyRequests:
		se.summary = "embedding endpoint is rate limiting (429)"
		f.retry = true
	case status == http.StatusRequestTimeout, status == http.StatusConflict:
		se.summary = fmt.Sprintf("embedding endpoint returned %d", status)
		f.retry = true
	case status >= 500:
		se.summary = fmt.Sprintf("embedding endpoint failed (%d)", status)
		f.retry = status != http.StatusNotImplemented && status != http.StatusHTTPVersionNotSupported
	default:
		se.summary = fmt.Sprintf("embedding endpoint returned %d", status)
	}
	if f.retry {
		f.retryAfter, f.hasAfter = parseRetryAfter(info, time.Now())
	}
	return f
}

// parseRetryAfter reads retry-after-ms (OpenAI's, in milliseconds) or
// else Retry-After (seconds or an HTTP date). Negative waits become 0.
func parseRetryAfter(info *attemptInfo, now time.Time) (time.Duration, bool) {
	if ms, err := strconv.ParseFloat(strings.TrimSpace(info.retryAfterMS), 64); err == nil && !math.IsNaN(ms) {
		if ms > float64(maxRetryAfter/time.Millisecond) {
			return maxRetryAfter + time.Second, true
		}
		return max(time.Duration(ms*float64(time.Millisecond)), 0), true
	}
	s := strings.TrimSpace(info.retryAfter)
	if s == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(s, 10, 64); err == nil {
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter + time.Second, true
		}
		return max(time.Duration(secs)*time.Second, 0), true
	}
	if t, err := http.ParseTime(s); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// scrub makes a server message safe and short for an error: the API key
// removed, whitespace collapsed, at most maxMessage bytes.
func (e *Embedder) scrub(msg string) string {
	if e.redact != "" {
		msg = strings.ReplaceAll(msg, e.redact, "[redacted]")
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if len(msg) > maxMessage {
		cut := maxMessage
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
}
