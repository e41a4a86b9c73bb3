package source

import (
	"bytes"
	"net/url"
	"path"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// pageLinks is what the crawler reads from an HTML page besides its text.
type pageLinks struct {
	links     []string
	canonical string
	noindex   bool
	nofollow  bool
}

// extractLinks collects a page's <a href> targets resolved against base,
// its <link rel=canonical> and its <meta name=robots> directives.
func extractLinks(base *url.URL, data []byte) pageLinks {
	var out pageLinks
	z := html.NewTokenizer(bytes.NewReader(data))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.StartTagToken, html.SelfClosingTagToken:
			t := z.Token()
			attrs := map[string]string{}
			for _, a := range t.Attr {
				attrs[strings.ToLower(a.Key)] = a.Val
			}
			switch t.DataAtom {
			case atom.A:
				if u := resolve(base, attrs["href"]); u != "" && !hasToken(attrs["rel"], "nofollow") {
					out.links = append(out.links, u)
				}
			case atom.Link:
				if hasToken(attrs["rel"], "canonical") {
					out.canonical = resolve(base, attrs["href"])
				}
			case atom.Meta:
				if n := strings.ToLower(attrs["name"]); n == "robots" || n == userAgent {
					c := strings.ToLower(attrs["content"])
					out.noindex = out.noindex || strings.Contains(c, "noindex") || strings.Contains(c, "none")
					out.nofollow = out.nofollow || strings.Contains(c, "nofollow") || strings.Contains(c, "none")
				}
			}
		}
	}
}

func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(strings.ToLower(list)) {
		if f == tok {
			return true
		}
	}
	return false
}

// resolve makes href absolute against base and normalises it; it returns
// "" for anything but http(s).
func resolve(base *url.URL, href string) string {
	href = strings.TrimSpace(href)
	if href == "" {
		return ""
	}
	u, err := base.Parse(href)
	if err != nil {
		return ""
	}
	return normalize(u)
}

// normalize gives one spelling of a URL: lower-case scheme and host, no
// default port, no fragment, no user info, dot segments removed and an
// empty path as "/". It returns "" for anything but http(s).
func normalize(u *url.URL) string {
	n := *u
	n.Scheme = strings.ToLower(n.Scheme)
	if n.Scheme != "http" && n.Scheme != "https" || n.Host == "" {
		return ""
	}
	n.Host = strings.ToLower(n.Host)
	if p := n.Port(); (p == "80" && n.Scheme == "http") || (p == "443" && n.Scheme == "https") {
		n.Host = n.Hostname()
	}
	n.User, n.Fragment, n.RawFragment = nil, "", ""
	n.ForceQuery = false
	if n.Path == "" {
		n.Path = "/"
	} else {
		trailing := strings.HasSuffix(n.Path, "/")
		n.Path = path.Clean(n.Path)
		if trailing && n.Path != "/" {
			n.Path += "/"
		}
	}
	n.RawPath = ""
	return n.String()
}
