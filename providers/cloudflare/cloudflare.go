// Package cloudflare is the Cloudflare DNS provider, built on
// libdns/cloudflare v0.2.2 for reading and on Cloudflare's batch endpoint for
// writing, both through providers.Transport (pacing, retries honouring
// Retry-After, backoff on 5xx, and the base-URL rewrite for the emulator).
//
// Where the library is wrong, the driver is right (provider-apis.md §1):
//   - SetRecords keeps only the last value of a multi-value RRset and
//     DeleteRecords removes every SRV/HTTPS/SVCB record of a name
//     (libdns/cloudflare#31): writes never use them; an RRset is changed
//     in one all-or-nothing batch request that patches the records it
//     keeps by ID (their proxied, comment, tags and settings survive),
//     deletes the ones it drops and posts the new ones (proxied when the
//     RRset was).
//   - MX preference 0 (and null MX) is sent without "priority", which
//     Cloudflare rejects: the batch body always carries it.
//   - TXT content comes back with its escapes and string separators left
//     in: it is read as RFC 1035 character-strings again.
//   - Read-only records (meta.read_only) and proxied records are not
//     visible through libdns: the transport keeps the raw list pages, so
//     read-only RRsets are protected and record IDs are known.
//   - No retries or 429 handling: the transport adds them, and the driver
//     keeps waiting out 429 (rate_limit_wait) past the transport's budget,
//     since Cloudflare blocks for up to 5 minutes.
//   - The zone lookup takes the first match whatever its status: the driver
//     looks up with zone_token when set, takes the one active zone and
//     errors on none or several.
//
// Pacing and zone ids belong to the account (providers.Account: one per
// API token and API in the process), not to the provider: every provider
// and configuration load of the process with that token shares one token
// bucket and one zone cache. PrepareZones lists every zone once for a run
// of many; libdns/cloudflare's own per-instance zone lookup is answered
// from that cache, so a read costs only its record listing.
//
// Before any write, Apply checks what Cloudflare would refuse halfway: the
// zone's record quota (81045) and the TXT size limits. Records the driver
// cannot read become protected RRsets.
//
// The apex NS set is Cloudflare's unless manage_apex_ns: then it reads as
// the apex NS records plus the zone's assigned name_servers, Apply writes
// only the other providers' names as records, and refuses to while the
// zone's multi-provider DNS setting is off (enable_multi_provider turns it
// on instead).
package cloudflare

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	libcf "github.com/libdns/cloudflare"
	"github.com/libdns/libdns"
	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// apiBase is Cloudflare's API, which libdns/cloudflare has as a constant.
const apiBase = "https://api.cloudflare.com/client/v4"

// Config is the provider's block in zonecast.yaml.
type Config struct {
	APIToken  providers.Secret `yaml:"api_token"`
	ZoneToken providers.Secret `yaml:"zone_token"`
	// APIURL replaces https://api.cloudflare.com/client/v4 (an emulator).
	APIURL string `yaml:"api_url"`
	// RequestsPerSecond paces requests (default 4: Cloudflare allows 1,200
	// per 5 minutes).
	RequestsPerSecond float64 `yaml:"requests_per_second"`
	// BatchSize is records per batch request (default 200, the free plan's
	// limit; 3,500 on paid plans).
	BatchSize int `yaml:"batch_size"`
	// Plan is the zones' Cloudflare plan: free (default), pro, business or
	// enterprise. It sets the lowest TTL (30 s on Enterprise, else 60 s:
	// the TTL field's doc in cloudflare-go v6 dns/record.go) and the
	// default batch size and record quota (200 on Free, 3,500 on paid
	// plans).
	Plan string `yaml:"plan"`
	// MaxRecords is the zone's record quota when the token cannot read it
	// from GET /zones/{id}/dns_records/usage (default 200, the Free plan's
	// quota for zones created from September 2024; 1,000 for older Free
	// zones, 3,500 on paid plans).
	MaxRecords int `yaml:"max_records"`
	// Timeout for one request (default 60s); MaxAttempts and MaxWait
	// bound the retries of transient failures.
	Timeout     time.Duration `yaml:"timeout"`
	MaxAttempts int           `yaml:"max_attempts"`
	MaxWait     time.Duration `yaml:"max_wait"`
	// RateLimitWait is how long a request keeps waiting out HTTP 429, on
	// top of MaxAttempts and MaxWait (default 6m: past 1,200 requests in
	// 5 minutes Cloudflare blocks every call for up to 300 s).
	RateLimitWait time.Duration `yaml:"rate_limit_wait"`
	Nameservers   []string      `yaml:"nameservers"`
	// ManageApexNS makes the apex NS set zonecast's to write, for a zone
	// served by several providers (default false: it is Cloudflare's). The
	// set read is the apex NS records plus the zone's assigned Cloudflare
	// nameservers; Cloudflare's own names are never written as records,
	// and the others are served only with the zone's multi-provider DNS
	// setting on (developers.cloudflare.com/dns/nameservers/
	// nameserver-options/#multi-provider-dns).
	ManageApexNS bool `yaml:"manage_apex_ns"`
	// EnableMultiProvider lets an apply that writes apex NS records turn
	// the zone's multi-provider DNS setting on (PATCH dns_settings
	// multi_provider); without it such an apply is refused while the
	// setting is off.
	EnableMultiProvider bool `yaml:"enable_multi_provider"`
	// EnableMultiSigner lets SetForeignKeys (the multi-signer DNSSEC
	// synchronisation) turn the zone's multi-signer DNSSEC on (PATCH
	// /zones/{id}/dnssec dnssec_multi_signer); without it, foreign DNSKEYs
	// are refused while the setting is off, with the way to turn it on.
	EnableMultiSigner bool `yaml:"enable_multi_signer"`
	// DNSKEYTTL is the TTL Cloudflare serves the zone's DNSKEY RRset with
	// (3600, its own, when 0): the API does not show it, and the
	// multi-signer steps wait it out. An emulator or a lab sets its own.
	DNSKEYTTL uint32 `yaml:"dnskey_ttl"`
}

