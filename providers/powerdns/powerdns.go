// Package powerdns is the driver of the PowerDNS Authoritative Server's
// HTTP API (doc.powerdns.com/authoritative/http-api/): a zone is read with
// one GET of /api/v1/servers/{server}/zones/{zone} and changed with one
// PATCH of its rrsets, every change a REPLACE or DELETE of a whole RRset,
// applied by the server in one transaction (all of them, or none).
//
// What a naive driver gets wrong, and this one does not:
//   - a record PowerDNS holds as disabled is served by nobody, yet the API
//     lists it: such an RRset is protected (left alone, with a note), since
//     a REPLACE would either enable it or drop it;
//   - comments belong to the RRset, not the records: a PATCH that omits
//     "comments" keeps them, so a REPLACE never sends the key;
//   - names in the API end with a dot and content is in presentation form
//     with absolute names (a CNAME target "www" is refused);
//   - the serial: the server edits it on every API change only when the
//     zone's SOA-EDIT-API metadata says so (zones made through the API have
//     DEFAULT; zones loaded otherwise often have none), so the SOA is the
//     server's and zonecast never plans it;
//   - an unknown zone is 404 (4.x) or 422 "Could not find domain": both are
//     ErrZoneNotFound.
package powerdns

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/time/rate"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// Config is the provider's configuration block.
type Config struct {
	// APIURL is the server's webserver, "http://127.0.0.1:8081".
	APIURL string `yaml:"api_url"`
	// APIKey is the api-key of pdns.conf (env:NAME or file:PATH).
	APIKey providers.Secret `yaml:"api_key"`
	// ServerID is the API's server, "localhost" unless set.
	ServerID string `yaml:"server_id"`
	// Nameservers are the server's names and addresses, for verify and
	// failover ("ns1.example.net.@192.0.2.1:53").
	Nameservers []string `yaml:"nameservers"`
	// RequestsPerSecond paces the requests (default 20); Timeout bounds
	// one request (default 30s); MaxAttempts each request's tries
	// (default 6).
	RequestsPerSecond float64       `yaml:"requests_per_second"`
	Timeout           time.Duration `yaml:"timeout"`
	MaxAttempts       int           `yaml:"max_attempts"`
}

// Driver is the powerdns entry of providers/all.
var Driver = providers.Driver{
	Type:      "powerdns",
	Summary:   "the PowerDNS Authoritative Server's HTTP API (whole RRsets, one atomic PATCH per apply)",
	NewConfig: func() any { return &Config{} },
	New: func(name string, cfg any, _ string) (providers.Provider, error) {
		c := cfg.(*Config)
		if c.APIURL == "" {
			return nil, errors.New("api_url: required, the server's webserver, such as http://127.0.0.1:8081")
		}
		u, err := url.Parse(c.APIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("api_url %q: want http://HOST:PORT or https://HOST:PORT", c.APIURL)
		}
		if c.APIKey.IsZero() {
			return nil, errors.New("api_key: required (env:NAME or file:PATH)")
		}
		ns, err := providers.ParseNameservers(c.Nameservers)
		if err != nil {
			return nil, err
		}
		tr := &providers.Transport{Limiter: rate.NewLimiter(rate.Limit(cmp.Or(c.RequestsPerSecond, 20)), 1), MaxAttempts: c.MaxAttempts}
		return &Provider{name: name, base: strings.TrimSuffix(u.String(), "/"), key: c.APIKey, server: cmp.Or(c.ServerID, "localhost"),
			nameservers: ns, http: &http.Client{Transport: tr, Timeout: cmp.Or(c.Timeout, 30*time.Second)}, transport: tr}, nil
	},
}

// Provider is one PowerDNS server's API.
type Provider struct {
	name, base, server string
	key                providers.Secret
	nameservers        []providers.Nameserver
	http               *http.Client
	transport          *providers.Transport
}

// New returns a provider for the API at base with key, for tests.
func New(name, base, key string) *Provider {
	p, _ := Driver.New(name, &Config{APIURL: base, APIKey: providers.NewSecret(key)}, "")
	return p.(*Provider)
}

// Name implements providers.Provider.
func (p *Provider) Name() string { return p.name }

// Requests returns how many HTTP requests the provider sent.
func (p *Provider) Requests() int64 { return p.transport.Requests() }

// Capabilities implements providers.Provider.
func (p *Provider) Capabilities() providers.Capabilities {
	return providers.Capabilities{OwnsSOA: true, Nameservers: p.nameservers,
		Notes: []string{
			"SOA left to the server: its serial moves on API changes when the zone's SOA-EDIT-API metadata is set (DEFAULT for zones made through the API)",
			"every apply is one PATCH of whole RRsets (REPLACE, DELETE), applied all or nothing; comments kept",
			"RRsets holding disabled records are left alone",
		}}
}

