package discordtest

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Discord error codes for message and thread routes.
const (
	CodeEmptyMessage  = 50006
	CodeThreadExists  = 160004
	interactionPong   = 1
	interactionReply  = 4
	interactionDefer  = 5
	interactionDeferU = 6
	interactionUpdate = 7
	interactionChoice = 8
	interactionModal  = 9
)

// decodeMessage parses a message-creating or -editing body, checks it
// against Discord's limits and reports which keys were present.
func (s *Server) decodeMessage(w http.ResponseWriter, r *http.Request, body []byte, create bool) (*discordgo.Message, map[string]json.RawMessage, bool) {
	var keys map[string]json.RawMessage
	var m discordgo.Message
	if err := json.Unmarshal(body, &keys); err != nil {
		formError(w, "_root", "invalid json")
		return nil, nil, false
	}
	if err := json.Unmarshal(body, &m); err != nil {
		formError(w, "_root", "invalid message: "+err.Error())
		return nil, nil, false
	}
	if _, ok := keys["allowed_mentions"]; !ok {
		s.t.Errorf("discordtest: %s %s without allowed_mentions", r.Method, r.URL.Path)
	}
	if field, msg := validateMessage(&m); field != "" {
		formError(w, field, msg)
		return nil, nil, false
	}
	if create && m.Content == "" && len(m.Embeds) == 0 && len(m.Components) == 0 {
		writeError(w, http.StatusBadRequest, CodeEmptyMessage, "Cannot send an empty message")
		return nil, nil, false
	}
	return &m, keys, true
}

// applyEdit copies the fields present in an edit onto a stored message.
func applyEdit(dst, src *discordgo.Message, keys map[string]json.RawMessage) {
	if _, ok := keys["content"]; ok {
		dst.Content = src.Content
	}
	if _, ok := keys["embeds"]; ok {
		dst.Embeds = src.Embeds
	}
	if _, ok := keys["components"]; ok {
		dst.Components = src.Components
	}
	if _, ok := keys["flags"]; ok {
		dst.Flags = src.Flags
	}
	now := time.Now()
	dst.EditedTimestamp = &now
}

func (s *Server) newMessage(channelID string, m *discordgo.Message) *discordgo.Message {
	m.ID, m.ChannelID, m.Timestamp = s.NewID(), channelID, time.Now()
	m.Author = &discordgo.User{ID: s.opts.AppID, Username: "citebot", Bot: true}
	s.messages[m.ID] = m
	return m
}

func (s *Server) postChannelMessage(w http.ResponseWriter, r *http.Request, body []byte) {
	m, _, ok := s.decodeMessage(w, r, body, true)
	if !ok {
		return
	}
	s.mu.Lock()
	m = s.newMessage(r.PathValue("channel"), m)
	cp := *m
	s.mu.Unlock()
	s.recordMentions(cp.ID, body)
	writeJSON(w, http.StatusOK, cp)
	s.echo(cp)
}

func (s *Server) patchChannelMessage(w http.ResponseWriter, r *http.Request, body []byte) {
	m, keys, ok := s.decodeMessage(w, r, body, false)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	dst, found := s.messages[r.PathValue("message")]
	if !found || dst.ChannelID != r.PathValue("channel") {
		writeError(w, http.StatusNotFound, CodeUnknownMessage, "Unknown Message")
		return
	}
	applyEdit(dst, m, keys)
	writeJSON(w, http.StatusOK, *dst)
}

func (s *Server) postThread(w http.ResponseWriter, r *http.Request, body []byte) {
	var req struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Name == "" || len([]rune(req.Name)) > 100 {
		formError(w, "name", "Must be between 1 and 100 in length.")
		return
	}
	parentID, msgID := r.PathValue("channel"), r.PathValue("message")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.channels[msgID]; exists {
		writeError(w, http.StatusBadRequest, CodeThreadExists, "A thread has already been created for this message")
		return
	}
	guildID := ""
	if p, ok := s.channels[parentID]; ok {
		guildID = p.GuildID
	}
	c := &discordgo.Channel{ID: msgID, Type: discordgo.ChannelTypeGuildPublicThread, Name: req.Name, ParentID: parentID, GuildID: guildID, OwnerID: s.opts.AppID}
	s.channels[msgID] = c
	writeJSON(w, http.StatusCreated, *c)
}

// interaction looks up the interaction a webhook or callback route names.
func (s *Server) interaction(w http.ResponseWriter, r *http.Request) (*interactionState, bool) {
	st, ok := s.interactions[r.PathValue("token")]
	if ok && r.PathValue("app") != "" && r.PathValue("app") != s.opts.AppID {
		ok = false
	}
	if ok && r.PathValue("id") != "" && r.PathValue("id") != st.i.ID {
		ok = false
	}
	if !ok {
		writeError(w, http.StatusNotFound, CodeUnknownWebhook, "Unknown Webhook")
	}
	return st, ok
}

