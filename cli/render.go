package cli

import (
	"context"
	"io"
	"os"

	"github.com/charmbracelet/glamour"
	"golang.org/x/term"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/answer"
	"github.com/citebot/citebot/rag/loader"
	"github.com/citebot/citebot/rag/store"
)

// maxWrap is the widest a rendered answer is wrapped, for readability on
// wide terminals.
const maxWrap = 100

// presenter is how ask, search and the chat show answers: passages
// located in their files and shown relative to the collection's root, as
// Markdown rendered for the terminal, or plain Markdown when stdout is not
// one.
type presenter struct {
	e     *env
	store *store.Store
	style *glamour.TermRenderer
}

func (e *env) presenter(svc *services) *presenter {
	return &presenter{e: e, store: svc.store, style: glamourRenderer(e.io.Stdout, e.io.Getenv)}
}

// locate returns a copy of a with line ranges and, when relative is set,
// sources relative to the collection's root; a itself when that fails.
func (p *presenter) locate(ctx context.Context, a *rag.Answer, relative bool) *rag.Answer {
	l, err := p.locator(ctx)
	if err != nil {
		return a
	}
	return l.answer(ctx, a, relative)
}

func (p *presenter) locator(ctx context.Context) (*locator, error) {
	l, err := newLocator(ctx, p.store, p.e.cfg.Collection, loader.Options{AllowPrivate: p.e.cfg.AllowPrivateURLs})
	if err != nil {
		p.e.logger.WarnContext(ctx, "locate sources", "err", err.Error())
	}
	return l, err
}

// markdown renders an answer for stdout.
func (p *presenter) markdown(a *rag.Answer) string {
	md := answer.Markdown(a)
	if p.style == nil {
		return md
	}
	out, err := p.style.Render(md)
	if err != nil {
		return md
	}
	return out
}

// glamourRenderer renders Markdown for w when it is a terminal; nil
// otherwise. The style is fixed (dark, or GLAMOUR_STYLE's name, as glamour
// reads it) rather than detected, since detecting asks the terminal and
// would read the chat's input.
func glamourRenderer(w io.Writer, getenv func(string) string) *glamour.TermRenderer {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	width := maxWrap
	if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
		width = min(cols-2, maxWrap)
	}
	style := getenv("GLAMOUR_STYLE")
	if style == "" || style == "auto" {
		style = "dark"
	}
	r, err := glamour.NewTermRenderer(glamour.WithStandardStyle(style), glamour.WithWordWrap(width))
	if err != nil {
		return nil
	}
	return r
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
