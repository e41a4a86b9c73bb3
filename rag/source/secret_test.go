package source_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/citebot/citebot/rag/source"
	"github.com/citebot/citebot/rag/store"
)

// A URL source given with credentials is stored, listed and synced under
// its clean location; the credentials stay only in its fetch settings,
// and every sync still sends them.
func TestURLSourceCredentialsNeverShown(t *testing.T) {
	const user, pass, token = "reader", "hunter2pass", "tok3nSecretValue"
	var unauthorised int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != user || p != pass || r.URL.Query().Get("access_token") != token {
			unauthorised++
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><head><title>Payroll</title></head><body><p>Payday is the last Friday of each month.</p></body></html>"))
	}))
	defer srv.Close()
	r, s := newRunner(t, source.Config{})
	ctx := t.Context()
	given := strings.Replace(srv.URL, "http://", "http://"+user+":"+pass+"@", 1) + "/pay?lang=en&access_token=" + token
	clean := srv.URL + "/pay?lang=en"
	for _, kind := range []string{store.SourceKindURL, store.SourceKindCrawl} {
		t.Run(kind, func(t *testing.T) {
			coll := "secret-" + kind
			sum, err := r.Add(ctx, coll, []source.Spec{{Kind: kind, Location: given, Crawl: source.CrawlOptions{Depth: 1}}}, nil)
			if err != nil || sum.Added != 1 {
				t.Fatalf("add = %+v, %v; want the page added", countsOf(sum), err)
			}
			srcs, err := s.SyncSources(ctx, coll)
			if err != nil || len(srcs) != 1 {
				t.Fatalf("sources = %+v, %v", srcs, err)
			}
			if srcs[0].Location != clean {
				t.Errorf("stored location = %q, want %q", srcs[0].Location, clean)
			}
			shown, _ := json.Marshal(sum)
			for _, secret := range []string{pass, token} {
				if strings.Contains(string(shown), secret) || strings.Contains(strings.Join(documents(t, s, coll), " "), secret) {
					t.Errorf("a summary or document source shows %q: %s", secret, shown)
				}
			}
			again, err := r.Sync(ctx, coll, nil)
			if err != nil || again.Failed != 0 || again.Unchanged+again.Changed != 1 {
				t.Errorf("sync = %+v, %v; want the page read again with its credentials", countsOf(again), err)
			}
		})
	}
	if unauthorised != 0 {
		t.Errorf("%d requests were sent without the credentials", unauthorised)
	}
}
