package loader

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"syscall"
	"time"
)

// errRedirects reports a redirect chain longer than Options.MaxRedirects.
var errRedirects = errors.New("too many redirects")

// blockedPrefixes are non-public ranges that netip's predicates miss.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64 may reach anything
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("::ffff:0:0:0/96"), // IPv4-translated
}

// LoadURL fetches an http or https URL and parses it. The media type comes
// from the Content-Type header, else the URL's extension, else sniffing.
// The body is capped at Options.MaxBytes, redirects at
// Options.MaxRedirects and the fetch at Options.Timeout (parsing has its own
// deadline); it is Fetch without validators, then Page.Document. Unless
// Options.AllowPrivate is set, every connection, redirects included, is
// refused with ErrForbiddenAddress if the resolved address is loopback,
// private, link-local, unspecified, multicast or otherwise not public.
// The document's Source, and every error, name the URL without its
// credentials (CleanURL).
func LoadURL(ctx context.Context, rawURL string, opts Options) (*Document, error) {
	p, err := fetch(ctx, "load", rawURL, Validators{}, opts)
	if err != nil {
		return nil, err
	}
	return p.Document(ctx, rawURL, opts)
}

// withoutURL drops the URL a *url.Error repeats, which may hold
// credentials (net/http strips the password only).
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// urlMedia trusts a supported Content-Type; an unsupported specific one
// is refused; a missing or generic one falls back to the URL's extension
// and then to sniffing.
func urlMedia(u *url.URL, contentType string, data []byte) (string, error) {
	if m := headerMedia(contentType); m != "" {
		return m, nil
	}
	switch contentType {
	case "", "application/octet-stream", "binary/octet-stream", "application/binary":
		name := path.Base(u.Path)
		if !Supported(name) {
			name = ""
		}
		return detect(name, data)
	}
	return "", fmt.Errorf("content type %q: %w", contentType, ErrUnsupported)
}

// newClient builds a client whose every connection is checked after DNS
// resolution, bypassing any proxy (which would hide the real address).
func newClient(opts Options) (*http.Client, *http.Transport) {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !opts.AllowPrivate {
		d.Control = refusePrivate
	}
	tr := &http.Transport{
		DialContext:            d.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    10 * time.Second,
		ResponseHeaderTimeout:  20 * time.Second,
		MaxResponseHeaderBytes: 1 << 20,
	}
	maxRedirects := opts.maxRedirects()
	client := &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) > maxRedirects {
			return fmt.Errorf("stopped after %d: %w", maxRedirects, errRedirects)
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return fmt.Errorf("redirect to %s: %w", req.URL.Scheme, ErrUnsupported)
		}
		return nil
	}}
	return client, tr
}

// refusePrivate is a net.Dialer Control hook: it sees the resolved
// address of each connection attempt.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	if !PublicAddr(ip) {
		return fmt.Errorf("connect to %s: %w", ip, ErrForbiddenAddress)
	}
	return nil
}

// PublicAddr reports whether LoadURL may connect to ip without
// Options.AllowPrivate.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsMulticast() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}