// Driver is the cloudflare entry of providers/all.
var Driver = providers.Driver{
	Type:      "cloudflare",
	Summary:   "Cloudflare DNS (API token), batch writes, retries and pacing",
	NewConfig: func() any { return &Config{} },
	New: func(name string, cfg any, _ string) (providers.Provider, error) {
		return New(name, *cfg.(*Config))
	},
}

// Provider is one Cloudflare account (token).
type Provider struct {
	dnskeyTTL uint32 // Config.DNSKEYTTL, 3600 when not set
	name      string
	lib       *libcf.Provider
	http      *http.Client
	transport *providers.Transport
	base      string
	token     providers.Secret
	zoneToken providers.Secret // zone_token, else the API token
	batch     int
	quota     int // max_records
	minTTL    uint32

	nameservers []providers.Nameserver
	apexNS      bool // manage_apex_ns
	enableMulti bool // enable_multi_provider
	enableMS    bool // enable_multi_signer

	// account is what this provider shares with every other of the same
	// token and API in the process: the pacing budget and the zone cache.
	account *providers.Account
	libCfg  libcf.Provider // how to make lib again (a zone that moved)

	mu       sync.Mutex
	gone     map[string]bool       // zone IDs a listing found gone (HTTP 404)
	zones    map[string]string     // origin → zone ID
	assigned map[string][]string   // zone ID → Cloudflare's name_servers, canonical
	pages    map[string][]cfRecord // zone ID → records of the last listing
	seen     map[string]bool       // zone IDs listed since the last Records call
}

// New checks a configuration and returns the provider.
func New(name string, c Config) (*Provider, error) {
	if c.APIToken.IsZero() {
		return nil, errors.New("api_token: required (env:NAME or file:PATH)")
	}
	rps := c.RequestsPerSecond
	if rps <= 0 {
		rps = 4
	}
	p := &Provider{name: name, base: apiBase, token: c.APIToken, zoneToken: c.APIToken, batch: c.BatchSize,
		zones: map[string]string{}, pages: map[string][]cfRecord{}, seen: map[string]bool{}, assigned: map[string][]string{},
		apexNS: c.ManageApexNS, enableMulti: c.EnableMultiProvider, enableMS: c.EnableMultiSigner, dnskeyTTL: cmp.Or(c.DNSKEYTTL, 3600)}
	paid := false
	switch c.Plan {
	case "", "free":
		p.minTTL = 60
	case "pro", "business":
		p.minTTL, paid = 60, true
	case "enterprise":
		p.minTTL, paid = 30, true
	default:
		return nil, fmt.Errorf("plan %q: want free, pro, business or enterprise", c.Plan)
	}
	if p.batch <= 0 {
		p.batch = 200
		if paid {
			p.batch = 3500
		}
	}
	if p.quota = c.MaxRecords; p.quota <= 0 {
		p.quota = freeQuota
		if paid {
			p.quota = 3500
		}
	}
	ns, err := providers.ParseNameservers(c.Nameservers)
	if err != nil {
		return nil, err
	}
	p.nameservers = ns
	p.transport = &providers.Transport{MaxAttempts: c.MaxAttempts, MaxWait: c.MaxWait}
	endpoint := ""
	if c.APIURL != "" {
		endpoint = strings.TrimSuffix(c.APIURL, "/")
		u, err := url.Parse(strings.TrimSuffix(c.APIURL, "/"))
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("api_url %q: want an absolute URL", c.APIURL)
		}
		p.transport.Target, p.transport.Prefix = u, "/client/v4"
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	// The timeout is per attempt: the transport retries under it.
	rlw := c.RateLimitWait
	if rlw <= 0 {
		rlw = defaultRateLimitWait
	}
	p.http = &http.Client{Transport: &perAttempt{next: p.transport, timeout: timeout, rateLimitWait: rlw}}
	p.libCfg = libcf.Provider{APIToken: c.APIToken.Value(), HTTPClient: recorder{p}}
	if !c.ZoneToken.IsZero() {
		p.libCfg.ZoneToken = c.ZoneToken.Value()
		p.zoneToken = c.ZoneToken
	}
	p.lib = &libcf.Provider{APIToken: p.libCfg.APIToken, ZoneToken: p.libCfg.ZoneToken, HTTPClient: p.libCfg.HTTPClient}
	// One budget per token and API: Cloudflare's limit (1,200 requests
	// per 5 minutes) is per user, whichever provider or zone spends it
	// (developers.cloudflare.com/fundamentals/api/reference/limits). Two
	// tokens of one user are two accounts here: the API does not say
	// whose a token is without another request.
	p.account = providers.AccountFor(providers.AccountKey{Driver: "cloudflare", Endpoint: endpoint,
		Credential: providers.CredentialDigest(c.APIToken.Value(), p.zoneToken.Value())})
	p.account.Pace(name, rps, 4)
	p.transport.Account = p.account
	p.gone = map[string]bool{}
	return p, nil
}

// defaultRateLimitWait outlasts Cloudflare's block: past 1,200 requests per
// 5 minutes every call gets HTTP 429 for 5 minutes, with Retry-After
// (developers.cloudflare.com/fundamentals/api/reference/limits).
const defaultRateLimitWait = 6 * time.Minute

// perAttempt gives each attempt of a request its own timeout, so that a slow
// answer is retried rather than ending the whole request, and keeps waiting
// out HTTP 429 for up to rateLimitWait after the transport's own retries
// have given up: a rate-limit block outlasts their budget.
type perAttempt struct {
	next          *providers.Transport
	timeout       time.Duration
	rateLimitWait time.Duration
}

