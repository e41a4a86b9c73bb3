package retrieve

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string // part of the error; "" for none
	}{
		{"defaults", func(*Config) {}, ""},
		{"no proximity", func(c *Config) { c.ProximityWeight = 0 }, ""},
		{"negative proximity", func(c *Config) { c.ProximityWeight = -0.1 }, "proximity weight"},
		{"both leg weights zero", func(c *Config) { c.TextWeight, c.VectorWeight = 0, 0 }, "fusion weights"},
		{"b above one", func(c *Config) { c.B = 1.5 }, "bm25"},
		{"shallow term depth", func(c *Config) { c.TermDepth = 10 }, "term depth"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.edit(&c)
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Validate() = %v, want an error naming %q", err, tc.want)
			}
		})
	}
}