func (s *Server) postCallback(w http.ResponseWriter, r *http.Request, body []byte) {
	var cb struct {
		Type int             `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &cb); err != nil {
		formError(w, "type", "invalid callback")
		return
	}
	s.mu.Lock()
	st, ok := s.interactions[r.PathValue("token")]
	if ok && st.i.ID != r.PathValue("id") {
		ok = false
	}
	switch {
	case !ok || time.Since(st.sentAt) > s.opts.InteractionWindow:
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, CodeUnknownInteraction, "Unknown interaction")
		return
	case st.acked:
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, CodeAlreadyAcknowledged, "Interaction has already been acknowledged.")
		return
	}
	s.mu.Unlock()
	s.acknowledge(w, r, st, cb.Type, cb.Data)
}

func (s *Server) acknowledge(w http.ResponseWriter, r *http.Request, st *interactionState, typ int, data []byte) {
	var m *discordgo.Message
	switch typ {
	case interactionReply, interactionUpdate:
		var ok bool
		if m, _, ok = s.decodeMessage(w, r, data, typ == interactionReply); !ok {
			return
		}
	case interactionDefer, interactionDeferU, interactionModal, interactionPong:
		m = &discordgo.Message{}
		if len(data) > 0 {
			_ = json.Unmarshal(data, m)
		}
	case interactionChoice:
		if !validChoices(w, data) {
			return
		}
	default:
		formError(w, "type", "Value is not a valid enum value.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.acked {
		writeError(w, http.StatusBadRequest, CodeAlreadyAcknowledged, "Interaction has already been acknowledged.")
		return
	}
	st.acked = true
	s.setOriginal(st, typ, m)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) setOriginal(st *interactionState, typ int, m *discordgo.Message) {
	switch {
	case m == nil:
	case (typ == interactionUpdate || typ == interactionDeferU) && st.i.Message != nil:
		dst, ok := s.messages[st.i.Message.ID]
		if !ok {
			cp := *st.i.Message
			dst = &cp
			s.messages[dst.ID] = dst
		}
		if typ == interactionUpdate {
			applyEdit(dst, m, map[string]json.RawMessage{"content": nil, "embeds": nil, "components": nil})
		}
		st.original = dst
	default:
		if typ == interactionDefer {
			m.Flags |= discordgo.MessageFlagsLoading
		}
		st.original = s.newMessage(st.i.ChannelID, m)
	}
}

func validChoices(w http.ResponseWriter, data []byte) bool {
	var d struct {
		Choices []struct {
			Name  string `json:"name"`
			Value any    `json:"value"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		formError(w, "data", "invalid autocomplete data")
		return false
	}
	if len(d.Choices) > 25 {
		formError(w, "data.choices", "Must be 25 or fewer in length.")
		return false
	}
	for _, c := range d.Choices {
		if n := len([]rune(c.Name)); n < 1 || n > 100 {
			formError(w, "data.choices.name", "Must be between 1 and 100 in length.")
			return false
		}
	}
	return true
}

// webhookMessage resolves "@original" or a followup id.
func (s *Server) webhookMessage(w http.ResponseWriter, r *http.Request) *discordgo.Message {
	st, ok := s.interaction(w, r)
	if !ok {
		return nil
	}
	id := r.PathValue("message")
	if id == "@original" {
		if st.original == nil {
			writeError(w, http.StatusNotFound, CodeUnknownMessage, "Unknown Message")
		}
		return st.original
	}
	m, found := s.messages[id]
	if !found {
		writeError(w, http.StatusNotFound, CodeUnknownMessage, "Unknown Message")
		return nil
	}
	return m
}

func (s *Server) getWebhookMessage(w http.ResponseWriter, r *http.Request, _ []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.webhookMessage(w, r); m != nil {
		writeJSON(w, http.StatusOK, *m)
	}
}

func (s *Server) patchWebhookMessage(w http.ResponseWriter, r *http.Request, body []byte) {
	edit, keys, ok := s.decodeMessage(w, r, body, false)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.webhookMessage(w, r)
	if m == nil {
		return
	}
	applyEdit(m, edit, keys)
	m.Flags &^= discordgo.MessageFlagsLoading
	writeJSON(w, http.StatusOK, *m)
}

func (s *Server) deleteWebhookMessage(w http.ResponseWriter, r *http.Request, _ []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.webhookMessage(w, r)
	if m == nil {
		return
	}
	delete(s.messages, m.ID)
	if st := s.interactions[r.PathValue("token")]; st.original == m {
		st.original = nil
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) postFollowup(w http.ResponseWriter, r *http.Request, body []byte) {
	m, _, ok := s.decodeMessage(w, r, body, true)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.interaction(w, r)
	if !ok {
		return
	}
	if !st.acked {
		writeError(w, http.StatusNotFound, CodeUnknownWebhook, "Unknown Webhook")
		return
	}
	m = s.newMessage(st.i.ChannelID, m)
	writeJSON(w, http.StatusOK, *m)
}
