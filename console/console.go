// Package console is citebot's web console for admins: the collections and
// their documents with a chunk viewer, a search box that shows ranked
// passages with their scores, ingest runs with live progress, feedback and
// charts, and evaluation runs, behind a Discord sign-in (a user sees only
// the guilds they may manage) or an operator token.
//
// It is a top-level folder of its own because it fits none of the others:
// it is not the Discord bot (bot/ only speaks to Discord), nor retrieval or
// answering (rag/), nor an embedding model (embeddings/); it is an admin web
// UI over the store, wired by cli/ like the bot is. It uses the standard
// library only (net/http, html/template); its templates and assets are
// embedded, and pages read without JavaScript (a little script only follows
// a running ingest's progress).
package console

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/citebot/citebot/rag"
	"github.com/citebot/citebot/rag/eval"
	"github.com/citebot/citebot/rag/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Library is what the reading pages show.
type Library interface {
	Collections(ctx context.Context) ([]store.CollectionInfo, error)
	Documents(ctx context.Context, collection string, offset, limit int) ([]rag.DocumentInfo, int, error)
	DocumentPassages(ctx context.Context, collection, source string) ([]rag.Passage, error)
	RecentFeedback(ctx context.Context, collection string, limit int) ([]store.FeedbackEntry, error)
	HelpfulPerWeek(ctx context.Context, collection string, since time.Time) ([]store.Bucket, error)
	AnswersPer(ctx context.Context, collection, period string, since time.Time) ([]store.Bucket, error)
	RecentAnswers(ctx context.Context, collection, which string, limit int) ([]store.Answer, error)
	SyncSources(ctx context.Context, collection string) ([]store.Source, error)
}

// Sessions keeps Discord sign-ins.
type Sessions interface {
	PutConsoleSession(ctx context.Context, cs store.ConsoleSession) error
	ConsoleSessionByID(ctx context.Context, id string) (store.ConsoleSession, error)
	SetConsoleGuilds(ctx context.Context, id string, guilds []store.ConsoleGuild, at time.Time) error
	DeleteConsoleSession(ctx context.Context, id string) error
}

// Retriever ranks passages for a query, as `citebot search` does.
type Retriever interface {
	Retrieve(ctx context.Context, collection, query string, k int) ([]rag.Passage, error)
}

// Config is what a console serves with. Library, Sessions, Runs, Jobs, Evals,
// Retriever, Ingester and Answerer are required.
type Config struct {
	Library   Library
	Sessions  Sessions
	Runs      IngestRuns
	Jobs      Jobs
	Evals     EvalRuns
	Retriever Retriever
	Ingester  Ingester
	Answerer  eval.Answerer
	Logger    *slog.Logger

	// Token, when set, signs in as the operator with full access.
	Token string
	// PublicURL is the console's base URL as browsers reach it; the OAuth2
	// redirect is PublicURL + "/auth/callback".
	PublicURL string
	// DiscordAPI is the REST root, e.g. https://discord.com/api/v10; the
	// OAuth2 endpoints are under it.
	DiscordAPI                     string
	DiscordClientID, DiscordSecret string
	// SessionSecret signs cookies; when empty a random one is drawn, so
	// that sessions end when the process restarts.
	SessionSecret []byte
	// HTTPClient calls Discord; nil is a client with a 10-second timeout.
	HTTPClient *http.Client
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Server is the console. Create it with New and serve Handler.
type Server struct {
	cfg    Config
	log    *slog.Logger
	secret []byte
	pages  map[string]*template.Template
	oauth  *discordOAuth
	now    func() time.Time
	secure bool
}

// New checks cfg and parses the templates.
func New(cfg Config) (*Server, error) {
	if cfg.Library == nil || cfg.Sessions == nil || cfg.Runs == nil || cfg.Jobs == nil || cfg.Evals == nil ||
		cfg.Retriever == nil || cfg.Ingester == nil || cfg.Answerer == nil {
		return nil, errors.New("console: library, sessions, runs, jobs, evals, retriever, ingester and answerer are required")
	}
	pu, err := url.Parse(cfg.PublicURL)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return nil, fmt.Errorf("console: public URL %q: want an http(s) URL", cfg.PublicURL)
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.Token == "" && cfg.DiscordClientID == "" {
		return nil, errors.New("console: set an operator token or a Discord client id, or nobody can sign in")
	}
	s := &Server{cfg: cfg, log: cfg.Logger, secret: cfg.SessionSecret, now: cfg.Now, secure: pu.Scheme == "https"}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if len(s.secret) == 0 {
		s.secret = make([]byte, 32)
		rand.Read(s.secret)
	}
	if cfg.DiscordClientID != "" {
		s.oauth = newDiscordOAuth(cfg)
	}
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler serves the console. ctx bounds the ingest and evaluation runs
// the pages start: they stop when it ends.
func (s *Server) Handler(ctx context.Context) http.Handler {
	m := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	m.HandleFunc("GET /signin", s.signinPage)
	m.HandleFunc("POST /signin", s.signinToken)
	m.HandleFunc("GET /auth/discord", s.authStart)
	m.HandleFunc("GET /auth/callback", s.authCallback)
	m.Handle("POST /signout", s.auth(s.signout))
	m.Handle("GET /{$}", s.auth(s.collectionsPage))
	s.collectionRoutes(ctx, m)
	return securityHeaders(m)
}

func (s *Server) collectionRoutes(ctx context.Context, m *http.ServeMux) {
	routes := map[string]func(w http.ResponseWriter, r *http.Request, v *view){
		"GET /c/{coll}":                   s.collectionPage,
		"GET /c/{coll}/document":          s.documentPage,
		"GET /c/{coll}/search":            s.searchPage,
		"GET /c/{coll}/activity":          s.activityPage,
		"GET /c/{coll}/jobs":              s.jobsPage,
		"GET /c/{coll}/jobs/{id}":         s.jobPage,
		"GET /c/{coll}/jobs/{id}/status":  s.jobStatus,
		"GET /c/{coll}/queue/{id}":        s.queuedJobPage,
		"GET /c/{coll}/queue/{id}/status": s.queuedJobStatus,
		"GET /c/{coll}/eval":              s.evalPage,
		"POST /c/{coll}/eval/qa":          s.saveQA,
		"POST /c/{coll}/ingest": func(w http.ResponseWriter, r *http.Request, v *view) {
			s.startIngest(ctx, w, r, v)
		},
		"POST /c/{coll}/eval/run": func(w http.ResponseWriter, r *http.Request, v *view) {
			s.startEval(ctx, w, r, v)
		},
	}
	for pattern, h := range routes {
		m.Handle(pattern, s.auth(s.inCollection(h)))
	}
}

// securityHeaders keeps pages out of frames and scripts to the console's own.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}
