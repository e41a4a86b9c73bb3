package answer

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAcronyms(t *testing.T) {
	text := "The seizure by Hayat Tahrir al-Sham (HTS) and its ties to al-Qaeda (AQ). It grew out of the Nusra Front (NF). Bad (XYZ)."
	got := acronyms(text)
	want := map[string]string{"hayat tahrir al-sham": "HTS", "al-qaeda": "AQ", "nusra front": "NF"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("acronyms (-want +got):\n%s", diff)
	}
	tests := []struct{ in, want string }{
		{"Why did al-Qaeda form?", "Why did AQ form?"},
		{"Why did Al-Qaeda and al-qaeda form?", "Why did AQ and AQ form?"},
		{"Who leads Hayat Tahrir al-Sham?", "Who leads HTS?"},
		{"Nothing here", "Nothing here"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := newFolder(map[string]string{"al-qaeda": "AQ", "hayat tahrir al-sham": "HTS"}).fold(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
