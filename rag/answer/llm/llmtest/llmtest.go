// Package llmtest serves scripted replies from an OpenAI-compatible chat
// completions endpoint for tests: Server-Sent Events for streamed
// requests, JSON otherwise, with rate limits, server errors, malformed
// chunks, stalls and dropped connections on demand. It checks every
// request it receives.
package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Reply is one scripted answer to one request.
type Reply struct {
	// Status, when not 0 or 200, answers with that status, Header and an
	// OpenAI-style error body.
	Status int
	Header map[string]string
	// Chunks are the content deltas streamed one event each (or joined in
	// a non-streamed reply).
	Chunks []string
	// Raw events are sent verbatim as "data: <raw>" after Chunks, e.g. a
	// malformed chunk.
	Raw []string
	// Stall blocks after the chunks until the client goes away.
	Stall bool
	// Drop closes the connection after the chunks without [DONE].
	Drop bool
}

// Request is what the server saw of one request.
type Request struct {
	Model    string    `json:"model"`
	Messages []Message `json:"messages"`
	Stream   bool      `json:"stream"`
}

// Message is one chat message of a Request.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Server is an httptest server answering POST /v1/chat/completions with
// scripted replies, in order.
type Server struct {
	srv   *httptest.Server
	t     testing.TB
	model string

	mu       sync.Mutex
	replies  []Reply
	requests []Request
}

// New starts a server expecting model in every request; it is closed
// when the test ends.
func New(t testing.TB, model string, replies ...Reply) *Server {
	s := &Server{t: t, model: model, replies: replies}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the API base URL to configure a client with.
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		s.t.Errorf("llmtest: unexpected %s %s", r.Method, r.URL.Path)
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	var req Request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.t.Errorf("llmtest: request body: %v", err)
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	s.check(req)
	s.mu.Lock()
	s.requests = append(s.requests, req)
	if len(s.replies) == 0 {
		s.mu.Unlock()
		s.t.Errorf("llmtest: request %d has no scripted reply", len(s.requests))
		http.Error(w, `{"error":{"message":"no reply scripted"}}`, http.StatusTeapot)
		return
	}
	rep := s.replies[0]
	s.replies = s.replies[1:]
	s.mu.Unlock()
	switch {
	case rep.Status != 0 && rep.Status != http.StatusOK:
		writeError(w, rep)
	case req.Stream:
		s.stream(w, r, rep)
	default:
		writeJSON(w, req.Model, strings.Join(rep.Chunks, ""))
	}
}

func (s *Server) check(req Request) {
	if req.Model != s.model {
		s.t.Errorf("llmtest: model %q, want %q", req.Model, s.model)
	}
	if len(req.Messages) == 0 {
		s.t.Errorf("llmtest: request without messages")
	}
	for i, m := range req.Messages {
		if m.Role != "system" && m.Role != "user" && m.Role != "assistant" {
			s.t.Errorf("llmtest: message %d has role %q", i, m.Role)
		}
		if strings.TrimSpace(m.Content) == "" {
			s.t.Errorf("llmtest: message %d is empty", i)
		}
	}
}

func writeError(w http.ResponseWriter, rep Reply) {
	for k, v := range rep.Header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.Status)
	fmt.Fprintf(w, `{"error":{"message":"scripted status %d","type":"server_error"}}`, rep.Status)
}

func writeJSON(w http.ResponseWriter, model, content string) {
	w.Header().Set("Content-Type", "application/json")
	b, _ := json.Marshal(map[string]any{"id": "cmpl-test", "object": "chat.completion", "model": model,
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": content}}}})
	w.Write(b)
}

func (s *Server) stream(w http.ResponseWriter, r *http.Request, rep Reply) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	fl, _ := w.(http.Flusher)
	send := func(data string) {
		fmt.Fprintf(w, "data: %s\n\n", data)
		if fl != nil {
			fl.Flush()
		}
	}
	for _, c := range rep.Chunks {
		b, _ := json.Marshal(map[string]any{"id": "chunk-test", "object": "chat.completion.chunk", "model": s.model,
			"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": c}}}})
		send(string(b))
	}
	for _, raw := range rep.Raw {
		send(raw)
	}
	switch {
	case rep.Stall:
		<-r.Context().Done()
	case rep.Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
		}
	default:
		send("[DONE]")
	}
}
