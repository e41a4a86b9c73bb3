package bot

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// HTTPConfig configures InteractionsHandler.
type HTTPConfig struct {
	// PublicKey is the application's public key from the developer portal.
	PublicKey ed25519.PublicKey
	// DeferAfter is how long the handler waits for a response before
	// answering with a deferral itself; default 2 s, inside Discord's 3 s.
	DeferAfter time.Duration
	// MaxSkew rejects timestamps further than this from now; default 5 min.
	MaxSkew time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// BodyTimeout bounds reading the request body, whatever the server's
	// own timeouts; default 5 s.
	BodyTimeout time.Duration
}

// maxInteractionBody is the largest request body read: Discord's
// interactions are a few kilobytes; a larger body is refused with 413.
const maxInteractionBody = 1 << 20

// InteractionsHandler serves Discord's interactions endpoint URL: it
// checks the Ed25519 signature and timestamp, answers PING with PONG, and
// runs the interaction like a gateway one. If the handler has not
// responded within DeferAfter it replies with a deferral, and the answer
// follows by editing the original response over REST.
func (b *Bot) InteractionsHandler(cfg HTTPConfig) http.Handler {
	setDefault(&cfg.DeferAfter, 2*time.Second)
	setDefault(&cfg.MaxSkew, 5*time.Minute)
	setDefault(&cfg.BodyTimeout, 5*time.Second)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &interactionsHandler{b: b, cfg: cfg}
}

type interactionsHandler struct {
	b   *Bot
	cfg HTTPConfig
}

func (h *interactionsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := h.readBody(w, r)
	if err != nil {
		return
	}
	if !h.verify(r.Header, body) {
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil {
		http.Error(w, "invalid interaction", http.StatusBadRequest)
		return
	}
	if i.Type == discordgo.InteractionPing {
		writeResponse(w, &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong})
		return
	}
	resp := h.run(&i)
	writeResponse(w, resp)
}

// readBody reads the request body, at most maxInteractionBody bytes and
// within BodyTimeout, so a client dripping bytes cannot hold the
// connection. On failure it has answered and closed the connection.
func (h *interactionsHandler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	// Not every ResponseWriter can set deadlines (tests' recorders cannot);
	// the server's ReadTimeout bounds the body there.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(h.cfg.BodyTimeout))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxInteractionBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
	case err != nil:
		w.Header().Set("Connection", "close")
		http.Error(w, "request body not read", http.StatusRequestTimeout)
	}
	return body, err
}

// verify checks X-Signature-Ed25519 over timestamp+body and the
// timestamp's freshness.
func (h *interactionsHandler) verify(hdr http.Header, body []byte) bool {
	sig, err := hex.DecodeString(hdr.Get("X-Signature-Ed25519"))
	ts := hdr.Get("X-Signature-Timestamp")
	if err != nil || len(sig) != ed25519.SignatureSize || len(h.cfg.PublicKey) != ed25519.PublicKeySize {
		return false
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	if skew := h.cfg.Now().Sub(time.Unix(sec, 0)); skew > h.cfg.MaxSkew || skew < -h.cfg.MaxSkew {
		return false
	}
	return ed25519.Verify(h.cfg.PublicKey, append([]byte(ts), body...), sig)
}

func writeResponse(w http.ResponseWriter, resp *discordgo.InteractionResponse) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// httpAck hands the first response to the waiting HTTP request; once the
// request has answered with a deferral, later responses become edits.
type httpAck struct {
	mu       sync.Mutex
	first    chan *discordgo.InteractionResponse
	answered bool
	deferred bool
}

func (h *interactionsHandler) run(i *discordgo.Interaction) *discordgo.InteractionResponse {
	a := &httpAck{first: make(chan *discordgo.InteractionResponse, 1)}
	c := h.b.newIctx(i, func(ctx context.Context, r *discordgo.InteractionResponse) error { return a.respond(ctx, h.b, i, r) })
	go h.b.handleInteraction(c)
	timer := time.NewTimer(h.cfg.DeferAfter)
	defer timer.Stop()
	select {
	case r := <-a.first:
		return r
	case <-timer.C:
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	select {
	case r := <-a.first:
		return r
	default:
	}
	a.deferred = true
	c.log.Info("discord interaction deferred by the http endpoint")
	return deferralFor(i)
}

func deferralFor(i *discordgo.Interaction) *discordgo.InteractionResponse {
	switch i.Type {
	case discordgo.InteractionMessageComponent:
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}
	case discordgo.InteractionApplicationCommandAutocomplete:
		return &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult,
			Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{}}}
	}
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}
}

func (a *httpAck) respond(ctx context.Context, b *Bot, i *discordgo.Interaction, r *discordgo.InteractionResponse) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.answered:
		return fmt.Errorf("respond to interaction: already acknowledged")
	case !a.deferred:
		a.answered = true
		a.first <- r
		return nil
	}
	a.answered = true
	return a.late(ctx, b, i, r)
}

// late delivers a response that comes after the endpoint deferred i. A
// button's deferral stands for the message the button is on, so a reply
// that is a new message (the Sources list, a private "thanks") goes out as
// a followup instead of overwriting that message. A command's deferral is
// public, so a private reply goes out as a private followup and the public
// "thinking…" is deleted: nothing meant for one user is shown to all.
// Only an edit of the original is possible for anything else; a modal or
// autocomplete result is too late and is dropped.
func (a *httpAck) late(ctx context.Context, b *Bot, i *discordgo.Interaction, r *discordgo.InteractionResponse) error {
	d := r.Data
	if d == nil || (r.Type != discordgo.InteractionResponseChannelMessageWithSource && r.Type != discordgo.InteractionResponseUpdateMessage) {
		b.log.Warn("discord late response dropped", slog.Int("response_type", int(r.Type)))
		return nil
	}
	mentions := d.AllowedMentions
	if mentions == nil {
		mentions = noMentions()
	}
	private := d.Flags&discordgo.MessageFlagsEphemeral != 0
	newMessage := r.Type == discordgo.InteractionResponseChannelMessageWithSource &&
		(i.Type == discordgo.InteractionMessageComponent || private)
	if !newMessage {
		_, err := b.s.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &d.Content, Embeds: &d.Embeds, Components: &d.Components,
			AllowedMentions: mentions}, discordgo.WithContext(ctx))
		if err != nil {
			b.log.Warn("discord late response not delivered", slog.Any("err", err))
			return fmt.Errorf("edit deferred response: %w", err)
		}
		return nil
	}
	_, err := b.s.FollowupMessageCreate(i, true, &discordgo.WebhookParams{Content: d.Content, Embeds: d.Embeds, Components: d.Components,
		Flags: d.Flags, AllowedMentions: mentions}, discordgo.WithContext(ctx))
	if err != nil {
		b.log.Warn("discord late response not delivered", slog.Any("err", err))
		return fmt.Errorf("send deferred response as followup: %w", err)
	}
	if i.Type == discordgo.InteractionMessageComponent {
		return nil
	}
	if err := b.s.InteractionResponseDelete(i, discordgo.WithContext(ctx)); err != nil {
		return fmt.Errorf("delete public deferral: %w", err)
	}
	return nil
}