func (p *perAttempt) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return nil, err
		}
		r.Body.Close()
	}
	ctx := r.Context()
	deadline := time.Now().Add(p.rateLimitWait)
	for {
		rr := r.WithContext(providers.WithAttemptTimeout(ctx, p.timeout))
		if body != nil {
			rr.Body = io.NopCloser(bytes.NewReader(body))
		}
		resp, err := p.next.RoundTrip(rr)
		if err != nil || resp.StatusCode != http.StatusTooManyRequests {
			return resp, err
		}
		wait := 10 * time.Second // Retry-After is documented on every 429; this is a fallback
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			wait = time.Duration(s) * time.Second
		}
		if time.Now().Add(wait).After(deadline) {
			return resp, nil
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// recorder is the HTTPClient handed to libdns/cloudflare: it sends through
// the provider's transport and keeps the raw record list pages.
type recorder struct{ p *Provider }

func (r recorder) Do(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/zones") {
		if resp := r.p.cachedLookup(req); resp != nil {
			return resp, nil
		}
	}
	resp, err := r.p.http.Do(req)
	if err == nil && req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/zones") && resp.StatusCode == http.StatusOK {
		return activeOnly(resp)
	}
	if err == nil && resp.StatusCode == http.StatusNotFound && strings.HasSuffix(req.URL.Path, "/dns_records") {
		r.p.mu.Lock()
		r.p.gone[zoneIDOf(req.URL.Path)] = true
		r.p.mu.Unlock()
	}
	if err != nil || req.Method != http.MethodGet || !strings.HasSuffix(req.URL.Path, "/dns_records") || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var env struct {
		Result []cfRecord `json:"result"`
	}
	if json.Unmarshal(body, &env) == nil {
		zid := zoneIDOf(req.URL.Path)
		r.p.mu.Lock()
		if !r.p.seen[zid] {
			r.p.pages[zid], r.p.seen[zid] = nil, true
		}
		r.p.pages[zid] = append(r.p.pages[zid], env.Result...)
		r.p.mu.Unlock()
	}
	return resp, nil
}

// cachedLookup answers libdns/cloudflare's own zone lookup (GET
// /zones?name=) from the zone the driver found already, so that a read
// costs no lookup request: the library keeps its answer per instance only,
// and instances are made again at every configuration load. It returns nil
// when the driver has not found the zone.
func (p *Provider) cachedLookup(req *http.Request) *http.Response {
	name := req.URL.Query().Get("name")
	if name == "" {
		return nil
	}
	p.mu.Lock()
	id, ok := p.zones[zones.CanonicalName(name)]
	p.mu.Unlock()
	if !ok {
		return nil
	}
	body, _ := json.Marshal(map[string]any{
		"success": true, "errors": []any{}, "messages": []any{},
		"result":      []map[string]string{{"id": id, "name": strings.TrimSuffix(zones.CanonicalName(name), "."), "status": "active"}},
		"result_info": map[string]int{"page": 1, "per_page": 50, "count": 1, "total_count": 1, "total_pages": 1},
	})
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)), Request: req}
}

