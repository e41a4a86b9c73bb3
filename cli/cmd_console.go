package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/ops"
	"github.com/citebot/citebot/console"
)

// defaultConsoleAddr is where `citebot console` listens unless told.
const defaultConsoleAddr = "127.0.0.1:8080"

// console registers the web console's settings; standalone is the
// `citebot console` command, which also needs the Discord API root that
// serve registers.
func (b *binder) console(c *Config, standalone bool) {
	env := b.env
	addr := env("CITEBOT_CONSOLE_ADDR")
	if standalone {
		addr = or(addr, defaultConsoleAddr)
		b.str(&c.DiscordAPI, "discord-api", or(env("CITEBOT_DISCORD_API"), "https://discord.com/api/v10"), "Discord REST base URL; the console's OAuth2 endpoints follow it (env CITEBOT_DISCORD_API)")
	}
	b.str(&c.ConsoleAddr, "console-addr", addr, "serve the web console on this address; off when empty under serve (env CITEBOT_CONSOLE_ADDR)")
	b.str(&c.ConsoleURL, "console-url", env("CITEBOT_CONSOLE_URL"), "the console's public base URL, for the Discord OAuth2 redirect; default http://ADDR (env CITEBOT_CONSOLE_URL)")
	c.ConsoleToken = env("CITEBOT_CONSOLE_TOKEN")
	c.ConsoleSecret = env("CITEBOT_CONSOLE_SECRET")
	b.str(&c.DiscordClientID, "discord-client-id", env("CITEBOT_DISCORD_CLIENT_ID"), "OAuth2 client id for the console's Discord sign-in (env CITEBOT_DISCORD_CLIENT_ID)")
	c.DiscordClientSecret = env("CITEBOT_DISCORD_CLIENT_SECRET")
}

// validateConsole checks the console settings when the console is on.
func (c *Config) validateConsole() error {
	if c.ConsoleAddr == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(c.ConsoleAddr); err != nil {
		return fmt.Errorf("--console-addr %q: want host:port", c.ConsoleAddr)
	}
	if c.ConsoleToken == "" && c.DiscordClientID == "" {
		return errors.New("the console needs CITEBOT_CONSOLE_TOKEN or --discord-client-id (CITEBOT_DISCORD_CLIENT_ID), or nobody can sign in")
	}
	if c.DiscordClientID != "" && c.DiscordClientSecret == "" {
		return errors.New("--discord-client-id needs CITEBOT_DISCORD_CLIENT_SECRET")
	}
	if c.ConsoleSecret != "" && len(c.ConsoleSecret) < 32 {
		return errors.New("CITEBOT_CONSOLE_SECRET: want at least 32 characters")
	}
	if c.ConsoleURL == "" {
		host, port, _ := net.SplitHostPort(c.ConsoleAddr)
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		c.ConsoleURL = "http://" + net.JoinHostPort(host, port)
	}
	if u, err := url.Parse(c.ConsoleURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--console-url %q: want an http(s) URL", c.ConsoleURL)
	}
	return nil
}

func cmdConsole(ctx context.Context, e *env, args []string) error {
	if err := e.parseNoArgs(args, false, nil, ""); err != nil {
		return err
	}
	svc, err := e.services(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	return e.serveConsole(ctx, svc)
}

// serveConsole serves the web console on --console-addr until ctx ends.
func (e *env) serveConsole(ctx context.Context, svc *services) error {
	if e.cfg.ConsoleSecret == "" {
		e.logger.WarnContext(ctx, "CITEBOT_CONSOLE_SECRET is unset: console sessions end when this process stops")
	}
	up := &uploads{store: svc.store, in: e.ingester(svc), metrics: e.metrics,
		opts: e.loaderOptions()}
	c, err := console.New(console.Config{Library: svc.store, Sessions: svc.store, Runs: svc.store, Jobs: svc.store,
		Evals:     svc.store,
		Retriever: svc.retriever, Ingester: consoleIngester{up}, Answerer: svc.pipeline, Logger: e.logger,
		Token: e.cfg.ConsoleToken, PublicURL: e.cfg.ConsoleURL, DiscordAPI: e.cfg.DiscordAPI,
		DiscordClientID: e.cfg.DiscordClientID, DiscordSecret: e.cfg.DiscordClientSecret,
		SessionSecret: []byte(e.cfg.ConsoleSecret)})
	if err != nil {
		return err
	}
	srv, ln, err := ops.NewServer(ctx, e.cfg.ConsoleAddr, c.Handler(ctx), consoleLimits)
	if err != nil {
		return err
	}
	e.logger.InfoContext(ctx, "console listening", "addr", ln.Addr().String(), "url", e.cfg.ConsoleURL)
	if err := ops.Run(ctx, srv, ln, 10*time.Second); err != nil {
		return fmt.Errorf("console: %w", err)
	}
	return nil
}

// consoleLimits are the console listener's: browsers keep a few
// connections each, and an upload of up to 32 MiB may take a while.
var consoleLimits = ops.Limits{MaxConns: 128, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute,
	WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 32 << 10}

// consoleIngester gives the console the same ingests as the Discord
// commands: uploads, URLs and re-syncs.
type consoleIngester struct{ u *uploads }

func (c consoleIngester) IngestUpload(ctx context.Context, collection, filename string, data []byte, progress func(console.Progress)) (console.Summary, error) {
	s, err := c.u.IngestUpload(ctx, collection, filename, data, toBotProgress(progress))
	return fromBotSummary(s), err
}

func (c consoleIngester) IngestURL(ctx context.Context, collection, u string, progress func(console.Progress)) (console.Summary, error) {
	s, err := c.u.IngestURL(ctx, collection, u, toBotProgress(progress))
	return fromBotSummary(s), err
}

func (c consoleIngester) Resync(ctx context.Context, collection string, progress func(console.Progress)) (console.Summary, error) {
	s, err := c.u.Resync(ctx, collection, toBotProgress(progress))
	return fromBotSummary(s), err
}

func toBotProgress(p func(console.Progress)) func(bot.IngestProgress) {
	return func(b bot.IngestProgress) { p(console.Progress{Done: b.Done, Total: b.Total, Current: b.Current}) }
}

func fromBotSummary(s bot.IngestSummary) console.Summary {
	return console.Summary{Added: s.Added, Updated: s.Updated, Unchanged: s.Unchanged, Removed: s.Removed,
		Failed: s.Failed, Chunks: s.Chunks, Errors: append([]string(nil), s.Errors...)}
}

// consoleHelp is the summary line of `citebot console`.
const consoleHelp = "serve the web console for admins: console [--console-addr ADDR] (default " + defaultConsoleAddr + ")"
