package ops

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
)

// Redacted replaces a secret in logs.
const Redacted = "[redacted]"

// WordSecretLen is the length from which a secret is replaced wherever it
// occurs. A shorter secret (a 2-character key of a local server) is
// replaced only where it stands as a whole word, not inside a longer run
// of letters, digits, '-' and '_': replacing every "x" of a log would make
// it unreadable, and a secret inside a longer word is not that secret
// shown. Every non-empty secret is redacted; none is too short.
const WordSecretLen = 8

// Scrubber replaces secrets, and their URL-escaped forms, in text.
type Scrubber struct {
	long  *strings.Replacer
	words []string // shorter than WordSecretLen
	all   []string
}

// NewScrubber returns a Scrubber of the non-empty secrets.
func NewScrubber(secrets ...string) *Scrubber {
	var pairs []string
	sc := &Scrubber{}
	seen := map[string]bool{}
	for _, s := range secrets {
		for _, v := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			if v == "" || seen[v] {
				continue
			}
			seen[v] = true
			sc.all = append(sc.all, v)
			if len(v) >= WordSecretLen {
				pairs = append(pairs, v, Redacted)
			} else {
				sc.words = append(sc.words, v)
			}
		}
	}
	// Longest first, so a secret inside another is not replaced first.
	slices.SortFunc(sc.words, func(a, b string) int { return len(b) - len(a) })
	sc.long = strings.NewReplacer(pairs...)
	return sc
}

// Empty reports whether there is nothing to replace.
func (sc *Scrubber) Empty() bool { return sc == nil || len(sc.all) == 0 }

// Replace returns s with every secret replaced by "[redacted]". A nil
// Scrubber replaces nothing.
func (sc *Scrubber) Replace(s string) string {
	if sc == nil {
		return s
	}
	s = sc.long.Replace(s)
	for _, w := range sc.words {
		s = replaceWord(s, w)
	}
	return s
}

// Holds reports whether s shows a secret.
func (sc *Scrubber) Holds(s string) bool {
	return sc.Replace(s) != s
}

// Error returns err with its message scrubbed; it unwraps to err, so
// errors.Is and errors.As still see the chain.
func (sc *Scrubber) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := sc.Replace(err.Error())
	if msg == err.Error() {
		return err
	}
	return &scrubbedError{msg: msg, err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// replaceWord replaces w in s where it is not part of a longer word.
func replaceWord(s, w string) string {
	var b strings.Builder
	rest, i := s, 0
	for {
		j := strings.Index(rest[i:], w)
		if j < 0 {
			break
		}
		j += i
		end := j + len(w)
		if (j > 0 && wordByte(rest[j-1])) || (end < len(rest) && wordByte(rest[end])) {
			i = j + 1
			continue
		}
		b.WriteString(rest[:j])
		b.WriteString(Redacted)
		rest, i = rest[end:], 0
	}
	if b.Len() == 0 {
		return s
	}
	b.WriteString(rest)
	return b.String()
}

func wordByte(c byte) bool {
	return c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// Redact wraps h so that every occurrence of the given secrets (bot
// tokens, API keys, database passwords) in a record's message or in any
// attribute, nested groups and attributes added with WithAttrs included,
// is replaced with "[redacted]", as Scrubber replaces them. Values that
// are not strings (errors, Stringers, structs) are formatted and replaced
// by the redacted text when they hold a secret.
func Redact(h slog.Handler, secrets ...string) slog.Handler {
	sc := NewScrubber(secrets...)
	if sc.Empty() {
		return h
	}
	return &redactHandler{next: h, r: sc}
}

type redactHandler struct {
	next slog.Handler
	r    *Scrubber
}

func (h *redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *redactHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.r.Replace(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = h.attr(a)
	}
	return &redactHandler{next: h.next.WithAttrs(clean), r: h.r}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{next: h.next.WithGroup(h.r.Replace(name)), r: h.r}
}

// attr returns a with every secret replaced, in its key and value.
func (h *redactHandler) attr(a slog.Attr) slog.Attr {
	a.Key = h.r.Replace(a.Key)
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(h.r.Replace(v.String()))
	case slog.KindGroup:
		as := v.Group()
		clean := make([]slog.Attr, len(as))
		for i, g := range as {
			clean[i] = h.attr(g)
		}
		a.Value = slog.GroupValue(clean...)
	case slog.KindAny:
		a.Value = h.anyValue(v.Any())
	default:
		a.Value = v
	}
	return a
}

// anyValue keeps a value as it is unless its text holds a secret, in
// which case it becomes that text, redacted.
func (h *redactHandler) anyValue(x any) slog.Value {
	var s string
	switch t := x.(type) {
	case error:
		s = t.Error()
	case fmt.Stringer:
		s = t.String()
	default:
		s = fmt.Sprintf("%+v", x)
	}
	if h.holdsSecret(s) {
		return slog.StringValue(h.r.Replace(s))
	}
	if err, ok := x.(error); ok {
		// An error logs as its message; keep that form.
		return slog.StringValue(err.Error())
	}
	return slog.AnyValue(x)
}

func (h *redactHandler) holdsSecret(s string) bool {
	return h.r.Holds(s)
}
