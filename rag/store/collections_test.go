package store_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/citebot/citebot/rag/store"
	"github.com/citebot/citebot/rag/store/storetest"
)

func TestCollections(t *testing.T) {
	s := storetest.Open(t, dbURL)
	m := testModel(t, s)
	titled(t, s, m, "b-handbook", "/srv/handbook/policies/leave.md", "Leave", "one", "two")
	titled(t, s, m, "b-handbook", "/srv/handbook/policies/travel.md", "Travel", "three")
	titled(t, s, m, "b-handbook", "/srv/handbook/welcome.txt", "Welcome", "four")
	titled(t, s, m, "a-site", "https://example.com/a", "A", "five")
	titled(t, s, m, "c-single", "/home/u/notes.txt", "Notes", "six")
	if _, err := s.DeleteDocument(t.Context(), "c-single", "/home/u/notes.txt"); err != nil {
		t.Fatal(err)
	}

	got, err := s.Collections(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []store.CollectionInfo{{Name: "a-site", Documents: 1, Chunks: 1}, {Name: "b-handbook", Documents: 3, Chunks: 4},
		{Name: "c-single", Documents: 0, Chunks: 0}}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(store.CollectionInfo{}, "LastIngested")); diff != "" {
		t.Errorf("Collections (-want +got):\n%s", diff)
	}

	titled(t, s, m, "d-one", "/home/u/notes.txt", "Notes", "six")
	titled(t, s, m, "e-siblings", "/x/docs/a.md", "A", "a")
	titled(t, s, m, "e-siblings", "/x/docs2/b.md", "B", "b")
	titled(t, s, m, "f-top", "/a.md", "A", "a")
	titled(t, s, m, "f-top", "/b.md", "B", "b")
	roots := []struct{ collection, want string }{
		{"b-handbook", "/srv/handbook"},
		{"a-site", ""},
		{"d-one", "/home/u"},
		{"e-siblings", "/x"},
		{"f-top", "/"},
		{"missing", ""},
	}
	for _, tc := range roots {
		t.Run("root of "+tc.collection, func(t *testing.T) {
			got, err := s.Root(t.Context(), tc.collection)
			if err != nil || got != tc.want {
				t.Errorf("Root = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
