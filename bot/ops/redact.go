package ops

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
)

// Redacted replaces a secret in logs.
const Redacted = "[redacted]"

// MinSecretLen is the shortest secret Redact replaces: shorter values
// (an empty key, a placeholder like "x" for a local server) would mangle
// every record without protecting anything.
const MinSecretLen = 6

// Redact wraps h so that every occurrence of the given secrets (bot
// tokens, API keys, database passwords) in a record's message or in any
// attribute, nested groups and attributes added with WithAttrs included,
// is replaced with "[redacted]". Their URL-escaped forms are replaced too.
// Values that are not strings (errors, Stringers, structs) are formatted
// and replaced by the redacted text when they hold a secret.
func Redact(h slog.Handler, secrets ...string) slog.Handler {
	var pairs []string
	seen := map[string]bool{}
	for _, s := range secrets {
		if len(s) < MinSecretLen {
			continue
		}
		for _, v := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			if !seen[v] {
				seen[v] = true
				pairs = append(pairs, v, Redacted)
			}
		}
	}
	if len(pairs) == 0 {
		return h
	}
	return &redactHandler{next: h, r: strings.NewReplacer(pairs...), secrets: pairs}
}

type redactHandler struct {
	next    slog.Handler
	r       *strings.Replacer
	secrets []string // secret, Redacted, secret, Redacted, ...
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
	return &redactHandler{next: h.next.WithAttrs(clean), r: h.r, secrets: h.secrets}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{next: h.next.WithGroup(h.r.Replace(name)), r: h.r, secrets: h.secrets}
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
	for i := 0; i < len(h.secrets); i += 2 {
		if strings.Contains(s, h.secrets[i]) {
			return true
		}
	}
	return false
}
