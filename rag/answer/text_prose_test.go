package answer

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestProseDropsCodeAndTables(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"fenced code", "Run the installer.\n\n```sh\nmake install\n```\n\nThen restart.", []string{"Run the installer.", "Then restart."}},
		{"unclosed fence", "Before.\n```\nrm -rf /\n", []string{"Before."}},
		{"table rows", "| flag | meaning |\n| --- | --- |\nFlags win over the environment.", []string{"Flags win over the environment."}},
		{"plain text unchanged", "One. Two.", []string{"One.", "Two."}},
		{"heading line", "Connecting a Discord application\n\nCreate an application first.", []string{"Create an application first."}},
		{"short last line of a paragraph is kept", "The bot answers:\nwithin a minute", []string{"The bot answers: within a minute"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, sentences(prose(tc.in))); diff != "" {
				t.Errorf("sentences (-want +got):\n%s", diff)
			}
		})
	}
}
