package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// modalData is a modal response's data as Discord reads it.
type modalData struct {
	CustomID   string `json:"custom_id"`
	Title      string `json:"title"`
	Components []struct {
		Type       discordgo.ComponentType `json:"type"`
		Components []struct {
			Type        discordgo.ComponentType `json:"type"`
			CustomID    string                  `json:"custom_id"`
			Label       string                  `json:"label"`
			Style       int                     `json:"style"`
			Placeholder string                  `json:"placeholder"`
			Value       string                  `json:"value"`
			MinLength   int                     `json:"min_length"`
			MaxLength   int                     `json:"max_length"`
		} `json:"components"`
	} `json:"components"`
}

// validModal checks a modal response (type 9) against Discord's limits:
// a custom id and a title, one to five action rows each holding one text
// input with a custom id, a label and a style.
func validModal(w http.ResponseWriter, data []byte) bool {
	var d modalData
	if err := json.Unmarshal(data, &d); err != nil {
		formError(w, "data", "invalid modal")
		return false
	}
	if field, msg := checkModal(d); field != "" {
		formError(w, field, msg)
		return false
	}
	return true
}

func checkModal(d modalData) (field, msg string) {
	switch {
	case d.CustomID == "" || runes(d.CustomID) > 100:
		return "data.custom_id", "Must be 1 to 100 characters."
	case d.Title == "" || runes(d.Title) > 45:
		return "data.title", "Must be 1 to 45 characters."
	case len(d.Components) < 1 || len(d.Components) > 5:
		return "data.components", "Must be 1 to 5 action rows."
	}
	for i, row := range d.Components {
		at := fmt.Sprintf("data.components.%d", i)
		if row.Type != discordgo.ActionsRowComponent || len(row.Components) != 1 {
			return at, "Must be an action row with one text input."
		}
		in := row.Components[0]
		switch {
		case in.Type != discordgo.TextInputComponent:
			return at + ".components.0.type", "Must be a text input."
		case in.CustomID == "" || runes(in.CustomID) > 100:
			return at + ".components.0.custom_id", "Must be 1 to 100 characters."
		case in.Label == "" || runes(in.Label) > 45:
			return at + ".components.0.label", "Must be 1 to 45 characters."
		case in.Style != 1 && in.Style != 2:
			return at + ".components.0.style", "Value is not a valid enum value."
		case runes(in.Placeholder) > 100:
			return at + ".components.0.placeholder", "Must be 100 or fewer in length."
		case in.MaxLength < 0 || in.MaxLength > 4000 || in.MinLength < 0 || in.MinLength > 4000:
			return at + ".components.0.max_length", "Must be 0 to 4000."
		case runes(in.Value) > 4000:
			return at + ".components.0.value", "Must be 4000 or fewer in length."
		}
	}
	return "", ""
}

// Modal is a modal an interaction was answered with.
type Modal struct {
	CustomID, Title string
	Inputs          []discordgo.TextInput // one per action row
}

// Modal returns the modal an interaction was answered with (response type
// 9); ok is false while it has none.
func (s *Server) Modal(interactionToken string) (Modal, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.interactions[interactionToken]
	if !ok || st.modal == nil {
		return Modal{}, false
	}
	var d struct {
		CustomID   string `json:"custom_id"`
		Title      string `json:"title"`
		Components []struct {
			Components []discordgo.TextInput `json:"components"`
		} `json:"components"`
	}
	if err := json.Unmarshal(st.modal, &d); err != nil {
		return Modal{}, false
	}
	m := Modal{CustomID: d.CustomID, Title: d.Title}
	for _, row := range d.Components {
		m.Inputs = append(m.Inputs, row.Components...)
	}
	return m, true
}

// ModalSubmit dispatches the submission of a modal: customID is the
// modal's, values the text inputs' values by their custom ids, msg the
// message whose component opened the modal (nil for a command's).
func (s *Server) ModalSubmit(t testing.TB, inv Invoker, customID string, values map[string]string, msg *discordgo.Message) *discordgo.Interaction {
	t.Helper()
	data := discordgo.ModalSubmitInteractionData{CustomID: customID}
	rows := []any{}
	for id, v := range values {
		data.Components = append(data.Components, &discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			&discordgo.TextInput{CustomID: id, Value: v}}})
		rows = append(rows, map[string]any{"type": discordgo.ActionsRowComponent, "components": []any{
			map[string]any{"type": discordgo.TextInputComponent, "custom_id": id, "value": v}}})
	}
	i := &discordgo.Interaction{Type: discordgo.InteractionModalSubmit, Data: data, Message: msg}
	inv.fill(i)
	s.RegisterInteraction(i)
	// discordgo does not marshal a modal submission's components: the
	// payload is built as Discord sends it.
	raw, err := json.Marshal(i)
	if err != nil {
		t.Fatalf("discordtest: modal submit: %v", err)
	}
	var payload map[string]any
	if err := json.Unmarshal(raw, &payload); err != nil {
		t.Fatalf("discordtest: modal submit: %v", err)
	}
	payload["data"] = map[string]any{"custom_id": customID, "components": rows}
	s.Dispatch(t, "INTERACTION_CREATE", payload)
	return i
}