// activeOnly keeps the active zones of a zone lookup's answer: the library
// wants exactly one match, and takes it whatever its status; the driver has
// checked (zoneID) that exactly one is active.
func activeOnly(resp *http.Response) (*http.Response, error) {
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var env map[string]json.RawMessage
	var zs []map[string]any
	if json.Unmarshal(body, &env) == nil && json.Unmarshal(env["result"], &zs) == nil {
		zs = slices.DeleteFunc(zs, func(z map[string]any) bool { return z["status"] != "active" })
		if b, err := json.Marshal(zs); err == nil {
			env["result"] = b
			if b, err := json.Marshal(env); err == nil {
				body = b
			}
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

func zoneIDOf(path string) string {
	parts := strings.Split(path, "/")
	for i, s := range parts {
		if s == "zones" && i+1 < len(parts) {
			return parts[i+1]
		}
	}
	return ""
}

// Requests returns how many HTTP requests the provider has sent.
func (p *Provider) Requests() int64 { return p.transport.Requests() }

// Name implements providers.Provider.
func (p *Provider) Name() string { return p.name }

// Types Cloudflare holds that this driver writes correctly.
var types = []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeCAA, dns.TypeCNAME, dns.TypeHTTPS, dns.TypeMX,
	dns.TypeNS, dns.TypePTR, dns.TypeSRV, dns.TypeSVCB, dns.TypeTXT}

// Capabilities implements providers.Provider.
func (p *Provider) Capabilities() providers.Capabilities {
	owner := "SOA and apex NS are Cloudflare's (manage_apex_ns: true makes apex NS zonecast's)"
	if p.apexNS {
		owner = "SOA is Cloudflare's; apex NS is zonecast's (manage_apex_ns): it must list the zone's Cloudflare nameservers, " +
			"which are served and never written as records; the others are written as apex NS records, served only with the zone's multi-provider DNS setting on"
	}
	c := providers.Capabilities{
		Types: types, MinTTL: p.minTTL, MaxTTL: 86400, OwnsSOA: true, OwnsApexNS: !p.apexNS, AutoTTL: true,
		ChangesPerBatch: p.batch, Nameservers: p.nameservers, MaxRecords: p.quota,
		MaxTXTRecord: maxTXTRecord, MaxTXTName: maxTXTName,
		Notes: []string{
			fmt.Sprintf("TTL %d–86400 (plan: 30 on enterprise, else 60), 1 = automatic; %s", p.minTTL, owner),
			"TXT: at most 2,048 characters a record and 8,192 a name; an apply past them is refused before anything is written",
			fmt.Sprintf("writes in batch requests of at most %d records; reads 100 records a request", p.batch),
			"read-only records (e.g. Email Routing) are never changed",
			"HTTP 429 is waited out for up to rate_limit_wait (default 6m; Cloudflare blocks for up to 5 minutes)",
			fmt.Sprintf("a zone holds at most its record quota (read from the API, else max_records: %d); an apply past it is refused before anything is written", p.quota),
			"edits keep each record's proxied status, comment, tags and settings; a record added to a proxied RRset is proxied too",
		},
	}
	c.DNSSEC = p.signerCaps()
	if p.apexNS && p.enableMulti {
		c.Notes = append(c.Notes, "enable_multi_provider: an apply that writes apex NS records turns the zone's multi-provider DNS setting on first")
	} else if p.apexNS {
		c.Notes = append(c.Notes, "an apply that writes apex NS records is refused while the zone's multi-provider DNS setting is off "+
			"(dashboard: DNS › Settings › Multi-provider DNS; or enable_multi_provider: true)")
	}
	return c
}

// cfRecord is a DNS record as the API sends it.
type cfRecord struct {
	ID       string         `json:"id,omitempty"`
	Type     string         `json:"type"`
	Name     string         `json:"name"`
	Content  string         `json:"content,omitempty"`
	TTL      int            `json:"ttl"`
	Proxied  bool           `json:"proxied,omitempty"`
	Priority *int           `json:"priority,omitempty"`
	Data     map[string]any `json:"data,omitempty"`
	// Comment, Tags and Settings are only read: writes that keep a record
	// patch it by ID and leave them out, so Cloudflare keeps them.
	Comment  *string         `json:"comment,omitempty"`
	Tags     []string        `json:"tags,omitempty"`
	Settings json.RawMessage `json:"settings,omitempty"`
	Meta     *struct {
		ReadOnly bool `json:"read_only"`
	} `json:"meta,omitempty"`
}

// Records implements providers.Provider: one zone lookup (first time),
// then the listing, 100 records a request, through libdns/cloudflare.
//
// A zone ID from the account's cache that Cloudflare no longer knows (HTTP
// 404: the zone was deleted, or deleted and added again with a new ID) is
// dropped and the zone looked up again by name, once.
func (p *Provider) Records(ctx context.Context, origin string) ([]zones.RRset, error) {
	origin = zones.CanonicalName(origin)
	var zid string
	var recs []libdns.Record
	for attempt := 0; ; attempt++ {
		var err error
		if zid, err = p.zoneID(ctx, origin); err != nil {
			return nil, err
		}
		p.mu.Lock()
		delete(p.seen, zid)
		delete(p.gone, zid)
		lib := p.lib
		p.mu.Unlock()
		recs, err = lib.GetRecords(ctx, origin)
		if err == nil {
			break
		}
		p.mu.Lock()
		gone := p.gone[zid]
		p.mu.Unlock()
		if !gone || attempt > 0 {
			return nil, fmt.Errorf("list records of %s at %s: %w", origin, p.name, err)
		}
		p.forget(origin, zid)
	}
	var rrs []dns.RR
	// unreadable are the RRsets holding a record the driver cannot read
	// (a URI with its priority at the top level, a type or content it does
	// not parse): each is protected, never a failed listing, since
	// changing it would drop the record zonecast cannot see.
	unreadable := map[zones.Key]*zones.RRset{}
	unread := func(name, typ string, ttl time.Duration, data string) {
		k := zones.Key{Name: zones.CanonicalName(libdns.AbsoluteName(name, origin)), Type: dns.StringToType[strings.ToUpper(typ)]}
		if k.Type == 0 {
			return // a type no one can name cannot be planned over either
		}
		s := unreadable[k]
		if s == nil {
			s = &zones.RRset{Name: k.Name, Type: k.Type, TTL: uint32(ttl / time.Second), Protected: "unreadable by zonecast (" + strings.ToUpper(typ) + " as Cloudflare returns it)"}
			unreadable[k] = s
		}
		s.Data = append(s.Data, data)
	}
	for _, r := range recs {
		rr := r.RR()
		switch {
		case rr.Type == "TXT":
			// TXT comes back as the content minus one outer pair of
			// quotes, escapes and `" "` separators left in: read it as
			// the character-strings it is, keeping their boundaries.
			name := zones.CanonicalName(libdns.AbsoluteName(rr.Name, origin))
			t, err := dns.NewRR(fmt.Sprintf("%s %d IN TXT %s", name, int64(rr.TTL/time.Second), txtRdata(rr.Data)))
			if err != nil || t == nil {
				unread(rr.Name, rr.Type, rr.TTL, rr.Data)
				continue
			}
			rrs = append(rrs, t)
			continue
		case rr.Type == "PTR" && !strings.HasSuffix(rr.Data, "."):
			// Cloudflare sends names without the final dot and libdns
			// leaves PTR as it is: it is absolute all the same.
			rr.Data += "."
			r = rr
		}
		one, err := providers.LibdnsRRs([]libdns.Record{r}, origin)
		for _, rr := range one {
			err = cmp.Or(err, zones.Packable(rr))
		}
		if err != nil {
			unread(rr.Name, rr.Type, rr.TTL, rr.Data)
			continue
		}
		rrs = append(rrs, one...)
	}
	rrs = slices.DeleteFunc(rrs, func(rr dns.RR) bool {
		h := rr.Header()
		return unreadable[zones.Key{Name: zones.CanonicalName(h.Name), Type: h.Rrtype}] != nil
	})
	sets, err := zones.FromRRs(origin, rrs)
	if err != nil {
		return nil, fmt.Errorf("records of %s at %s: %w", origin, p.name, err)
	}
	for _, k := range slices.SortedFunc(maps.Keys(unreadable), func(a, b zones.Key) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.Type, b.Type))
	}) {
		sets = append(sets, *unreadable[k])
	}
	if p.apexNS {
		if sets, err = p.withAssignedNS(ctx, zid, origin, sets); err != nil {
			return nil, err
		}
	}
	p.mu.Lock()
	raw := p.pages[zid]
	p.mu.Unlock()
	readOnly := map[zones.Key]bool{}
	proxied := map[zones.Key]int{}
	for _, r := range raw {
		k := zones.Key{Name: zones.CanonicalName(r.Name), Type: dns.StringToType[r.Type]}
		if r.Meta != nil && r.Meta.ReadOnly {
			readOnly[k] = true
		}
		if r.Proxied {
			proxied[k]++
		}
	}
	for i := range sets {
		sets[i].Proxied = proxied[sets[i].Key()]
		switch {
		case readOnly[sets[i].Key()]:
			sets[i].Protected = "read-only at Cloudflare"
		case sets[i].Protected == "" && !slices.Contains(types, sets[i].Type):
			// A type the driver does not write (DS, TLSA, SSHFP... made
			// in the dashboard): the plan would otherwise delete it, as
			// the zone file's copy cannot be replicated here.
			sets[i].Protected = "of a type zonecast does not write at Cloudflare"
		}
	}
	return sets, nil
}

