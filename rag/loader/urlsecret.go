package loader

import (
	"net/url"
	"strings"
)

// secretParams are query parameters that carry credentials, lower case.
var secretParams = map[string]bool{
	"token": true, "access_token": true, "refresh_token": true, "id_token": true, "auth": true,
	"key": true, "api_key": true, "apikey": true, "secret": true, "client_secret": true,
	"password": true, "passwd": true, "pwd": true, "sig": true, "signature": true,
	"session": true, "sessionid": true, "jwt": true, "code": true,
	"x-amz-signature": true, "x-amz-credential": true, "x-amz-security-token": true,
	"x-goog-signature": true, "x-goog-credential": true,
}

// secretParam reports whether a query parameter's name looks like it
// carries a credential.
func secretParam(name string) bool {
	n := strings.ToLower(name)
	if secretParams[n] {
		return true
	}
	for _, suffix := range []string{"_token", "-token", "_key", "-key", "_secret", "-secret", "_signature", "password"} {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	return false
}

// CleanURL returns raw without credentials: no user:password@ and no
// token-like query parameters (token=, key=, access_token=, sig=, ...),
// the rest of the query in its order. It is what a URL document is stored,
// cited, listed and logged as; the URL as given is used only to fetch it.
// A string that does not parse is returned as it is.
func CleanURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	var kept []string
	params := strings.Split(u.RawQuery, "&")
	for _, kv := range params {
		name, _, _ := strings.Cut(kv, "=")
		if n, err := url.QueryUnescape(name); secretParam(name) || err == nil && secretParam(n) {
			continue
		}
		kept = append(kept, kv)
	}
	if u.User == nil && len(kept) == len(params) {
		return raw
	}
	u.User, u.RawQuery = nil, strings.Join(kept, "&")
	return u.String()
}
