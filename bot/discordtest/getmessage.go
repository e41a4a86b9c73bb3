package discordtest

import (
	"encoding/json"
	"net/http"

	"github.com/bwmarrin/discordgo"
)

// getChannelMessage serves GET /channels/{channel}/messages/{message}: a
// stored message of that channel, with its components, or Discord's
// Unknown Message.
func (s *Server) getChannelMessage(w http.ResponseWriter, r *http.Request, _ []byte) {
	s.mu.Lock()
	m, found := s.messages[r.PathValue("message")]
	var cp discordgo.Message
	if found {
		cp = *m
	}
	s.mu.Unlock()
	if !found || cp.ChannelID != r.PathValue("channel") {
		writeError(w, http.StatusNotFound, CodeUnknownMessage, "Unknown Message")
		return
	}
	body, err := withComponents(cp)
	if err != nil {
		writeError(w, http.StatusInternalServerError, 0, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// withComponents is m as Discord sends it: discordgo.Message leaves its
// components out of its JSON (it reads them with a custom decoder).
func withComponents(m discordgo.Message) (map[string]json.RawMessage, error) {
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var out map[string]json.RawMessage
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	if out["components"], err = json.Marshal(m.Components); err != nil {
		return nil, err
	}
	return out, nil
}
