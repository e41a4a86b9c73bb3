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

// maxRedirects bounds the redirects one REST request may follow.
const maxRedirects = 5

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
// Redirects are followed only within cfg.APIBase, and the token is never
// sent anywhere else. The gateway URL comes from the REST API as usual.
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
	rt := &rewriteTransport{from: discordgo.EndpointAPI, to: base + "/", next: next}
	s.Client = &http.Client{Timeout: timeout, Transport: rt, CheckRedirect: rt.checkRedirect}
	s.Identify.Intents = cfg.Intents
	s.ShardID, s.ShardCount = cfg.ShardID, max(cfg.ShardCount, 1)
	if s.ShardID >= s.ShardCount {
		return nil, fmt.Errorf("shard id %d out of range for %d shards", s.ShardID, s.ShardCount)
	}
	s.StateEnabled = true
	return s, nil
}

// errOffRoot is returned for a request or redirect that would leave the
// configured API root with the token.
var errOffRoot = errors.New("outside the configured discord api root")

// rewriteTransport sends requests aimed at discordgo's API root (which
// discordgo v0.29 pins to v9) to the configured root, keeps redirects on
// it, and refuses to send the token anywhere else.
type rewriteTransport struct {
	from string // discordgo's root, with a trailing slash
	to   string // the configured root, with a trailing slash
	next http.RoundTripper
}

func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	u := req.URL.String()
	if !strings.HasPrefix(u, t.from) {
		if req.Header.Get("Authorization") != "" && !strings.HasPrefix(u, t.to) {
			return nil, fmt.Errorf("send %s with the bot token: %w (%s)", req.URL.Redacted(), errOffRoot, t.to)
		}
		return t.next.RoundTrip(req)
	}
	nu, err := url.Parse(t.to + strings.TrimPrefix(u, t.from))
	if err != nil {
		return nil, fmt.Errorf("rewrite discord url: %w", err)
	}
	out := req.Clone(req.Context())
	out.URL, out.Host = nu, nu.Host
	resp, err := t.next.RoundTrip(out)
	if err != nil {
		return nil, err // the client wraps it in a *url.Error; dialled renames that
	}
	t.relocate(resp, nu)
	return resp, nil
}

// relocate resolves a redirect's Location against the URL actually
// dialled. One within the configured root is expressed in discordgo's
// namespace again, so that the client follows it through this transport
// (with the token, on the same root); any other is left absolute for
// checkRedirect to refuse.
func (t *rewriteTransport) relocate(resp *http.Response, dialled *url.URL) {
	loc := resp.Header.Get("Location")
	if loc == "" || resp.StatusCode < 300 || resp.StatusCode > 399 {
		return
	}
	abs, err := dialled.Parse(loc)
	if err != nil {
		resp.Header.Del("Location")
		return
	}
	s := abs.String()
	if strings.HasPrefix(s, t.to) {
		s = t.from + strings.TrimPrefix(s, t.to)
	}
	resp.Header.Set("Location", s)
}

// checkRedirect lets the client follow only redirects that relocate kept
// on the configured root.
func (t *rewriteTransport) checkRedirect(req *http.Request, via []*http.Request) error {
	if !strings.HasPrefix(req.URL.String(), t.from) {
		return fmt.Errorf("discord api redirected to %s, %w %s: refused", req.URL.Redacted(), errOffRoot, t.to)
	}
	if len(via) >= maxRedirects {
		return fmt.Errorf("discord api: more than %d redirects", maxRedirects)
	}
	return nil
}

// dialled rewrites discordgo's URL in a client error (a *url.Error naming
// https://discord.com/api/v9/...) to the URL actually dialled.
func (t *rewriteTransport) dialled(err error) error {
	var ue *url.Error
	if err == nil || !errors.As(err, &ue) || !strings.HasPrefix(ue.URL, t.from) {
		return err
	}
	return &url.Error{Op: ue.Op, URL: t.to + strings.TrimPrefix(ue.URL, t.from), Err: ue.Err}
}

// apiErr names the URL actually dialled in an error from s's client.
func apiErr(s *discordgo.Session, err error) error {
	if s == nil || s.Client == nil {
		return err
	}
	if rt, ok := s.Client.Transport.(*rewriteTransport); ok {
		return rt.dialled(err)
	}
	return err
}
