package store_test

import (
	"testing"

	"github.com/citebot/citebot/rag/store/storetest"
)

// TestApplicationRoleIsNoSuperuser checks the role the tests (and so
// citebot) connect as: scripts/db.sh makes it an ordinary role that owns
// its databases, and the migrations must run under it.
func TestApplicationRoleIsNoSuperuser(t *testing.T) {
	s := storetest.Open(t, dbURL)
	var super, createdb bool
	if err := s.QueryRowForTest(t.Context(), `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`, &super); err != nil {
		t.Fatal(err)
	}
	if err := s.QueryRowForTest(t.Context(), `SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user`, &createdb); err != nil {
		t.Fatal(err)
	}
	if super || !createdb {
		t.Errorf("application role: superuser %v, createdb %v; want false, true (run scripts/db.sh to migrate the cluster)", super, createdb)
	}
}
