package bot

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"
)

// The escalation ping, the capture prompt and a captured thread are
// golden files (go test ./bot -run TestEscalationCaptureGolden -update).
func TestEscalationCaptureGolden(t *testing.T) {
	at := time.Date(2026, 11, 30, 9, 5, 0, 0, time.UTC)
	person := func(id, name, text string, mentions ...*discordgo.User) *discordgo.Message {
		at = at.Add(3 * time.Minute)
		return &discordgo.Message{ID: id, Content: text, Timestamp: at, Mentions: mentions,
			Author: &discordgo.User{ID: "u" + name, Username: name}}
	}
	bob := &discordgo.User{ID: "77", Username: "bob", GlobalName: "Bob B."}
	thread := []*discordgo.Message{
		person("1", "alice", "How do I rotate the *signing* key?"),
		{ID: "2", Content: "I couldn't find this in the documents.", Timestamp: at, Author: &discordgo.User{ID: "9", Bot: true}},
		person("3", "carol", ""), // an attachment only
		{ID: "3a", Type: discordgo.MessageTypeChannelNameChange, Content: "key-help", Author: &discordgo.User{ID: "ubob", Username: "bob"}},
		person("4", "bob", "Run `citebot keys rotate`, then restart.\nSee <@77>'s notes.", bob),
		{ID: "5", Content: "thanks", Timestamp: at, Author: &discordgo.User{ID: "ualice", Username: "alice"},
			Member: &discordgo.Member{Nick: "Alice (ops)"}},
	}
	doc, problem := threadDocument("111", "3001", "key-help", thread)
	if problem != "" {
		t.Fatal(problem)
	}
	rec := StoredAnswer{ID: 42, GuildID: "111", ChannelID: "1001", MessageID: "5005",
		Question: "Why does @everyone <@501> get <@&888> pinged?\nsecond line"}
	tests := []struct {
		name string
		got  any
	}{
		{"escalation_ping", renderEscalation(rec, "777", "501")},
		{"capture_prompt", capturePrompt("3001", "4")},
		{"captured_thread", doc},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false) // keep <@&id> mentions readable
			enc.SetIndent("", "  ")
			if err := enc.Encode(tt.got); err != nil {
				t.Fatal(err)
			}
			got := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
			path := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)+"\n"); diff != "" {
				t.Errorf("%s (-want +got):\n%s", path, diff)
			}
		})
	}
}

func TestWithButton(t *testing.T) {
	full := discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{CustomID: "a"}, discordgo.Button{CustomID: "b"}, discordgo.Button{CustomID: "c"},
		discordgo.Button{CustomID: "d"}, discordgo.Button{CustomID: "e"}}}
	ids := func(rows []discordgo.MessageComponent) [][]string {
		var out [][]string
		for _, r := range rows {
			var row []string
			for _, c := range r.(discordgo.ActionsRow).Components {
				row = append(row, buttonID(c))
			}
			out = append(out, row)
		}
		return out
	}
	tests := []struct {
		name string
		rows []discordgo.MessageComponent
		want [][]string
	}{
		{"no rows: a new row", nil, [][]string{{"esc:1"}}},
		{"added to a row with room", []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{CustomID: "src:1"}}}}, [][]string{{"src:1", "esc:1"}}},
		{"a full row: a new row", []discordgo.MessageComponent{full}, [][]string{{"a", "b", "c", "d", "e"}, {"esc:1"}}},
		{"replaced in place, rows read back as pointers", []discordgo.MessageComponent{&discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			&discordgo.Button{CustomID: "fb+:1"}, &discordgo.Button{CustomID: "esc:0"}}}}, [][]string{{"fb+:1", "esc:1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(withButton(tt.rows, idEscalate, escalateButton("1")))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}