type apiRecord struct {
	Content  string `json:"content"`
	Disabled bool   `json:"disabled"`
}

type apiRRset struct {
	Name       string      `json:"name"`
	Type       string      `json:"type"`
	TTL        uint32      `json:"ttl,omitempty"`
	ChangeType string      `json:"changetype,omitempty"`
	Records    []apiRecord `json:"records"`
}

type apiZone struct {
	RRsets []apiRRset `json:"rrsets"`
}

func (p *Provider) zoneURL(origin string) string {
	return fmt.Sprintf("%s/api/v1/servers/%s/zones/%s", p.base, url.PathEscape(p.server), url.PathEscape(origin))
}

// call sends one request and decodes a JSON reply into out (when not nil).
func (p *Provider) call(ctx context.Context, method, u string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	req.Header.Set("X-API-Key", p.key.Value())
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 512<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(raw, &e)
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusUnprocessableEntity && strings.Contains(e.Error, "Could not find domain") {
			return providers.ErrZoneNotFound
		}
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			return fmt.Errorf("%s %s: HTTP %d: the API key is refused (api_key must be pdns.conf's api-key)", method, req.URL.Path, resp.StatusCode)
		}
		return fmt.Errorf("%s %s: HTTP %d: %s", method, req.URL.Path, resp.StatusCode, cmp.Or(e.Error, strings.TrimSpace(string(raw))))
	}
	if out != nil && len(raw) > 0 {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// Records implements providers.Provider: one GET of the zone with its
// rrsets.
func (p *Provider) Records(ctx context.Context, origin string) ([]zones.RRset, error) {
	var z apiZone
	if err := p.call(ctx, http.MethodGet, p.zoneURL(origin)+"?rrsets=true", nil, &z); err != nil {
		return nil, err
	}
	out := make([]zones.RRset, 0, len(z.RRsets))
	for _, s := range z.RRsets {
		set := zones.RRset{Name: zones.CanonicalName(s.Name), TTL: s.TTL}
		t, ok := dns.StringToType[strings.ToUpper(s.Type)]
		if !ok {
			continue
		}
		set.Type = t
		disabled := 0
		for _, r := range s.Records {
			if r.Disabled {
				disabled++
			}
			rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", set.Name, s.TTL, s.Type, r.Content))
			if err != nil || rr == nil {
				return nil, fmt.Errorf("%s %s at %s: record %q: %v", s.Name, s.Type, p.name, r.Content, err)
			}
			if sig, ok := rr.(*dns.RRSIG); ok {
				set.Covers = sig.TypeCovered
			}
			set.Data = append(set.Data, zones.Rdata(rr))
		}
		if len(set.Data) == 0 {
			continue
		}
		if disabled > 0 {
			set.Protected = fmt.Sprintf("holding %d disabled records (PowerDNS serves none of them)", disabled)
		}
		slices.Sort(set.Data)
		set.Data = slices.Compact(set.Data)
		out = append(out, set)
	}
	return out, nil
}

// Apply implements providers.Provider: every change in one PATCH, which
// PowerDNS applies in one transaction; so it returns all or none applied.
func (p *Provider) Apply(ctx context.Context, origin string, changes []providers.Change) (int, error) {
	if len(changes) == 0 {
		return 0, nil
	}
	body := apiZone{RRsets: make([]apiRRset, 0, len(changes))}
	for _, c := range changes {
		s := c.Set
		if s.Type == dns.TypeSOA {
			return 0, fmt.Errorf("%s: the SOA is the server's to change", c)
		}
		r := apiRRset{Name: s.Name, Type: s.TypeString(), ChangeType: "REPLACE", TTL: s.TTL, Records: []apiRecord{}}
		if c.Delete {
			r.ChangeType, r.TTL, r.Records = "DELETE", 0, nil
		} else {
			for _, d := range s.Data {
				r.Records = append(r.Records, apiRecord{Content: d})
			}
		}
		body.RRsets = append(body.RRsets, r)
	}
	if err := p.call(ctx, http.MethodPatch, p.zoneURL(origin), body, nil); err != nil {
		return 0, fmt.Errorf("apply %d changes to %s at %s: %w", len(changes), origin, p.name, err)
	}
	providers.ReportApplied(ctx, len(changes))
	return len(changes), nil
}

// Endpoints is the API's host (providers.Endpointer).
func (p *Provider) Endpoints() []providers.Endpoint {
	if e, ok := providers.HostEndpoint("api_url", p.base); ok {
		return []providers.Endpoint{e}
	}
	return nil
}