// txtRdata turns libdns/cloudflare's TXT text (the stored content less one
// outer pair of quotes) back into RFC 1035 character-strings; text typed in
// the dashboard without quotes is taken as one raw string.
func txtRdata(text string) string {
	if rr, err := dns.NewRR(`. 0 IN TXT "` + text + `"`); err == nil && rr != nil {
		return zones.Rdata(rr)
	}
	return providers.TXTData(text)
}

// apiError is an error Cloudflare answered with.
type apiError struct {
	Status int
	Errors []struct {
		Code       int    `json:"code"`
		Message    string `json:"message"`
		ErrorChain []struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error_chain"`
	}
}

func (e *apiError) Error() string {
	var parts []string
	for _, x := range e.Errors {
		s := fmt.Sprintf("%d %s", x.Code, x.Message)
		for _, c := range x.ErrorChain {
			s += fmt.Sprintf(" (%d %s)", c.Code, c.Message)
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return fmt.Sprintf("HTTP %d", e.Status)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Status, strings.Join(parts, "; "))
}

// call sends one API request with the API token and decodes its result.
func (p *Provider) call(ctx context.Context, method, path string, body, result any) error {
	return p.callAs(ctx, p.token, method, path, body, result)
}

// callAs is call with the given token.
func (p *Provider) callAs(ctx context.Context, token providers.Secret, method, path string, body, result any) error {
	return p.callInfo(ctx, token, method, path, body, result, nil)
}

// callInfo is callAs that also decodes the answer's result_info into info
// (when not nil), leaving it nil when the answer has none.
func (p *Provider) callInfo(ctx context.Context, token providers.Secret, method, path string, body, result any, info **resultInfo) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token.Value())
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Success    bool            `json:"success"`
		Result     json.RawMessage `json:"result"`
		ResultInfo *resultInfo     `json:"result_info"`
		apiError
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return fmt.Errorf("HTTP %d: not a Cloudflare API answer (%.60q)", resp.StatusCode, b)
	}
	if resp.StatusCode >= 400 || len(env.Errors) > 0 || !env.Success {
		env.apiError.Status = resp.StatusCode
		if resp.StatusCode == http.StatusTooManyRequests {
			return fmt.Errorf("%w: still rate limited after waiting; raise rate_limit_wait or lower requests_per_second", &env.apiError)
		}
		return &env.apiError
	}
	if info != nil {
		*info = env.ResultInfo
	}
	if result != nil && len(env.Result) > 0 {
		return json.Unmarshal(env.Result, result)
	}
	return nil
}

type batchBody struct {
	Deletes []map[string]string `json:"deletes,omitempty"`
	Patches []cfRecord          `json:"patches,omitempty"`
	Posts   []cfRecord          `json:"posts,omitempty"`
}

func (b *batchBody) size() int { return len(b.Deletes) + len(b.Patches) + len(b.Posts) }

