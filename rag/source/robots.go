package source

import (
	"bufio"
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// userAgent is the robots.txt product token the crawler obeys, before "*".
const userAgent = "citebot"

// robots is the rule group of a robots.txt that applies to citebot.
type robots struct {
	rules    []robotsRule
	delay    time.Duration
	sitemaps []string
}

type robotsRule struct {
	allow   bool
	pattern string
	re      *regexp.Regexp
}

// parseRobots reads a robots.txt: the group naming citebot if there is
// one, else the "*" group; Sitemap lines apply whatever the group.
func parseRobots(data []byte) *robots {
	groups := map[string]*robots{}
	var current []*robots
	inAgents := false
	out := &robots{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key, val = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val)
		switch key {
		case "user-agent":
			if !inAgents {
				current = nil
			}
			inAgents = true
			agent := strings.ToLower(val)
			if groups[agent] == nil {
				groups[agent] = &robots{}
			}
			current = append(current, groups[agent])
			continue
		case "sitemap":
			out.sitemaps = append(out.sitemaps, val)
		case "allow", "disallow":
			re, err := robotsPattern(val)
			for _, g := range current {
				if val != "" && err == nil {
					g.rules = append(g.rules, robotsRule{allow: key == "allow", pattern: val, re: re})
				}
			}
		case "crawl-delay":
			if s, err := strconv.ParseFloat(val, 64); err == nil && s >= 0 {
				for _, g := range current {
					g.delay = time.Duration(s * float64(time.Second))
				}
			}
		}
		inAgents = false
	}
	g := groups[userAgent]
	if g == nil {
		g = groups["*"]
	}
	if g != nil {
		out.rules, out.delay = g.rules, g.delay
	}
	return out
}

// allowed applies the longest matching rule to a URL path (with its
// query); Allow wins a tie; no match allows.
func (r *robots) allowed(path string) bool {
	best, allow := -1, true
	for _, rule := range r.rules {
		if !rule.re.MatchString(path) {
			continue
		}
		if n := len(rule.pattern); n > best || (n == best && rule.allow) {
			best, allow = n, rule.allow
		}
	}
	return allow
}

// robotsPattern compiles a robots.txt path pattern: a prefix, where "*"
// stands for any characters and a final "$" anchors the end.
func robotsPattern(pattern string) (*regexp.Regexp, error) {
	anchored := strings.HasSuffix(pattern, "$")
	pattern = strings.TrimSuffix(pattern, "$")
	parts := strings.Split(pattern, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	expr := "^" + strings.Join(parts, ".*")
	if anchored {
		expr += "$"
	}
	return regexp.Compile(expr)
}
