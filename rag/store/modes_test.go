package store_test

import (
	"testing"

	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

func TestChannelModes(t *testing.T) {
	s := storetest.Open(t, dbURL)
	ctx := t.Context()
	steps := []struct {
		name    string
		channel string
		set     string // "" reads only
		want    string
	}{
		{"a channel without a setting answers mentions", "c1", "", store.ModeMentions},
		{"forum mode is stored", "c1", store.ModeForum, store.ModeForum},
		{"a new mode replaces the old", "c1", store.ModeAll, store.ModeAll},
		{"another channel is unaffected", "c2", "", store.ModeMentions},
		{"mentions removes the setting", "c1", store.ModeMentions, store.ModeMentions},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.set != "" {
				if err := s.SetChannelMode(ctx, "g", st.channel, st.set); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.ChannelMode(ctx, "g", st.channel)
			if err != nil || got != st.want {
				t.Errorf("ChannelMode = %q, %v; want %q", got, err, st.want)
			}
		})
	}
	t.Run("another guild's channel of the same id is its own", func(t *testing.T) {
		if err := s.SetChannelMode(ctx, "g", "c3", store.ModeAll); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.ChannelMode(ctx, "h", "c3"); got != store.ModeMentions {
			t.Errorf("other guild's mode = %q", got)
		}
	})
	t.Run("an unknown mode is refused", func(t *testing.T) {
		if err := s.SetChannelMode(ctx, "g", "c1", "sometimes"); err == nil {
			t.Error("unknown mode accepted")
		}
	})
}
