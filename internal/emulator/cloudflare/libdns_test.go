package cloudflare

import (
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	libdnscf "github.com/libdns/cloudflare"
	"github.com/libdns/libdns"
)

// rewrite sends libdns/cloudflare's requests, built on the constant
// https://api.cloudflare.com/client/v4, to the emulator.
type rewrite struct{ base *url.URL }

func (c rewrite) Do(req *http.Request) (*http.Response, error) {
	req.URL.Scheme = c.base.Scheme
	req.URL.Host = c.base.Host
	return http.DefaultClient.Do(req)
}

func provider(t *testing.T, s *Server) *libdnscf.Provider {
	t.Helper()
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	return &libdnscf.Provider{APIToken: token, HTTPClient: rewrite{u}}
}

// rrs returns the records as sorted zone-file-like lines.
func rrs(recs []libdns.Record) []string {
	var out []string
	for _, r := range recs {
		rr := r.RR()
		out = append(out, strings.Join([]string{rr.Name, rr.TTL.String(), rr.Type, rr.Data}, " "))
	}
	slices.Sort(out)
	return out
}

// ops returns "METHOD path?query" of the logged requests, with the zone ID
// replaced by {zid}.
func ops(s *Server, zid string) []string {
	var out []string
	for _, r := range s.Requests() {
		line := r.Method + " " + strings.ReplaceAll(strings.TrimPrefix(r.Path, "/client/v4"), zid, "{zid}")
		if r.Query != "" {
			line += "?" + r.Query
		}
		out = append(out, line)
	}
	return out
}

