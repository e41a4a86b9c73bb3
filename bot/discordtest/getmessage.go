package discordtest

import (
	"encoding/json"

	"github.com/bwmarrin/discordgo"
)

// withComponents is m as Discord sends it: discordgo.Message leaves its
// components out of its JSON (it reads them with a custom decoder), so a
// message served as is would lose its buttons.
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