// Apply implements providers.Provider. Changes go out in order in batch
// requests of at most BatchSize records (Cloudflare runs deletes, then
// patches, then puts, then posts, in one database transaction:
// developers.cloudflare.com/api/go/resources/dns/subresources/records/methods/batch);
// an RRset's change is never split over two requests. An update keeps the
// records it can: each record of the old set is matched to one of the new
// set (the same value first, then in order) and patched by ID with only
// name, type, content, data, priority and TTL, so that its ID, proxied,
// comment, tags and settings survive; old records left over are deleted
// and new ones left over are posted, proxied if any record of the old set
// was. A change of the apex DNSKEY RRset (at most one) is not written as
// records: it makes the zone's foreign keys its keys less Cloudflare's own
// (SetForeignKeys; a Delete removes every foreign key), in its own requests
// at its place in the order; a refusal (multi-signer DNSSEC off, no
// enable_multi_signer) is returned before anything is written, wrapping
// providers.ErrForeignKeysRefused. The trace is told the count applied after each batch; a context
// done between batches stops the apply there, returning the count so far
// and ctx.Err().
func (p *Provider) Apply(ctx context.Context, origin string, changes []providers.Change) (int, error) {
	origin = zones.CanonicalName(origin)
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	zid, err := p.zoneID(ctx, origin)
	if err != nil {
		return 0, err
	}
	// The apex DNSKEY RRset is written as foreign keys (see
	// apexKeyWrite), worked out here so that a refusal writes nothing.
	keyAt := -1
	var keys foreignBatch
	for i, c := range changes {
		if c.Set.Type != dns.TypeDNSKEY || zones.CanonicalName(c.Set.Name) != origin {
			continue
		}
		if keyAt >= 0 {
			return 0, fmt.Errorf("%s at %s: two changes of the apex DNSKEY RRset in one apply; nothing was written", origin, p.name)
		}
		keyAt = i
		if keys, err = p.apexKeyWrite(ctx, origin, c); err != nil {
			return 0, err
		}
	}
	p.mu.Lock()
	olds := map[zones.Key][]cfRecord{}
	for _, r := range p.pages[zid] {
		k := zones.Key{Name: zones.CanonicalName(r.Name), Type: dns.StringToType[r.Type]}
		olds[k] = append(olds[k], r)
	}
	p.mu.Unlock()

	// Every change's operations are worked out first, so that a zone
	// that would not fit its quota is refused before anything is written.
	ones := make([]batchBody, len(changes))
	var tooLong []error
	after := 0
	for _, rs := range olds {
		after += len(rs)
	}
	needMulti := false
	for i, c := range changes {
		if i == keyAt {
			after += len(keys.b.Posts) - len(keys.b.Deletes)
			continue
		}
		set := c.Set
		apex := p.apexNS && set.Type == dns.TypeNS && zones.CanonicalName(set.Name) == origin
		if apex && !c.Delete {
			if set, err = p.othersNS(zid, origin, c); err != nil {
				return 0, err
			}
		}
		var news []cfRecord
		if !c.Delete && len(set.Data) > 0 {
			if news, err = toCF(set, origin); err != nil {
				return 0, err
			}
		}
		ones[i] = replace(olds[c.Set.Key()], news)
		needMulti = needMulti || apex && len(ones[i].Posts)+len(ones[i].Patches) > 0
		after += len(ones[i].Posts) - len(ones[i].Deletes)
		if c.Set.Type == dns.TypeTXT && !c.Delete {
			tooLong = append(tooLong, txtLimits(news, c.Set.Name)...)
		}
	}
	if len(tooLong) > 0 {
		return 0, fmt.Errorf("%s at %s: nothing was written: %w", origin, p.name, errors.Join(tooLong...))
	}
	if err := p.fits(ctx, zid, origin, after); err != nil {
		return 0, err
	}
	if needMulti {
		if err := p.multiProvider(ctx, zid, origin); err != nil {
			return 0, err
		}
	}

	applied := 0
	var b batchBody
	inBatch := 0
	flush := func() error {
		if b.size() == 0 {
			applied += inBatch
			inBatch = 0
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := p.call(ctx, http.MethodPost, "/zones/"+zid+"/dns_records/batch", b, nil); err != nil {
			return fmt.Errorf("batch of %d changes to %s at %s: %w", inBatch, origin, p.name, err)
		}
		applied += inBatch
		providers.ReportApplied(ctx, applied)
		b, inBatch = batchBody{}, 0
		return nil
	}
	for i, one := range ones {
		if i == keyAt {
			// Its own requests, in its place in the order.
			if err := flush(); err != nil {
				return applied, err
			}
			if err := ctx.Err(); err != nil {
				return applied, err
			}
			if err := p.sendForeign(ctx, origin, keys); err != nil {
				return applied, err
			}
			applied++
			providers.ReportApplied(ctx, applied)
			continue
		}
		if one.size()+b.size() > p.batch && inBatch > 0 {
			if err := flush(); err != nil {
				return applied, err
			}
		}
		b.Deletes = append(b.Deletes, one.Deletes...)
		b.Patches = append(b.Patches, one.Patches...)
		b.Posts = append(b.Posts, one.Posts...)
		inBatch++
	}
	if err := flush(); err != nil {
		return applied, err
	}
	return applied, nil
}

// TXT limits at Cloudflare: 2,048 characters of content a record, 8,192 for
// all the records of a name and type (issue 13, from Cloudflare's DNS record
// types reference, developers.cloudflare.com/dns/manage-dns-records/
// reference/dns-record-types; the per-record figure is unverified here).
// Content is counted as sent: quoted strings and the spaces between them.
const (
	maxTXTRecord = 2048
	maxTXTName   = 8192
)

// txtLimits returns a problem for each TXT record over Cloudflare's limits,
// and one for the name when the records add up to more than its limit.
func txtLimits(recs []cfRecord, name string) []error {
	var errs []error
	total := 0
	for _, r := range recs {
		n := utf8.RuneCountInString(r.Content)
		total += n
		if n > maxTXTRecord {
			errs = append(errs, fmt.Errorf("%s TXT has a record of %d characters, over Cloudflare's %d: split it into several records", name, n, maxTXTRecord))
		}
	}
	if total > maxTXTName {
		errs = append(errs, fmt.Errorf("%s TXT holds %d characters in all, over Cloudflare's %d for one name: move some to another name", name, total, maxTXTName))
	}
	return errs
}

// freeQuota is the record quota of a Free zone created from 2024-09-01, the
// smallest there is: up to it no zone is ever over quota.
const freeQuota = 200

// QuotaError is an apply refused because the zone would hold more records
// than its quota at Cloudflare; nothing was written.
type QuotaError struct {
	Zone, Provider string
	Records, Quota int
	// FromAPI: the quota was read from the API, not max_records.
	FromAPI bool
}

func (e *QuotaError) Error() string {
	src := "max_records, as the token could not read the zone's quota"
	if e.FromAPI {
		src = "read from Cloudflare"
	}
	return fmt.Sprintf("%s at %s would hold %d records, over its quota of %d (%s): nothing was written; "+
		"Free zones hold 200 records (1,000 if created before September 2024), paid plans 3,500: "+
		"upgrade the zone's plan or ask Cloudflare for more, or move records out of the zone file; "+
		"if the quota is higher, give the token DNS Read or set max_records", e.Zone, e.Provider, e.Records, e.Quota, src)
}

// fits checks that a zone holding n records is within its quota. Up to the
// smallest quota there is it asks nothing; past it, it reads the quota from
// GET /zones/{id}/dns_records/usage (record_quota, null under an
// account-level quota: developers.cloudflare.com/api/resources/dns/
// subresources/usage), and falls back on max_records when that fails.
// Past the quota Cloudflare refuses each create with 81045 (js-org/js.org#2873),
// which would leave the zone half-built over several batches.
func (p *Provider) fits(ctx context.Context, zid, origin string, n int) error {
	if n <= freeQuota && n <= p.quota {
		return nil
	}
	var usage struct {
		Quota *int `json:"record_quota"`
	}
	quota, fromAPI := p.quota, false
	if err := p.call(ctx, http.MethodGet, "/zones/"+zid+"/dns_records/usage", nil, &usage); err == nil {
		if usage.Quota == nil {
			return nil // an account-level quota: not known per zone
		}
		quota, fromAPI = *usage.Quota, true
	}
	if n > quota {
		return &QuotaError{Zone: origin, Provider: p.name, Records: n, Quota: quota, FromAPI: fromAPI}
	}
	return nil
}

// replace returns the batch operations that turn the records olds (one
// RRset as listed) into news (the same RRset as wanted). Records whose
// value stays are kept, patched only when their TTL changes; other old
// records are patched to the new values in order, so that their ID and
// metadata survive; what is left is deleted or posted. A posted record of
// a proxiable type is proxied when any old record was, since posting it
// DNS-only would expose the origin behind the proxy.
func replace(olds, news []cfRecord) batchBody {
	var b batchBody
	proxied := false
	for _, o := range olds {
		proxied = proxied || o.Proxied
	}
	used := make([]bool, len(olds))
	var rest []cfRecord
	for _, n := range news {
		i := slices.IndexFunc(olds, func(o cfRecord) bool { return sameValue(o, n) })
		for i >= 0 && used[i] {
			j := slices.IndexFunc(olds[i+1:], func(o cfRecord) bool { return sameValue(o, n) })
			if j < 0 {
				i = -1
			} else {
				i += 1 + j
			}
		}
		if i < 0 {
			rest = append(rest, n)
			continue
		}
		used[i] = true
		if o := olds[i]; !o.Proxied && o.TTL != n.TTL {
			// Proxied records always have automatic TTL (1): a TTL
			// change there is no change.
			b.Patches = append(b.Patches, patchOf(o, n))
		}
	}
	for i, o := range olds {
		if used[i] {
			continue
		}
		if len(rest) > 0 {
			b.Patches = append(b.Patches, patchOf(o, rest[0]))
			rest = rest[1:]
			continue
		}
		b.Deletes = append(b.Deletes, map[string]string{"id": o.ID})
	}
	for _, n := range rest {
		n.Proxied = proxied && proxiable[n.Type]
		if n.Proxied {
			n.TTL = 1
		}
		b.Posts = append(b.Posts, n)
	}
	return b
}

// proxiable are the types Cloudflare can proxy (A, AAAA and CNAME:
// developers.cloudflare.com/dns/proxy-status).
var proxiable = map[string]bool{"A": true, "AAAA": true, "CNAME": true}

// patchOf is the PATCH of old that gives it new's value, leaving proxied,
// comment, tags and settings out so that Cloudflare keeps them; a proxied
// record keeps its automatic TTL.
func patchOf(old, n cfRecord) cfRecord {
	n.ID = old.ID
	if old.Proxied {
		n.TTL = 1
		if !proxiable[n.Type] {
			n.TTL = old.TTL
		}
	}
	return n
}

// sameValue reports whether a listed record holds the value of a wanted
// one: content for the simple types, or data, and priority.
func sameValue(have, want cfRecord) bool {
	if want.Priority != nil && (have.Priority == nil || *have.Priority != *want.Priority) {
		return false
	}
	if want.Data != nil {
		if have.Data == nil {
			return false
		}
		a, _ := json.Marshal(normData(have.Data))
		b, _ := json.Marshal(normData(want.Data))
		return bytes.Equal(a, b)
	}
	if want.Type == "TXT" {
		return txtRdata(unquoteOuter(have.Content)) == txtRdata(unquoteOuter(want.Content))
	}
	return strings.EqualFold(strings.TrimSuffix(have.Content, "."), strings.TrimSuffix(want.Content, "."))
}

// unquoteOuter takes one outer pair of quotes off TXT content, as
// libdns/cloudflare does when it reads it.
func unquoteOuter(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// normData makes structured data comparable: numbers as float64 (as JSON
// decodes them), names without the final dot, lower case.
func normData(d map[string]any) map[string]any {
	out := make(map[string]any, len(d))
	for k, v := range d {
		b, _ := json.Marshal(v)
		var x any
		_ = json.Unmarshal(b, &x)
		if s, ok := x.(string); ok && k == "target" {
			x = strings.ToLower(strings.TrimSuffix(s, "."))
		}
		out[k] = x
	}
	return out
}

// toCF turns an RRset into Cloudflare records: content for the simple
// types, structured data for SRV, CAA, HTTPS and SVCB, priority for MX
// always (also 0).
func toCF(s zones.RRset, origin string) ([]cfRecord, error) {
	rrs, err := s.RRs()
	if err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(s.Name, ".")
	out := make([]cfRecord, 0, len(rrs))
	for i, rr := range rrs {
		r := cfRecord{Type: s.TypeString(), Name: name, TTL: int(s.TTL)}
		switch v := rr.(type) {
		case *dns.MX:
			pref := int(v.Preference)
			r.Priority, r.Content = &pref, strings.TrimSuffix(v.Mx, ".")
			if v.Mx == "." {
				r.Content = "."
			}
		case *dns.SRV:
			r.Data = map[string]any{"priority": v.Priority, "weight": v.Weight, "port": v.Port, "target": strings.TrimSuffix(v.Target, ".")}
			if v.Target == "." {
				r.Data["target"] = "."
			}
		case *dns.CAA:
			r.Data = map[string]any{"flags": v.Flag, "tag": v.Tag, "value": v.Value}
		case *dns.HTTPS:
			r.Data = svcbData(&v.SVCB)
		case *dns.SVCB:
			r.Data = svcbData(v)
		case *dns.CNAME, *dns.NS, *dns.PTR:
			r.Content = strings.TrimSuffix(s.Data[i], ".")
		default:
			r.Content = s.Data[i]
		}
		out = append(out, r)
	}
	return out, nil
}

// svcbData is the data of an HTTPS or SVCB record. Each parameter's value
// is quoted, as in Cloudflare's own examples (terraform-provider-cloudflare
// internal/services/dns_record/testdata/recordconfighttps.tf: value =
// "alpn=\"h2\""); a key without a value (no-default-alpn) stays bare.
func svcbData(v *dns.SVCB) map[string]any {
	var params []string
	for _, kv := range v.Value {
		val := kv.String()
		if val == "" {
			params = append(params, kv.Key().String())
			continue
		}
		params = append(params, kv.Key().String()+`="`+strings.ReplaceAll(val, `"`, `\"`)+`"`)
	}
	return map[string]any{"priority": v.Priority, "target": v.Target, "value": strings.Join(params, " ")}
}

// ErrMultiProviderOff is an apply refused because it writes apex NS records
// while the zone's multi-provider DNS setting is off; nothing was written.
var ErrMultiProviderOff = errors.New("the zone's multi-provider DNS setting is off")

// withAssignedNS adds the zone's assigned Cloudflare nameservers to the apex
// NS set read (manage_apex_ns), so that it compares with a zone file whose
// apex NS lists every provider's nameservers: Cloudflare answers with its
// own names whatever the records say, and with the apex NS records beside
// them when multi-provider DNS is on ("responses to DNS queries made to the
// zone apex and requesting NS records will contain both Cloudflare's and
// your other DNS providers' nameservers",
// developers.cloudflare.com/dns/nameservers/nameserver-options/). The set
// keeps the records' TTL; with no record it takes the zone's ns_ttl from
// dns_settings (86400 when that cannot be read).
func (p *Provider) withAssignedNS(ctx context.Context, zid, origin string, sets []zones.RRset) ([]zones.RRset, error) {
	p.mu.Lock()
	assigned := p.assigned[zid]
	p.mu.Unlock()
	if len(assigned) == 0 {
		return sets, nil
	}
	// One read of dns_settings: the apex NS TTL when no NS record is there,
	// and whether the plan can write the apex NS set at all (multiProvider).
	var st struct {
		NSTTL         uint32 `json:"ns_ttl"`
		MultiProvider *bool  `json:"multi_provider"`
	}
	if err := p.call(ctx, http.MethodGet, "/zones/"+zid+"/dns_settings", nil, &st); err != nil {
		st.NSTTL, st.MultiProvider = 0, nil // Apply reads it again and says why
	}
	i := slices.IndexFunc(sets, func(s zones.RRset) bool { return s.Type == dns.TypeNS && s.Name == origin })
	if i < 0 {
		ttl := uint32(86400)
		if st.NSTTL > 0 {
			ttl = st.NSTTL
		}
		sets = append(sets, zones.RRset{Name: origin, Type: dns.TypeNS, TTL: ttl})
		i = len(sets) - 1
	}
	s := &sets[i]
	if s.Protected != "" {
		return sets, nil
	}
	for _, n := range assigned {
		if !slices.ContainsFunc(s.Data, func(d string) bool { return strings.EqualFold(d, n) }) {
			s.Data = append(s.Data, n)
		}
	}
	slices.Sort(s.Data)
	s.Required = slices.Clone(assigned)
	if st.MultiProvider != nil && !*st.MultiProvider && !p.enableMulti {
		s.Refuse = "the zone's multi-provider DNS setting is off, so Cloudflare ignores apex NS records and answers only with its own names; " +
			"turn it on in the dashboard (DNS › Settings › Multi-provider DNS) or set enable_multi_provider: true"
	}
	return sets, nil
}

// othersNS is the apex NS change's set less the zone's assigned Cloudflare
// nameservers, which are served anyway and which Cloudflare refuses as
// records (octodns/octodns-cloudflare#11). A set without all of them is
// refused: the plan would never converge, and the zone file would say
// Cloudflare does not serve the zone while it does.
func (p *Provider) othersNS(zid, origin string, c providers.Change) (zones.RRset, error) {
	p.mu.Lock()
	assigned := p.assigned[zid]
	p.mu.Unlock()
	set := c.Set
	set.Data = nil
	own := map[string]bool{}
	for _, d := range c.Set.Data {
		n := strings.ToLower(zones.CanonicalName(d))
		if slices.Contains(assigned, n) {
			own[n] = true
			continue
		}
		set.Data = append(set.Data, d)
	}
	var missing []string
	for _, n := range assigned {
		if !own[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return set, fmt.Errorf("%s: nothing was written: the apex NS set of %s at %s must list the zone's Cloudflare nameservers, which Cloudflare serves whatever the records say; add %s to the zone file's apex NS",
			c, origin, p.name, strings.Join(missing, ", "))
	}
	return set, nil
}

// multiProvider checks, before any apex NS record is written, that the
// zone's multi-provider DNS setting is on (GET /zones/{id}/dns_settings,
// multi_provider: Cloudflare's TypeScript SDK, resources/dns/settings/
// zone.ts): while it is off Cloudflare ignores apex NS records and answers
// only with its own names. With enable_multi_provider it turns the setting
// on (PATCH dns_settings); without, it refuses with ErrMultiProviderOff.
func (p *Provider) multiProvider(ctx context.Context, zid, origin string) error {
	var st struct {
		MultiProvider bool `json:"multi_provider"`
	}
	if err := p.call(ctx, http.MethodGet, "/zones/"+zid+"/dns_settings", nil, &st); err != nil {
		return fmt.Errorf("read dns_settings of %s at %s (needed to write apex NS records): %w", origin, p.name, err)
	}
	if st.MultiProvider {
		return nil
	}
	if !p.enableMulti {
		return fmt.Errorf("%s at %s: nothing was written: %w, so Cloudflare would ignore the apex NS records for the other providers; "+
			"turn it on in the dashboard (DNS › Settings › Multi-provider DNS) or with PATCH /zones/%s/dns_settings {\"multi_provider\": true}, "+
			"or set enable_multi_provider: true to let zonecast turn it on", origin, p.name, ErrMultiProviderOff, zid)
	}
	if err := p.call(ctx, http.MethodPatch, "/zones/"+zid+"/dns_settings", map[string]bool{"multi_provider": true}, nil); err != nil {
		return fmt.Errorf("turn on multi-provider DNS of %s at %s (enable_multi_provider): %w", origin, p.name, err)
	}
	return nil
}

// Endpoints is the API's host (providers.Endpointer): api_url's when set,
// else Cloudflare's own.
func (p *Provider) Endpoints() []providers.Endpoint {
	base := apiBase
	if p.transport != nil && p.transport.Target != nil {
		base = p.transport.Target.String()
	}
	if e, ok := providers.HostEndpoint("api_url", base); ok {
		return []providers.Endpoint{e}
	}
	return nil
}
