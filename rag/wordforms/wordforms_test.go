package wordforms

import "testing"

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"past tense", "HTS grew out of the Nusra Front", "HTS grow out of the Nusra Front"},
		{"participle", "it had grown and was written", "it had grow and was write"},
		{"ran", "She ran the race", "She run the race"},
		{"plural nouns", "children and mice", "child and mouse"},
		{"comparative", "better, worse and best", "good, bad and good"},
		{"capitalised", "Children Grew", "child grow"},
		{"regular words untouched", "growing grows grow", "growing grows grow"},
		{"punctuation kept", "(grew) children's feet—teeth.", "(grow) child's foot—tooth."},
		{"inside a longer word", "overgrew grewsome", "overgrew grewsome"},
		{"non-ascii word", "ranç grew", "ranç grow"},
		{"ambiguous forms left alone", "he left what he found", "he left what he found"},
		{"empty", "", ""},
		{"no letters", "12 - 34", "12 - 34"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Normalize(tc.in); got != tc.want {
				t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestBase(t *testing.T) {
	for _, tc := range []struct {
		word, want string
		ok         bool
	}{
		{"grew", "grow", true}, {"GREW", "grow", true}, {"women", "woman", true}, {"largest", "large", true},
		{"grow", "", false}, {"a", "", false}, {"abcdefghijklmnopqrstuvwxyz", "", false},
	} {
		t.Run(tc.word, func(t *testing.T) {
			got, ok := Base(tc.word)
			if got != tc.want || ok != tc.ok {
				t.Errorf("Base(%q) = %q, %v; want %q, %v", tc.word, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestTableKeysAreLowerCaseAndShort(t *testing.T) {
	for form, base := range irregular {
		if len(form) > maxLen {
			t.Errorf("%q is longer than maxLen %d", form, maxLen)
		}
		for _, c := range []byte(form + base) {
			if c < 'a' || c > 'z' {
				t.Errorf("%q -> %q: want lower-case ASCII letters", form, base)
				break
			}
		}
		if _, ok := irregular[base]; ok {
			t.Errorf("%q -> %q: the base is itself a form", form, base)
		}
	}
}

func BenchmarkNormalize(b *testing.B) {
	text := "The Harvard Corporation grew out of the college's first governing board, and its members were chosen by the overseers; children and women later took part. "
	for b.Loop() {
		Normalize(text)
	}
}