func TestLibdnsGetRecordsPaging(t *testing.T) {
	s, zid := start(t, Options{PerPageMax: 2})
	s.AddRecord(zid, Record{Type: "A", Name: "www", Content: "192.0.2.1", TTL: 300})
	s.AddRecord(zid, Record{Type: "AAAA", Name: "www", Content: "2001:db8::1", TTL: 300})
	s.AddRecord(zid, Record{Type: "CNAME", Name: "cdn", Content: "origin.example.net", Proxied: true})
	s.AddRecord(zid, Record{Type: "MX", Name: "@", Content: "mail.example.com", Priority: intp(10), TTL: 3600})
	s.AddRecord(zid, Record{Type: "TXT", Name: "@", Content: `"v=spf1 -all"`, TTL: 300})
	s.AddRecord(zid, Record{Type: "SRV", Name: "_sip._tcp", TTL: 300,
		Data: map[string]any{"priority": 10, "weight": 20, "port": 5060, "target": "sip.example.com"}})
	s.AddRecord(zid, Record{Type: "CAA", Name: "@", TTL: 300,
		Data: map[string]any{"flags": 0, "tag": "issue", "value": "letsencrypt.org"}})
	s.ResetRequests()

	got, err := provider(t, s).GetRecords(t.Context(), "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"@ 1h0m0s MX 10 mail.example.com.",
		`@ 5m0s CAA 0 issue "letsencrypt.org"`,
		"@ 5m0s TXT v=spf1 -all",
		"_sip._tcp 5m0s SRV 10 20 5060 sip.example.com.",
		"cdn 1s CNAME origin.example.net.",
		"www 5m0s A 192.0.2.1",
		"www 5m0s AAAA 2001:db8::1",
	}
	if diff := cmp.Diff(want, rrs(got)); diff != "" {
		t.Errorf("GetRecords (-want +got):\n%s", diff)
	}
	wantOps := []string{
		"GET /zones?name=example.com.",
		"GET /zones/{zid}/dns_records?page=1&per_page=100",
		"GET /zones/{zid}/dns_records?page=2&per_page=100",
		"GET /zones/{zid}/dns_records?page=3&per_page=100",
		"GET /zones/{zid}/dns_records?page=4&per_page=100",
	}
	if diff := cmp.Diff(wantOps, ops(s, zid)); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestLibdnsAppendRecords(t *testing.T) {
	s, zid := start(t, Options{})
	p := provider(t, s)
	in := []libdns.Record{
		libdns.Address{Name: "www", TTL: 5 * time.Minute, IP: netip.MustParseAddr("192.0.2.1")},
		libdns.Address{Name: "www", TTL: 5 * time.Minute, IP: netip.MustParseAddr("192.0.2.2")},
		libdns.Address{Name: "@", IP: netip.MustParseAddr("2001:db8::1")},
		libdns.CNAME{Name: "alias", TTL: time.Hour, Target: "www.example.com."},
		libdns.MX{Name: "@", TTL: time.Hour, Preference: 10, Target: "mail.example.com."},
		libdns.NS{Name: "sub", TTL: time.Hour, Target: "ns1.example.net."},
		libdns.TXT{Name: "@", TTL: 5 * time.Minute, Text: "v=spf1 -all"},
		libdns.SRV{Service: "sip", Transport: "tcp", Name: "@", TTL: 5 * time.Minute, Priority: 10, Weight: 0, Port: 5060, Target: "sip.example.com."},
		libdns.CAA{Name: "@", TTL: time.Hour, Flags: 0, Tag: "issue", Value: "letsencrypt.org"},
		libdns.ServiceBinding{Scheme: "https", Name: "@", TTL: time.Hour, Priority: 1, Target: ".",
			Params: libdns.SvcParams{"alpn": {"h2", "h3"}}},
	}
	if _, err := p.AppendRecords(t.Context(), "example.com.", in); err != nil {
		t.Fatal(err)
	}
	got, err := p.GetRecords(t.Context(), "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	// Automatic TTL (0 written) reads back as 1s; libdns quotes TXT on the
	// way out and strips the quotes on the way in; the rest round-trips.
	want := []string{
		"@ 1h0m0s CAA 0 issue \"letsencrypt.org\"",
		"@ 1h0m0s HTTPS 1 . alpn=h2,h3",
		"@ 1h0m0s MX 10 mail.example.com.",
		"@ 1s AAAA 2001:db8::1",
		"@ 5m0s TXT v=spf1 -all",
		"_sip._tcp 5m0s SRV 10 0 5060 sip.example.com.",
		"alias 1h0m0s CNAME www.example.com.",
		"sub 1h0m0s NS ns1.example.net.",
		"www 5m0s A 192.0.2.1",
		"www 5m0s A 192.0.2.2",
	}
	if diff := cmp.Diff(want, rrs(got)); diff != "" {
		t.Errorf("records after AppendRecords (-want +got):\n%s", diff)
	}
	for _, r := range s.Records(zid) {
		if r.Type == "TXT" && r.Content != `"v=spf1 -all"` {
			t.Errorf("stored TXT content %q, want the quoted form libdns sends", r.Content)
		}
	}

	// Appending an identical record fails like the real API (81057).
	_, err = p.AppendRecords(t.Context(), "example.com.", in[:1])
	if err == nil || !strings.Contains(err.Error(), "81057") {
		t.Errorf("duplicate append: %v, want an 81057 error", err)
	}
	// MX preference 0 is sent without priority and refused (9100).
	_, err = p.AppendRecords(t.Context(), "example.com.", []libdns.Record{libdns.MX{Name: "mx0", Target: "mail.example.com."}})
	if err == nil || !strings.Contains(err.Error(), "9100") {
		t.Errorf("MX preference 0: %v, want a 9100 error", err)
	}
}

// TestLibdnsSetRecordsBug shows that the emulator reproduces
// libdns/cloudflare#31: SetRecords with two values for one name and type
// POSTs the first, then finds it and PATCHes it to the second, so only the
// last value survives; with two existing records it fails.
func TestLibdnsSetRecordsBug(t *testing.T) {
	s, zid := start(t, Options{})
	p := provider(t, s)
	ctx := t.Context()
	if _, err := p.GetRecords(ctx, "example.com."); err != nil { // cache the zone lookup
		t.Fatal(err)
	}
	s.ResetRequests()
	_, err := p.SetRecords(ctx, "example.com.", []libdns.Record{
		libdns.Address{Name: "www", TTL: 5 * time.Minute, IP: netip.MustParseAddr("192.0.2.1")},
		libdns.Address{Name: "www", TTL: 5 * time.Minute, IP: netip.MustParseAddr("192.0.2.2")},
	})
	if err != nil {
		t.Fatal(err)
	}
	var contents []string
	for _, r := range s.Records(zid) {
		contents = append(contents, r.Type+" "+r.Name+" "+r.Content)
	}
	if diff := cmp.Diff([]string{"A www.example.com 192.0.2.2"}, contents); diff != "" {
		t.Errorf("after SetRecords of two values (-want +got):\n%s", diff)
	}
	var methods []string
	for _, o := range ops(s, zid) {
		methods = append(methods, strings.SplitN(o, "?", 2)[0])
	}
	wantOps := []string{
		"GET /zones/{zid}/dns_records", "POST /zones/{zid}/dns_records",
		"GET /zones/{zid}/dns_records", "PATCH /zones/{zid}/dns_records/" + s.Records(zid)[0].ID,
	}
	if diff := cmp.Diff(wantOps, methods); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}

	s.AddRecord(zid, Record{Type: "A", Name: "www", Content: "192.0.2.3"})
	_, err = p.SetRecords(ctx, "example.com.", []libdns.Record{
		libdns.Address{Name: "www", IP: netip.MustParseAddr("192.0.2.4")},
	})
	if err == nil || !strings.Contains(err.Error(), "more than 1 record") {
		t.Errorf("SetRecords over two existing records: %v, want 'unexpectedly found more than 1 record'", err)
	}
}

// TestLibdnsDeleteRecords shows the deletes the emulator lets libdns make:
// exact content matches for A and TXT, and every SRV at the name for one SRV.
func TestLibdnsDeleteRecords(t *testing.T) {
	s, zid := start(t, Options{})
	p := provider(t, s)
	ctx := t.Context()
	in := []libdns.Record{
		libdns.Address{Name: "www", IP: netip.MustParseAddr("192.0.2.1")},
		libdns.Address{Name: "www", IP: netip.MustParseAddr("192.0.2.2")},
		libdns.TXT{Name: "t", Text: "one"},
		libdns.TXT{Name: "t", Text: "two"},
		libdns.SRV{Service: "sip", Transport: "tcp", Name: "@", Priority: 10, Weight: 20, Port: 5060, Target: "a.example.com."},
		libdns.SRV{Service: "sip", Transport: "tcp", Name: "@", Priority: 20, Weight: 20, Port: 5060, Target: "b.example.com."},
	}
	if _, err := p.AppendRecords(ctx, "example.com.", in); err != nil {
		t.Fatal(err)
	}
	if _, err := p.DeleteRecords(ctx, "example.com.", []libdns.Record{in[0], in[2], in[4]}); err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, r := range s.Records(zid) {
		left = append(left, r.Type+" "+r.Name+" "+r.Content)
	}
	want := []string{"A www.example.com 192.0.2.2", `TXT t.example.com "two"`}
	if diff := cmp.Diff(want, left); diff != "" {
		t.Errorf("after deleting one A, one TXT, one SRV (-want +got):\n%s", diff)
	}
}

// TestLibdnsFaults shows how libdns/cloudflare, which neither retries nor
// understands HTML, reacts to injected faults.
func TestLibdnsFaults(t *testing.T) {
	s, _ := start(t, Options{})
	p := provider(t, s)
	s.Inject(Fault{Path: "/zones", Status: 429, RetryAfter: time.Second, Times: 1})
	if _, err := p.GetRecords(t.Context(), "example.com."); err == nil || !strings.Contains(err.Error(), "HTTP 429") {
		t.Errorf("429: %v", err)
	}
	s.Inject(Fault{Path: "/dns_records", Status: 502, HTML: true, Times: 1})
	if _, err := p.GetRecords(t.Context(), "example.com."); err == nil || !strings.Contains(err.Error(), "invalid character '<'") {
		t.Errorf("502 HTML: %v", err)
	}
	if _, err := p.GetRecords(t.Context(), "example.com."); err != nil {
		t.Errorf("after the faults: %v", err)
	}
}
