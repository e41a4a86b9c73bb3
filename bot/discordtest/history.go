package discordtest

import (
	"cmp"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// AddMessage stores a message as already sent, without dispatching it,
// for the history routes (GET /channels/{channel}/messages...). It fills
// ID and Timestamp when they are empty and returns the message stored.
func (s *Server) AddMessage(m *discordgo.Message) *discordgo.Message {
	cp := *m
	if cp.ID == "" {
		cp.ID = s.NewID()
	}
	if cp.Timestamp.IsZero() {
		cp.Timestamp = time.Now()
	}
	s.mu.Lock()
	s.messages[cp.ID] = &cp
	s.mu.Unlock()
	out := cp
	return &out
}

// MessageCommand dispatches a message context-menu command (type 3) used
// on target, which the interaction carries as its resolved message.
func (s *Server) MessageCommand(t testing.TB, inv Invoker, name string, target *discordgo.Message) *discordgo.Interaction {
	t.Helper()
	data := discordgo.ApplicationCommandInteractionData{ID: s.commandID(inv.GuildID, name), Name: name,
		CommandType: discordgo.MessageApplicationCommand, TargetID: target.ID,
		Resolved: &discordgo.ApplicationCommandInteractionDataResolved{Messages: map[string]*discordgo.Message{target.ID: target}}}
	i := &discordgo.Interaction{Type: discordgo.InteractionApplicationCommand, Data: data}
	inv.fill(i)
	return s.SendInteraction(t, i)
}

// getChannelMessages serves a channel's history as Discord does: newest
// first, limit 1..100 (default 50), paged with before, after or around.
func (s *Server) getChannelMessages(w http.ResponseWriter, r *http.Request, _ []byte) {
	q := r.URL.Query()
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			formError(w, "limit", "int value should be less than or equal to 100.")
			return
		}
		limit = n
	}
	if _, ok := s.Channel(r.PathValue("channel")); !ok {
		writeError(w, http.StatusNotFound, CodeUnknownChannel, "Unknown Channel")
		return
	}
	msgs := s.ChannelMessages(r.PathValue("channel")) // oldest first
	before, after := snowflake(q.Get("before")), snowflake(q.Get("after"))
	var page []discordgo.Message
	if after > 0 {
		for _, m := range msgs {
			if snowflake(m.ID) > after && len(page) < limit {
				page = append(page, m)
			}
		}
	} else {
		for _, m := range slices.Backward(msgs) {
			if (before == 0 || snowflake(m.ID) < before) && len(page) < limit {
				page = append(page, m)
			}
		}
	}
	slices.SortFunc(page, func(a, b discordgo.Message) int { return cmp.Compare(snowflake(b.ID), snowflake(a.ID)) })
	if page == nil {
		page = []discordgo.Message{}
	}
	writeJSON(w, http.StatusOK, page)
}

func snowflake(id string) int64 {
	n, _ := strconv.ParseInt(id, 10, 64)
	return n
}

func (s *Server) getChannelMessage(w http.ResponseWriter, r *http.Request, _ []byte) {
	m, ok := s.Message(r.PathValue("message"))
	if !ok || m.ChannelID != r.PathValue("channel") {
		writeError(w, http.StatusNotFound, CodeUnknownMessage, "Unknown Message")
		return
	}
	body, err := withComponents(m)
	if err != nil {
		writeError(w, http.StatusInternalServerError, 0, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// Pings is who a stored message notified, as Discord decides it from the
// message's mentions and its allowed_mentions.
type Pings struct {
	Users    []string // user ids
	Roles    []string // role ids
	Everyone bool     // @everyone or @here
}

var (
	userMention = regexp.MustCompile(`<@!?(\d+)>`)
	roleMention = regexp.MustCompile(`<@&(\d+)>`)
	everyone    = regexp.MustCompile(`@(everyone|here)`)
)

// Pings returns who the message with id pinged when it was created (edits
// ping no one); ok is false for a message the bot did not create.
func (s *Server) Pings(id string) (p Pings, ok bool) {
	s.mu.Lock()
	m, found := s.messages[id]
	am, sent := s.allowedMentions[id]
	s.mu.Unlock()
	if !found || !sent {
		return Pings{}, false
	}
	parse := func(kind discordgo.AllowedMentionType) bool { return am == nil || slices.Contains(am.Parse, kind) }
	for _, sm := range userMention.FindAllStringSubmatch(m.Content, -1) {
		if parse(discordgo.AllowedMentionTypeUsers) || slices.Contains(am.Users, sm[1]) {
			p.Users = append(p.Users, sm[1])
		}
	}
	for _, sm := range roleMention.FindAllStringSubmatch(m.Content, -1) {
		if parse(discordgo.AllowedMentionTypeRoles) || slices.Contains(am.Roles, sm[1]) {
			p.Roles = append(p.Roles, sm[1])
		}
	}
	p.Everyone = everyone.MatchString(m.Content) && parse(discordgo.AllowedMentionTypeEveryone)
	return p, true
}

// recordMentions keeps a created message's allowed_mentions (nil when the
// body had none: then every mention pings) for Pings.
func (s *Server) recordMentions(id string, body []byte) {
	var req struct {
		AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions"`
	}
	_ = json.Unmarshal(body, &req)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.allowedMentions == nil {
		s.allowedMentions = map[string]*discordgo.MessageAllowedMentions{}
	}
	s.allowedMentions[id] = req.AllowedMentions
}

// interactionWire is i as Discord sends it, with its message's components,
// which discordgo does not marshal (Message.Components is json:"-").
func interactionWire(i *discordgo.Interaction) json.RawMessage {
	raw := mustJSON(i)
	if i.Message == nil || len(i.Message.Components) == 0 {
		return raw
	}
	var obj, msg map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil || json.Unmarshal(obj["message"], &msg) != nil {
		return raw
	}
	msg["components"] = mustJSON(i.Message.Components)
	obj["message"] = mustJSON(msg)
	return mustJSON(obj)
}
