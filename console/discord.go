package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/citebot/citebot/rag/store"
)

// Discord permission bits a console user needs one of in a guild (the
// owner has them all): Manage Server, or Administrator which implies it.
const (
	permAdministrator = 0x8
	permManageGuild   = 0x20
)

// oauthScopes are what the console asks for: who the user is and which
// guilds they are in, with their permissions there.
const oauthScopes = "identify guilds"

// errTokenRejected means Discord no longer accepts an access token.
var errTokenRejected = errors.New("discord rejected the access token")

// discordOAuth is the OAuth2 authorization code flow against Discord
// (or the in-repo fake), and the two user endpoints the console reads.
type discordOAuth struct {
	api, clientID, secret, redirect string
	hc                              *http.Client
}

func newDiscordOAuth(cfg Config) *discordOAuth {
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	return &discordOAuth{api: strings.TrimRight(cfg.DiscordAPI, "/"), clientID: cfg.DiscordClientID,
		secret: cfg.DiscordSecret, redirect: cfg.PublicURL + "/auth/callback", hc: hc}
}

// authorizeURL is where the browser goes to approve the sign-in.
func (o *discordOAuth) authorizeURL(state string) string {
	q := url.Values{"response_type": {"code"}, "client_id": {o.clientID}, "scope": {oauthScopes},
		"state": {state}, "redirect_uri": {o.redirect}, "prompt": {"none"}}
	return o.api + "/oauth2/authorize?" + q.Encode()
}

// exchange trades an authorization code for an access token.
func (o *discordOAuth) exchange(ctx context.Context, code string) (string, time.Duration, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {o.redirect}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.api+"/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, fmt.Errorf("token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(o.clientID, o.secret)
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := o.do(req, &tok); err != nil {
		return "", 0, fmt.Errorf("exchange code: %w", err)
	}
	if tok.AccessToken == "" || !strings.EqualFold(tok.TokenType, "bearer") {
		return "", 0, errors.New("exchange code: no bearer token in the answer")
	}
	return tok.AccessToken, time.Duration(tok.ExpiresIn) * time.Second, nil
}

// user returns the signed-in user's id and name.
func (o *discordOAuth) user(ctx context.Context, token string) (string, string, error) {
	var u struct {
		ID         string `json:"id"`
		Username   string `json:"username"`
		GlobalName string `json:"global_name"`
	}
	if err := o.get(ctx, token, "/users/@me", &u); err != nil {
		return "", "", fmt.Errorf("read user: %w", err)
	}
	if u.ID == "" {
		return "", "", errors.New("read user: no id")
	}
	return u.ID, cmpOr(u.GlobalName, u.Username), nil
}

// guilds lists the user's guilds with whether they may manage each.
func (o *discordOAuth) guilds(ctx context.Context, token string) ([]store.ConsoleGuild, error) {
	var gs []struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		Owner       bool   `json:"owner"`
		Permissions string `json:"permissions"`
	}
	if err := o.get(ctx, token, "/users/@me/guilds", &gs); err != nil {
		return nil, fmt.Errorf("list guilds: %w", err)
	}
	out := make([]store.ConsoleGuild, 0, len(gs))
	for _, g := range gs {
		perms, _ := strconv.ParseInt(g.Permissions, 10, 64)
		out = append(out, store.ConsoleGuild{ID: g.ID, Name: g.Name,
			Manage: g.Owner || perms&(permManageGuild|permAdministrator) != 0})
	}
	return out, nil
}

func (o *discordOAuth) get(ctx context.Context, token, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.api+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return o.do(req, v)
}

func (o *discordOAuth) do(req *http.Request, v any) error {
	resp, err := o.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("read %s: %w", req.URL.Path, err)
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return errTokenRejected
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: status %d", req.Method, req.URL.Path, resp.StatusCode)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decode %s: %w", req.URL.Path, err)
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
