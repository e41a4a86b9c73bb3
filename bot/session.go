package bot

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// DefaultAPIBase is Discord's REST API root, the one discordgo targets.
const DefaultAPIBase = "https://discord.com/api/v10"

// SessionConfig configures the discordgo session NewSession builds.
type SessionConfig struct {
	// APIBase is the REST root requests are sent to; empty means
	// DefaultAPIBase. Tests point it at a discordtest server.
	APIBase string
	// Intents are the gateway intents identified with.
	Intents discordgo.Intent
	// ShardID and ShardCount select the shard; ShardCount 0 means 1.
	ShardID    int
	ShardCount int
	// Transport carries the requests once rewritten; nil means
	// http.DefaultTransport.
	Transport http.RoundTripper
	// Timeout bounds one REST request; 0 means 20 s.
	Timeout time.Duration
}

// NewSession builds the discordgo session citebot runs on. Requests aimed
// at discordgo's endpoints are rewritten by the client's transport to
// cfg.APIBase; discordgo's package-level endpoint variables are left alone.
// The gateway URL comes from the REST API as usual.
func NewSession(token string, cfg SessionConfig) (*discordgo.Session, error) {
	token = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(token), "Bot "))
	if token == "" {
		return nil, errors.New("discord token is empty")
	}
	base := cfg.APIBase
	if base == "" {
		base = DefaultAPIBase
	}
	base = strings.TrimSuffix(base, "/")
	if u, err := url.Parse(base); err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("parse api base %q: invalid url", base)
	}
	s, err := discordgo.New("Bot " + token)
	if err != nil {
		return nil, fmt.Errorf("new discord session: %w", err)
	}
	next := cfg.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}
	s.Client = &http.Client{Timeout: timeout, Transport: &rewriteTransport{from: discordgo.EndpointAPI, to: base, next: next}}
	s.Identify.Intents = cfg.Intents
	s.ShardID, s.ShardCount = cfg.ShardID, max(cfg.ShardCount, 1)
	if s.ShardID >= s.ShardCount {
		return nil, fmt.Errorf("shard id %d out of range for %d shards", s.ShardID, s.ShardCount)
	}
	s.StateEnabled = true
	return s, nil
}

// rewriteTransport sends requests aimed at discordgo's API root (which
// discordgo v0.29 pins to v9) to the configured root.
type rewriteTransport struct {
	from string
	to   string
	next http.RoundTripper
}

func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	u := req.URL.String()
	if !strings.HasPrefix(u, t.from) {
		return t.next.RoundTrip(req)
	}
	nu, err := url.Parse(t.to + "/" + strings.TrimPrefix(u, t.from))
	if err != nil {
		return nil, fmt.Errorf("rewrite discord url: %w", err)
	}
	out := req.Clone(req.Context())
	out.URL, out.Host = nu, nu.Host
	return t.next.RoundTrip(out)
}
