package libdnsadapter

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/libdns/desec"
	"github.com/libdns/libdns"
	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// What github.com/libdns/desec v1.1.0 gets wrong (read in its provider.go),
// and what the adapter does about each:
var desecBugs = []string{
	"GetRecords never pages: past 500 RRsets deSEC answers 400 \"Pagination required\" and the zone cannot be read; " +
		"the adapter reads the zone itself (rrsets/?cursor=, following the Link header)",
	"GetRecords reads a TXT record of several strings as one text with the quotes in it (\"a\" \"b\" becomes a\" \"b), " +
		"which a rewrite would store; the adapter's own read keeps the strings",
	"GetRecords fails on the whole zone at any \\DDD escape, which deSEC itself writes for octets outside printable ASCII; " +
		"the adapter's own read parses them",
	"SetRecords writes a TXT record as one quoted string (deSEC splits it every 255 octets), so other string boundaries are lost, " +
		"control characters are sent raw and invalid UTF-8 is replaced; such TXT RRsets are written by the adapter's own bulk PATCH",
	"DeleteRecords reads every RRset it deletes first (a GET each, under deSEC's read throttle of 50 a minute: 1,000 deletions take 20 minutes) " +
		"and silently skips values it does not match as deSEC stores them (a TXT record over 255 octets, one with \\DDD escapes); " +
		"the adapter deletes whole RRsets with its own bulk PATCH (empty records), one request",
	"SetRecords raises every TTL under 3600 to 3600 without saying so; the driver's minimum TTL is 3600, so the plan raises them and says so",
	"a 429 without a Retry-After header ends the call with an error; the adapter's transport retries 429s and 5xx first",
}

func init() {
	Register(&Package{
		Name:    "desec",
		Module:  "github.com/libdns/desec",
		Version: "v1.1.0",
		// Not run live yet (TestLiveDesec): verified only once it is.
		EmulatedAt:      "v1.1.0",
		EmulatedAgainst: "zonecast's deSEC emulator (internal/emulator/desec)",
		New:             func() Client { return &desec.Provider{} },
		Secrets:         []string{"token"},
		Required:        []string{"token"},
		Host:            "desec.io",
		Auth:            func(s map[string]string) string { return "Token " + s["token"] },
		// deSEC's dns_api_cheap: 10/s, 50/min; RRset writes 2/s per domain.
		RequestsPerSecond: 2,
		Caps: providers.Capabilities{
			Types: []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeCAA, dns.TypeCERT, dns.TypeCNAME, dns.TypeDS, dns.TypeHINFO,
				dns.TypeHTTPS, dns.TypeLOC, dns.TypeMX, dns.TypeNAPTR, dns.TypeNS, dns.TypeOPENPGPKEY, dns.TypePTR,
				dns.TypeRP, dns.TypeSMIMEA, dns.TypeSPF, dns.TypeSRV, dns.TypeSSHFP, dns.TypeSVCB, dns.TypeTLSA,
				dns.TypeTXT, dns.TypeURI},
			MinTTL: 3600, MaxTTL: 604800, OwnsSOA: true,
			DNSSEC: providers.SignerCaps{Signs: true, CDS: true, Algorithms: []uint8{dns.ECDSAP256SHA256},
				Notes: []string{"deSEC signs every zone with its own key (ECDSAP256SHA256); the DS is in the domain's keys"}},
			Notes: []string{
				"TTL 3600 (deSEC's default minimum_ttl; libdns/desec raises lower ones) to 604800",
				"SOA and DNSSEC records are deSEC's own; deSEC throttles reads at 10/s and 50/min, RRset writes at 2/s, 15/min, 100/h, 300/day per domain",
			},
		},
		Bugs:     desecBugs,
		Native:   func(p *Provider) Native { return &desecNative{p: p} },
		NotFound: desecNotFound,
	})
}

// desecNotFound: libdns/desec's errors say "unexpected status code 404".
func desecNotFound(err error) bool {
	return err != nil && strings.Contains(err.Error(), "unexpected status code 404")
}

type desecNative struct{ p *Provider }

type desecRRset struct {
	Subname string   `json:"subname"`
	Type    string   `json:"type"`
	TTL     int      `json:"ttl,omitempty"`
	Records []string `json:"records"`
}

var nextLink = regexp.MustCompile(`<([^>]+)>;\s*rel="next"`)

