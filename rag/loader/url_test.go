package loader

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func testServer(t *testing.T) *httptest.Server {
	t.Helper()
	pdf, err := os.ReadFile("testdata/sample.pdf")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<title>Served</title><nav>menu</nav><h1>Hello</h1><p>World.</p>")
	})
	mux.HandleFunc("/notes", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/markdown")
		fmt.Fprint(w, "# Notes\n\nBody.")
	})
	mux.HandleFunc("/sniffed", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = nil // stop net/http sniffing for us
		fmt.Fprint(w, "<!DOCTYPE html><html><body><p>Sniffed page.</p></body></html>")
	})
	mux.HandleFunc("/files/guide.pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(pdf)
	})
	mux.HandleFunc("/image", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("\x89PNG\r\n\x1a\n"))
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(strings.Repeat("a", 4096)))
	})
	mux.HandleFunc("/chunked-big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		for range 8 {
			w.Write([]byte(strings.Repeat("a", 512)))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/r/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		if n <= 0 {
			http.Redirect(w, r, "/page", http.StatusFound)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/r/%d", n-1), http.StatusMovedPermanently)
	})
	mux.HandleFunc("/to-file", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestLoadURL(t *testing.T) {
	srv := testServer(t)
	allow := Options{AllowPrivate: true}
	tests := []struct {
		name      string
		path      string
		opts      Options
		wantTitle string
		wantMedia string
		wantErr   error
	}{
		{"html", "/page", allow, "Served", MediaHTML, nil},
		{"markdown header", "/notes", allow, "Notes", MediaMarkdown, nil},
		{"sniffed", "/sniffed", allow, "sniffed", MediaHTML, nil},
		{"generic type uses extension", "/files/guide.pdf", allow, "Citebot PDF Guide", MediaPDF, nil},
		{"unsupported type", "/image", allow, "", "", ErrUnsupported},
		{"declared too large", "/big", Options{AllowPrivate: true, MaxBytes: 1000}, "", "", ErrTooLarge},
		{"streamed too large", "/chunked-big", Options{AllowPrivate: true, MaxBytes: 1000}, "", "", ErrTooLarge},
		{"redirect chain", "/r/3", allow, "Served", MediaHTML, nil},
		{"redirect limit", "/r/4", allow, "Served", MediaHTML, nil},
		{"too many redirects", "/r/5", allow, "", "", errRedirects},
		{"custom redirect limit", "/r/1", Options{AllowPrivate: true, MaxRedirects: 1}, "", "", errRedirects},
		{"redirect to file", "/to-file", allow, "", "", ErrUnsupported},
		{"private refused", "/page", Options{}, "", "", ErrForbiddenAddress},
		{"timeout", "/slow", Options{AllowPrivate: true, Timeout: 100 * time.Millisecond}, "", "", context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := LoadURL(context.Background(), srv.URL+tt.path, tt.opts)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkDoc(t, d)
			if d.Title != tt.wantTitle || d.MediaType != tt.wantMedia || d.Source != srv.URL+tt.path {
				t.Errorf("got title %q media %q source %q, want %q %q", d.Title, d.MediaType, d.Source, tt.wantTitle, tt.wantMedia)
			}
		})
	}
}

func TestLoadURLErrors(t *testing.T) {
	srv := testServer(t)
	tests := []struct {
		name, url    string
		allowPrivate bool
		want         string
	}{
		{"status", srv.URL + "/missing", true, "http status 404"},
		{"scheme", "file:///etc/passwd", true, "not an http(s) URL"},
		{"no host", "http:///x", true, "not an http(s) URL"},
		{"localhost name", strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/page", false, "forbidden address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadURL(context.Background(), tt.url, Options{AllowPrivate: tt.allowPrivate})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestPublicAddr(t *testing.T) {
	tests := []struct {
		ip   string
		want bool
	}{
		{"93.184.216.34", true},
		{"2606:2800:220:1:248:1893:25c8:1946", true},
		{"127.0.0.1", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false},
		{"fe80::1%eth0", false},
		{"fc00::1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"224.0.0.1", false},
		{"ff02::1", false},
		{"100.64.0.1", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:8.8.8.8", true},
		{"64:ff9b::a00:1", false},
		{"255.255.255.255", false},
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			if got := PublicAddr(netip.MustParseAddr(tt.ip)); got != tt.want {
				t.Errorf("PublicAddr(%s) = %v, want %v", tt.ip, got, tt.want)
			}
		})
	}
}

func TestCleanURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://example.com/a?b=1", "https://example.com/a?b=1"},
		{"https://user:pass@example.com/a", "https://example.com/a"},
		{"https://example.com/a?page=2&token=abc&Access_Token=x&sig=s&api_key=k&X-Amz-Signature=q&lang=en", "https://example.com/a?page=2&lang=en"},
		{"https://example.com/a?my_token=abc", "https://example.com/a"},
		{"http://u@example.com/?key=1#frag", "http://example.com/#frag"},
		{"not a url\x7f", "not a url\x7f"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := CleanURL(tt.in); got != tt.want {
				t.Errorf("CleanURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestLoadURLCredentials: credentials in a URL are used to fetch it but
// are in neither the document's source nor any error.
func TestLoadURLCredentials(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		if user != "alice" || pass != "s3cret-pw" || r.URL.Query().Get("token") != "tok-123" {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		fmt.Fprint(w, "Private notes.")
	}))
	defer srv.Close()
	opts := Options{AllowPrivate: true}
	withCreds := strings.Replace(srv.URL, "http://", "http://alice:s3cret-pw@", 1) + "/notes.txt?v=2&token=tok-123"
	d, err := LoadURL(t.Context(), withCreds, opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := srv.URL + "/notes.txt?v=2"; d.Source != want {
		t.Errorf("Source = %q, want %q", d.Source, want)
	}
	p, err := Fetch(t.Context(), withCreds, Validators{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := p.Document(t.Context(), withCreds, opts); err != nil || d.Source != srv.URL+"/notes.txt?v=2" {
		t.Errorf("fetched page stored as %v (%v), want it without credentials", d, err)
	}
	for _, bad := range []string{
		strings.Replace(withCreds, "tok-123", "wrong", 1),                        // an HTTP error
		"http://alice:s3cret-pw@127.0.0.1:1/x.txt?token=tok-123",                 // a connection error
		"http://alice:s3cret-pw@no-such-host.invalid/x.txt?access_token=tok-123", // a DNS error
	} {
		_, err := LoadURL(t.Context(), bad, opts)
		if err == nil || strings.Contains(err.Error(), "s3cret-pw") || strings.Contains(err.Error(), "tok-123") || strings.Contains(err.Error(), "alice") {
			t.Errorf("LoadURL(%q): err = %v, want an error without the credentials", bad, err)
		}
		_, err = Fetch(t.Context(), bad, Validators{}, opts)
		if err == nil || strings.Contains(err.Error(), "s3cret-pw") || strings.Contains(err.Error(), "tok-123") || strings.Contains(err.Error(), "alice") {
			t.Errorf("Fetch(%q): err = %v, want an error without the credentials", bad, err)
		}
	}
}
