package ops

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
)

// requestIDKey is the context key of a request id.
type requestIDKey struct{}

// WithRequestID returns ctx carrying a request id, and the id: the one ctx
// already carries, else a new random one.
func WithRequestID(ctx context.Context) (context.Context, string) {
	if id, ok := RequestID(ctx); ok {
		return ctx, id
	}
	var b [8]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	return context.WithValue(ctx, requestIDKey{}, id), id
}

// ContextWithRequestID returns ctx carrying id, e.g. a Discord interaction
// id, as its request id.
func ContextWithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id ctx carries.
func RequestID(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(requestIDKey{}).(string)
	return id, ok && id != ""
}

// RequestIDHandler wraps h so that every record logged with a context
// carrying a request id gets a top-level "request_id" attribute, also
// when the logger has opened groups with WithGroup.
func RequestIDHandler(h slog.Handler) slog.Handler { return &requestIDHandler{next: h} }

// requestIDHandler passes attributes given before any group to next, and
// keeps groups and the attributes given inside them, so that it can nest
// a record's attributes itself and keep request_id at the top.
type requestIDHandler struct {
	next slog.Handler
	goas []groupOrAttrs
}

// groupOrAttrs is one WithGroup or WithAttrs call after the first group.
type groupOrAttrs struct {
	group string
	attrs []slog.Attr
}

func (h *requestIDHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	id, ok := RequestID(ctx)
	if !ok && len(h.goas) == 0 {
		return h.next.Handle(ctx, r)
	}
	var attrs []slog.Attr
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a)
		return true
	})
	for i := len(h.goas) - 1; i >= 0; i-- {
		g := h.goas[i]
		if g.group == "" {
			attrs = append(append([]slog.Attr(nil), g.attrs...), attrs...)
		} else if len(attrs) > 0 {
			attrs = []slog.Attr{{Key: g.group, Value: slog.GroupValue(attrs...)}}
		}
	}
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	if ok {
		out.AddAttrs(slog.String("request_id", id))
	}
	out.AddAttrs(attrs...)
	return h.next.Handle(ctx, out)
}

func (h *requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	if len(h.goas) == 0 {
		return &requestIDHandler{next: h.next.WithAttrs(as)}
	}
	return &requestIDHandler{next: h.next, goas: append(h.goas[:len(h.goas):len(h.goas)], groupOrAttrs{attrs: as})}
}

func (h *requestIDHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &requestIDHandler{next: h.next, goas: append(h.goas[:len(h.goas):len(h.goas)], groupOrAttrs{group: name})}
}
