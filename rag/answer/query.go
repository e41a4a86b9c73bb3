package answer

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/answer/llm"
)

// carriedTerms caps how many of the previous question's words a follow-up
// borrows when there is no LLM to rewrite it.
const carriedTerms = 6

// referring words mark a question that leans on the one before.
var referring = map[string]bool{"it": true, "its": true, "they": true, "them": true, "their": true,
	"this": true, "that": true, "these": true, "those": true, "he": true, "she": true, "his": true,
	"her": true, "there": true, "then": true, "also": true, "else": true, "more": true, "why": true}

// standaloneQuery makes a follow-up self-contained: the LLM rewrites it,
// or without one (or when the rewrite fails) the previous question's key
// words are added.
func (p *Pipeline) standaloneQuery(ctx context.Context, q string, history []rag.Turn) (string, error) {
	if len(history) == 0 {
		return q, nil
	}
	if p.cfg.LLM != nil {
		out, err := p.rewrite(ctx, q, history)
		if err == nil {
			return out, nil
		}
		if ctx.Err() != nil {
			return "", err
		}
		p.log.LogAttrs(ctx, slog.LevelWarn, "follow-up rewrite failed; carrying key words instead", slog.String("error", err.Error()))
	}
	if !looksLikeFollowUp(q) {
		return q, nil
	}
	prev := history[len(history)-1].Question
	have := termSet(q)
	var add []string
	seen := map[string]bool{}
	for _, w := range words(prev) {
		t := term(w)
		if stopwords[w] || len(w) < 2 || have[t] || seen[t] {
			continue
		}
		seen[t] = true
		add = append(add, w)
		if len(add) == carriedTerms {
			break
		}
	}
	if len(add) == 0 {
		return q, nil
	}
	return q + " (" + strings.Join(add, " ") + ")", nil
}

// looksLikeFollowUp: a short question, or one with a referring word.
func looksLikeFollowUp(q string) bool {
	if len(contentTerms(q)) <= 2 {
		return true
	}
	for _, w := range words(q) {
		if referring[w] {
			return true
		}
	}
	return false
}

// rewriteTurns caps how much history the rewrite prompt carries.
const rewriteTurns = 3

// rewrite asks the LLM for a standalone search query.
func (p *Pipeline) rewrite(ctx context.Context, q string, history []rag.Turn) (string, error) {
	var b strings.Builder
	for _, t := range history[max(0, len(history)-rewriteTurns):] {
		fmt.Fprintf(&b, "User: %s\nAssistant: %s\n", t.Question, clip(t.Answer, 600))
	}
	msgs := []llm.Message{
		{Role: "system", Content: "Rewrite the user's last question as one standalone search query that can be understood without the conversation. Reply with the query only, no quotes, no explanation."},
		{Role: "user", Content: "Conversation:\n" + b.String() + "\nLast question: " + q},
	}
	out, err := p.cfg.LLM.Chat(ctx, msgs, nil)
	if err != nil {
		return "", fmt.Errorf("rewrite follow-up: %w", err)
	}
	out = strings.Trim(strings.TrimSpace(out), `"“”`)
	if out == "" || len(out) > 4*p.cfg.MaxQuestionLen {
		return q, nil
	}
	return out, nil
}

// clip shortens s to about n characters at a word boundary.
func clip(s string, n int) string {
	rs := []rune(strings.TrimSpace(s))
	if len(rs) <= n {
		return string(rs)
	}
	cut := string(rs[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}
