package bot_test

import (
	"os"
	"testing"

	"github.com/citebot/citebot/rag/store/storetest"
)

// dbURL is this package's own database, for the tests that need the real
// store (the digest's claims across replicas).
var dbURL string

func TestMain(m *testing.M) { os.Exit(storetest.Main(m, "bot", &dbURL)) }