func (n *desecNative) do(ctx context.Context, method, u string, body any) ([]byte, http.Header, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", n.p.Auth())
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := n.p.HTTP().Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, nil, err
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, nil, providers.ErrZoneNotFound
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, nil, fmt.Errorf("%s %s: HTTP %d: deSEC refuses the token (settings.token): %s", method, req.URL.Path, resp.StatusCode, strings.TrimSpace(string(raw)))
	case resp.StatusCode >= 300:
		return nil, nil, fmt.Errorf("%s %s: HTTP %d: %s", method, req.URL.Path, resp.StatusCode, strings.TrimSpace(string(raw)))
	}
	return raw, resp.Header, nil
}

func (n *desecNative) rrsetsURL(origin string) string {
	return n.p.BaseURL() + "/api/v1/domains/" + url.PathEscape(strings.TrimSuffix(origin, ".")) + "/rrsets/"
}

// Records reads every RRset, 500 a page: cursor= asks for the first page
// (a zone of fewer comes whole), the Link header's rel="next" for the rest.
func (n *desecNative) Records(ctx context.Context, origin string) ([]zones.RRset, error) {
	var all []desecRRset
	for u := n.rrsetsURL(origin) + "?cursor="; u != ""; {
		raw, h, err := n.do(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		var page []desecRRset
		if err := json.Unmarshal(raw, &page); err != nil {
			return nil, fmt.Errorf("read %s at %s: %w", origin, n.p.Name(), err)
		}
		all = append(all, page...)
		u = ""
		if m := nextLink.FindStringSubmatch(h.Get("Link")); m != nil {
			next, err := url.Parse(m[1])
			if err != nil {
				return nil, fmt.Errorf("read %s at %s: Link %q: %w", origin, n.p.Name(), m[1], err)
			}
			// The link names deSEC's host; the transport sends it where
			// the provider's requests go.
			u = n.p.BaseURL() + next.RequestURI()
		}
	}
	out := make([]zones.RRset, 0, len(all))
	for _, r := range all {
		name := origin
		if r.Subname != "" {
			name = zones.CanonicalName(r.Subname + "." + origin)
		}
		t, ok := dns.StringToType[r.Type]
		if !ok {
			continue // a type zonecast does not know: it plans nothing there
		}
		set := zones.RRset{Name: name, Type: t, TTL: uint32(r.TTL)}
		for _, c := range r.Records {
			rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", name, r.TTL, r.Type, c))
			if err != nil || rr == nil {
				set.Protected = fmt.Sprintf("unreadable by zonecast (%s %q as deSEC returns it)", r.Type, c)
				set.Data = append(set.Data, c)
				continue
			}
			set.Data = append(set.Data, zones.Rdata(rr))
		}
		slices.Sort(set.Data)
		set.Data = slices.Compact(set.Data)
		out = append(out, set)
	}
	return out, nil
}

// Exact: libdns/desec writes a TXT record as one quoted string of its text
// with only `"` and `\` escaped, which deSEC stores split every 255 octets
// (\DDD for octets outside printable ASCII); it deletes by comparing that
// same string with what deSEC holds.
func (n *desecNative) Exact(s zones.RRset, del bool) string {
	if del {
		return "libdns/desec's DeleteRecords reads each RRset first (a GET each, under deSEC's read throttle of 50 a minute) and skips values it does not match as deSEC stores them"
	}
	if s.Type != dns.TypeTXT && s.Type != dns.TypeSPF {
		return ""
	}
	for _, d := range s.Data {
		text, err := providers.TXTText(d)
		if err != nil {
			return err.Error()
		}
		if providers.TXTData(text) != d {
			return "libdns/desec writes a TXT record as one string, and deSEC splits it only every 255 octets"
		}
		for i := 0; i < len(text); i++ {
			if c := text[i]; c < ' ' || c == 0x7f {
				return "libdns/desec sends control characters raw"
			}
		}
		if !utf8.ValidString(text) {
			return "libdns/desec replaces octets that are not UTF-8"
		}
	}
	return ""
}

// Apply makes the changes in one bulk PATCH (deSEC applies it
// atomically): a set with its TTL and records as zonecast writes them
// (deSEC's own presentation form), a deletion with an empty records list
// and no TTL (PATCH needs only the type; deSEC's docs leave open whether a
// PUT deletion without a TTL is taken).
func (n *desecNative) Apply(ctx context.Context, origin string, changes []providers.Change) error {
	body := make([]desecRRset, 0, len(changes))
	for _, c := range changes {
		sub := libdns.RelativeName(c.Set.Name, origin)
		if sub == "@" {
			sub = ""
		}
		r := desecRRset{Subname: sub, Type: c.Set.TypeString(), Records: []string{}}
		if !c.Delete {
			r.TTL, r.Records = int(c.Set.TTL), slices.Clone(c.Set.Data)
		}
		body = append(body, r)
	}
	_, _, err := n.do(ctx, http.MethodPatch, n.rrsetsURL(origin), body)
	return err
}
