// Package ns1 is the driver of NS1's REST API (IBM NS1 Connect,
// api.nsone.net/v1). A zone is read with one GET of /v1/zones/{zone} (paged
// by Link headers for large zones), and changed one RRset at a time: NS1's
// "record" is a whole RRset (one name and type, its TTL and answers), made
// with PUT, replaced with POST and removed with DELETE of
// /v1/zones/{zone}/{domain}/{type}.
//
// It speaks plain net/http rather than the official client
// (gopkg.in/ns1/ns1-go.v2): five routes are used, every request must go
// through providers.Transport (pacing, retries, counting), the client's own
// rate-limit strategies sleep outside it, and its errors are recognised by
// matching the same messages this driver matches; the dependency would
// bring nothing the driver needs.
//
// What a naive driver gets wrong, and this one does not:
//   - a record with a filter chain, record or answer meta, regions, or a
//     link to another record is not a plain RRset: NS1 answers with what
//     the filters pick, or with the linked record's answers. Such records
//     are protected (left alone, the reason in the plan); a POST of
//     answers alone would keep the filters and meta and mix the two.
//     The zone listing shows only tier and link, so the driver reads each
//     record of tier 2 or 3 with its own GET to say exactly why;
//   - short_answers are the rdata fields joined by spaces, without quotes:
//     enough for most types, not for NAPTR and HINFO, whose text fields may
//     be empty or hold spaces; those records are read with their own GET
//     (their answers' rdata arrays);
//   - names in answers go without the final dot, both ways; the root (a
//     null MX's ".") stays ".";
//   - a TXT answer holds one text, unquoted and unescaped, which NS1 serves
//     cut into strings of 255 octets: the boundaries of a record's strings
//     are NS1's, so Capabilities.TXTJoined tells the plan to write and
//     compare TXT in that form;
//   - the apex NS record is an ordinary record NS1 creates with its own
//     four nameservers (dnsN.p0X.nsone.net), and it may be edited (octoDNS
//     manages it there: octodns-ns1 SUPPORTS_ROOT_NS): zonecast
//     plans it like any set (OwnsApexNS false), so the zone file must list
//     NS1's nameservers to keep them;
//   - the SOA is NS1's, kept in the zone object (serial, refresh, retry,
//     expiry, nx_ttl, hostmaster), not a record: it is read from there and
//     never planned;
//   - PUT of an existing record is 400 "record already exists" and POST of
//     a missing one 404 "record not found": the driver picks PUT or POST by
//     Change.Before and, when the zone drifted since the plan, switches to
//     the other; a DELETE of a record already gone counts as done;
//   - rate limits are token buckets per account and kind of request, told
//     in X-RateLimit-Limit/-Remaining/-Period: the driver waits for a token
//     when a bucket is empty, and a 429 (which carries no Retry-After) is
//     retried after one token's time;
//   - DNSSEC records of a signed zone are NS1's (writes are 405): protected;
//   - the API is JSON: TXT octets that are not UTF-8 cannot be sent (they
//     would arrive as U+FFFD); an apply holding such a set is refused before
//     its first request.
package ns1

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/miekg/dns"
	"golang.org/x/time/rate"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// DefaultEndpoint is NS1's API.
const DefaultEndpoint = "https://api.nsone.net/v1/"

// Config is the provider's configuration block.
type Config struct {
	// APIKey is an NS1 API key with DNS permissions (env:NAME or
	// file:PATH), sent as X-NSONE-Key.
	APIKey providers.Secret `yaml:"api_key"`
	// Endpoint is the API's base URL (default https://api.nsone.net/v1/);
	// a private NS1 deployment or an emulator sets its own.
	Endpoint string `yaml:"endpoint"`
	// Nameservers are NS1's servers of the zones, for verify and failover
	// ("dns1.p01.nsone.net.@198.51.44.1:53").
	Nameservers []string `yaml:"nameservers"`
	// RequestsPerSecond paces the requests (default 10) on top of NS1's
	// own buckets, which the driver follows from the X-RateLimit headers;
	// Timeout bounds one request (default 30s); MaxAttempts each request's
	// tries (default 6).
	RequestsPerSecond float64       `yaml:"requests_per_second"`
	Timeout           time.Duration `yaml:"timeout"`
	MaxAttempts       int           `yaml:"max_attempts"`
}

// Driver is the ns1 entry of providers/all.
var Driver = providers.Driver{
	Type:      "ns1",
	Summary:   "NS1's REST API (one GET to read a zone, one PUT, POST or DELETE per RRset changed)",
	NewConfig: func() any { return &Config{} },
	New: func(name string, cfg any, _ string) (providers.Provider, error) {
		return newProvider(name, cfg.(*Config))
	},
}

func newProvider(name string, c *Config) (*Provider, error) {
	if c.APIKey.IsZero() {
		return nil, errors.New("api_key: required (env:NAME or file:PATH), an NS1 API key with DNS permissions")
	}
	u, err := url.Parse(cmp.Or(c.Endpoint, DefaultEndpoint))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("endpoint %q: want https://HOST/v1/", c.Endpoint)
	}
	ns, err := providers.ParseNameservers(c.Nameservers)
	if err != nil {
		return nil, err
	}
	g := &gate{buckets: map[bool]*bucketState{}}
	tr := &providers.Transport{Base: g, Limiter: rate.NewLimiter(rate.Limit(cmp.Or(c.RequestsPerSecond, 10)), 1), MaxAttempts: c.MaxAttempts}
	return &Provider{name: name, base: strings.TrimSuffix(u.String(), "/"), key: c.APIKey, nameservers: ns,
		http: &http.Client{Transport: tr, Timeout: cmp.Or(c.Timeout, 30*time.Second)}, transport: tr, gate: g}, nil
}

// Provider is one NS1 account.
type Provider struct {
	name, base  string
	key         providers.Secret
	nameservers []providers.Nameserver
	http        *http.Client
	transport   *providers.Transport
	gate        *gate
}

// New returns a provider for the API at endpoint (DefaultEndpoint when
// empty) with key, for tests; requestsPerSecond 0 is the default.
func New(name, endpoint, key string, requestsPerSecond float64) (*Provider, error) {
	return newProvider(name, &Config{APIKey: providers.NewSecret(key), Endpoint: endpoint, RequestsPerSecond: requestsPerSecond})
}

// Name implements providers.Provider.
func (p *Provider) Name() string { return p.name }

// Requests returns how many HTTP requests the provider sent, retries
// included.
func (p *Provider) Requests() int64 { return p.transport.Requests() }

// Types are the record types NS1 holds that zonecast knows (NS1 also has
// ALIAS and URLFWD, which zonecast does not write).
var Types = []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeAFSDB, dns.TypeCAA, dns.TypeCERT, dns.TypeCNAME, dns.TypeDNAME,
	dns.TypeDS, dns.TypeHINFO, dns.TypeHTTPS, dns.TypeMX, dns.TypeNAPTR, dns.TypeNS, dns.TypePTR, dns.TypeRP,
	dns.TypeSPF, dns.TypeSRV, dns.TypeSSHFP, dns.TypeSVCB, dns.TypeTLSA, dns.TypeTXT}

// Capabilities implements providers.Provider.
func (p *Provider) Capabilities() providers.Capabilities {
	return providers.Capabilities{Types: Types, OwnsSOA: true, MaxTTL: math.MaxInt32, ChangesPerBatch: 1, TXTJoined: true,
		Nameservers: p.nameservers,
		Notes: []string{
			"SOA kept by NS1 in the zone object; the apex NS is an ordinary record (NS1's own four nameservers until the zone file says otherwise)",
			"one PUT, POST or DELETE per RRset changed, paced by NS1's X-RateLimit headers",
			"a TXT record is one text to NS1, served in strings of 255 octets",
			"records with filter chains, meta, regions or links are left alone",
		}}
}

// apiError is NS1's error body.
type apiError struct {
	Status  int
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message) }

func isStatus(err error, status int, message string) bool {
	var e *apiError
	return errors.As(err, &e) && e.Status == status && strings.EqualFold(e.Message, message)
}

// call sends one request and decodes a JSON reply into out (when not nil);
// it returns the response's headers.
func (p *Provider) call(ctx context.Context, method, u string, body, out any) (http.Header, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-NSONE-Key", p.key.Value())
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 512<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, req.URL.Path, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Message string `json:"message"`
		}
		msg := strings.TrimSpace(string(raw))
		if json.Unmarshal(raw, &e) == nil && e.Message != "" {
			msg = e.Message
		}
		if len(msg) > 200 {
			msg = msg[:200] + "…"
		}
		switch {
		case resp.StatusCode == http.StatusNotFound && strings.EqualFold(msg, "zone not found"):
			return nil, providers.ErrZoneNotFound
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			return nil, fmt.Errorf("%s %s: HTTP %d: the API key is refused (api_key must be an NS1 API key allowed to manage the zone's records)", method, req.URL.Path, resp.StatusCode)
		}
		return nil, fmt.Errorf("%s %s: %w", method, req.URL.Path, &apiError{Status: resp.StatusCode, Message: msg})
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, req.URL.Path, err)
		}
	}
	return resp.Header, nil
}

func bare(name string) string {
	if name == "." {
		return name
	}
	return strings.TrimSuffix(name, ".")
}

func (p *Provider) zoneURL(origin string) string {
	return p.base + "/zones/" + url.PathEscape(bare(origin))
}

func (p *Provider) recordURL(origin, name, typ string) string {
	return p.zoneURL(origin) + "/" + url.PathEscape(bare(name)) + "/" + url.PathEscape(typ)
}

type zoneRecord struct {
	Domain       string   `json:"domain"`
	Type         string   `json:"type"`
	TTL          uint32   `json:"ttl"`
	Tier         int      `json:"tier"`
	Link         *string  `json:"link"`
	ShortAnswers []string `json:"short_answers"`
}

type apiZone struct {
	Zone          string       `json:"zone"`
	TTL           uint32       `json:"ttl"`
	NxTTL         uint32       `json:"nx_ttl"`
	Retry         uint32       `json:"retry"`
	Refresh       uint32       `json:"refresh"`
	Expiry        uint32       `json:"expiry"`
	Serial        uint32       `json:"serial"`
	Hostmaster    string       `json:"hostmaster"`
	PrimaryMaster string       `json:"primary_master"`
	DNSServers    []string     `json:"dns_servers"`
	Records       []zoneRecord `json:"records"`
}

type answer struct {
	Answer []string       `json:"answer"`
	Meta   map[string]any `json:"meta,omitempty"`
	Region string         `json:"region,omitempty"`
}

type apiRecord struct {
	Zone    string           `json:"zone"`
	Domain  string           `json:"domain"`
	Type    string           `json:"type"`
	TTL     uint32           `json:"ttl"`
	Answers []answer         `json:"answers"`
	Filters []map[string]any `json:"filters,omitempty"`
	Regions map[string]any   `json:"regions,omitempty"`
	Meta    map[string]any   `json:"meta,omitempty"`
	Link    *string          `json:"link,omitempty"`
}

// detailed are the types whose short answers lose information: text
// fields that may be empty or hold spaces.
var detailed = map[uint16]bool{dns.TypeNAPTR: true, dns.TypeHINFO: true}

// nextLink returns the rel="next" target of a Link header, resolved
// against base, or "".
func nextLink(h http.Header, base string) string {
	for _, v := range h.Values("Link") {
		for _, part := range strings.Split(v, ",") {
			seg := strings.Split(part, ";")
			if len(seg) < 2 {
				continue
			}
			target := strings.Trim(strings.TrimSpace(seg[0]), "<>")
			for _, param := range seg[1:] {
				if strings.ReplaceAll(strings.TrimSpace(param), `"`, "") == "rel=next" {
					b, err := url.Parse(base)
					t, err2 := url.Parse(target)
					if err != nil || err2 != nil {
						return ""
					}
					return b.ResolveReference(t).String()
				}
			}
		}
	}
	return ""
}

// Records implements providers.Provider: one GET of the zone (more when it
// is paged), plus one GET for each record of tier 2 or 3 and each NAPTR
// or HINFO record.
func (p *Provider) Records(ctx context.Context, origin string) ([]zones.RRset, error) {
	var z apiZone
	u := p.zoneURL(origin)
	for page := 0; u != ""; page++ {
		var part apiZone
		h, err := p.call(ctx, http.MethodGet, u, nil, &part)
		if err != nil {
			if errors.Is(err, providers.ErrZoneNotFound) {
				return nil, err
			}
			return nil, fmt.Errorf("list records of %s at %s: %w", origin, p.name, err)
		}
		if page == 0 {
			z = part
		} else {
			z.Records = append(z.Records, part.Records...)
		}
		if page > 10000 {
			return nil, fmt.Errorf("list records of %s at %s: more than 10000 pages", origin, p.name)
		}
		u = nextLink(h, u)
	}
	out := make([]zones.RRset, 0, len(z.Records)+1)
	if soa, ok := soaOf(origin, &z); ok {
		out = append(out, soa)
	}
	for _, r := range z.Records {
		t, ok := dns.StringToType[strings.ToUpper(r.Type)]
		if !ok || t == dns.TypeSOA {
			continue // ALIAS, URLFWD, REDIRECT: NS1's own kinds, which zonecast neither reads nor writes
		}
		set := zones.RRset{Name: zones.CanonicalName(dns.Fqdn(r.Domain)), Type: t, TTL: r.TTL}
		var details *apiRecord
		if r.Tier > 1 || detailed[t] {
			var rec apiRecord
			if _, err := p.call(ctx, http.MethodGet, p.recordURL(origin, set.Name, r.Type), nil, &rec); err != nil {
				return nil, fmt.Errorf("read %s %s of %s at %s: %w", set.Name, r.Type, origin, p.name, err)
			}
			details = &rec
		}
		switch {
		case details != nil && r.Link == nil:
			for _, a := range details.Answers {
				d, err := rdataOf(t, a.Answer)
				if err != nil {
					return nil, fmt.Errorf("%s %s at %s: answer %q: %w", set.Name, r.Type, p.name, a.Answer, err)
				}
				set.Data = append(set.Data, d)
			}
			set.Protected = advanced(details)
		default:
			for _, a := range r.ShortAnswers {
				d, err := rdataOfShort(t, a)
				if err != nil {
					return nil, fmt.Errorf("%s %s at %s: answer %q: %w", set.Name, r.Type, p.name, a, err)
				}
				set.Data = append(set.Data, d)
			}
		}
		if r.Link != nil {
			set.Protected = fmt.Sprintf("linked to %s (NS1 answers with that record's answers; an edit would break the link)", *r.Link)
		}
		if zones.IsDNSSEC(t) {
			set.Protected = "NS1's own DNSSEC record"
		}
		if t == dns.TypeRRSIG {
			continue // NS1 signs online; its signatures are not zonecast's to read
		}
		if len(set.Data) == 0 {
			if set.Protected == "" {
				continue // an empty record serves nothing
			}
			set.Data = []string{}
		}
		slices.Sort(set.Data)
		set.Data = slices.Compact(set.Data)
		out = append(out, set)
	}
	return out, nil
}

// advanced says what makes rec more than an RRset, or "".
func advanced(rec *apiRecord) string {
	var why []string
	if len(rec.Filters) > 0 {
		var names []string
		for _, f := range rec.Filters {
			names = append(names, fmt.Sprint(f["filter"]))
		}
		why = append(why, "a filter chain ("+strings.Join(names, ", ")+")")
	}
	if len(rec.Meta) > 0 {
		why = append(why, "record meta")
	}
	meta := 0
	for _, a := range rec.Answers {
		if len(a.Meta) > 0 || a.Region != "" {
			meta++
		}
	}
	if meta > 0 {
		why = append(why, fmt.Sprintf("meta on %d answers", meta))
	}
	if len(rec.Regions) > 0 {
		why = append(why, "regions")
	}
	if len(why) == 0 {
		return ""
	}
	return "an NS1 record with " + strings.Join(why, " and ") + " (NS1 answers with what its filters pick; an edit would drop them or mix them with zonecast's answers)"
}

// soaOf makes the zone's SOA from the zone object.
func soaOf(origin string, z *apiZone) (zones.RRset, bool) {
	mname := z.PrimaryMaster
	if mname == "" && len(z.DNSServers) > 0 {
		mname = z.DNSServers[0]
	}
	if mname == "" {
		return zones.RRset{}, false
	}
	rname := strings.Replace(cmp.Or(z.Hostmaster, "hostmaster@nsone.net"), "@", ".", 1)
	rr, err := dns.NewRR(fmt.Sprintf("%s %d IN SOA %s %s %d %d %d %d %d", origin, z.TTL, dns.Fqdn(mname), dns.Fqdn(rname), z.Serial, z.Refresh, z.Retry, z.Expiry, z.NxTTL))
	if err != nil || rr == nil {
		return zones.RRset{}, false
	}
	return zones.RRset{Name: zones.CanonicalName(origin), Type: dns.TypeSOA, TTL: z.TTL, Data: []string{zones.Rdata(rr)}}, true
}

// nameFields are the positions of the names in each type's rdata fields.
var nameFields = map[uint16][]int{
	dns.TypeCNAME: {0}, dns.TypeDNAME: {0}, dns.TypeNS: {0}, dns.TypePTR: {0}, dns.TypeMX: {1}, dns.TypeSRV: {3},
	dns.TypeNAPTR: {5}, dns.TypeAFSDB: {1}, dns.TypeRP: {0, 1}, dns.TypeSVCB: {1}, dns.TypeHTTPS: {1},
}

// canonical parses presentation rdata of type t into zonecast's form.
func canonical(t uint16, data string) (string, error) {
	rr, err := dns.NewRR(fmt.Sprintf(". 0 IN %s %s", zones.TypeString(t), data))
	if err != nil {
		return "", err
	}
	if rr == nil {
		return "", errors.New("empty rdata")
	}
	return zones.Rdata(rr), nil
}

// rdataOfShort turns one short answer (rdata fields joined by spaces) into
// canonical rdata.
func rdataOfShort(t uint16, short string) (string, error) {
	switch t {
	case dns.TypeTXT, dns.TypeSPF:
		return providers.TXTData(short), nil
	case dns.TypeCAA:
		f := strings.SplitN(short, " ", 3)
		if len(f) != 3 {
			return "", errors.New("want flags, tag and value")
		}
		return canonical(t, f[0]+" "+f[1]+" "+providers.QuoteString(f[2], "%03d"))
	}
	return rdataOf(t, strings.Fields(short))
}

// rdataOf turns one answer's rdata fields into canonical rdata.
func rdataOf(t uint16, f []string) (string, error) {
	f = slices.Clone(f)
	for _, i := range nameFields[t] {
		if i < len(f) {
			f[i] = dns.Fqdn(f[i])
		}
	}
	q := func(s string) string { return providers.QuoteString(s, "%03d") }
	switch t {
	case dns.TypeTXT, dns.TypeSPF:
		return providers.TXTData(strings.Join(f, "")), nil
	case dns.TypeCAA:
		if len(f) == 3 {
			f[2] = q(f[2])
		}
	case dns.TypeNAPTR:
		if len(f) == 6 {
			f[2], f[3], f[4] = q(f[2]), q(f[3]), q(f[4])
		}
	case dns.TypeHINFO:
		if len(f) == 2 {
			f[0], f[1] = q(f[0]), q(f[1])
		}
	}
	return canonical(t, strings.Join(f, " "))
}

// answerOf turns canonical rdata of type t into an NS1 answer's fields.
func answerOf(t uint16, data string) ([]string, error) {
	rr, err := dns.NewRR(fmt.Sprintf(". 0 IN %s %s", zones.TypeString(t), data))
	if err != nil || rr == nil {
		return nil, fmt.Errorf("bad %s data %q: %v", zones.TypeString(t), data, err)
	}
	u := func(n uint16) string { return strconv.Itoa(int(n)) }
	switch r := rr.(type) {
	case *dns.TXT, *dns.SPF:
		text, err := providers.TXTText(data)
		if err != nil {
			return nil, err
		}
		return []string{text}, nil
	case *dns.CAA:
		return []string{u(uint16(r.Flag)), r.Tag, r.Value}, nil
	case *dns.MX:
		return []string{u(r.Preference), bare(r.Mx)}, nil
	case *dns.SRV:
		return []string{u(r.Priority), u(r.Weight), u(r.Port), bare(r.Target)}, nil
	case *dns.NAPTR:
		return []string{u(r.Order), u(r.Preference), r.Flags, r.Service, r.Regexp, bare(r.Replacement)}, nil
	case *dns.HINFO:
		return []string{r.Cpu, r.Os}, nil
	case *dns.CNAME:
		return []string{bare(r.Target)}, nil
	case *dns.DNAME:
		return []string{bare(r.Target)}, nil
	case *dns.NS:
		return []string{bare(r.Ns)}, nil
	case *dns.PTR:
		return []string{bare(r.Ptr)}, nil
	case *dns.AFSDB:
		return []string{u(r.Subtype), bare(r.Hostname)}, nil
	case *dns.RP:
		return []string{bare(r.Mbox), bare(r.Txt)}, nil
	}
	f := strings.Fields(data)
	if t == dns.TypeSVCB || t == dns.TypeHTTPS {
		if len(f) < 2 {
			return nil, fmt.Errorf("bad %s data %q", zones.TypeString(t), data)
		}
		return []string{f[0], bare(f[1]), strings.Join(f[2:], " ")}, nil
	}
	return f, nil
}

// Apply implements providers.Provider: one request per change, in order.
// A Set with Before is a POST (replace), without it a PUT (create); when
// NS1 says the record does (400 "record already exists") or does not (404
// "record not found") exist after all, the other is sent. A Delete of a
// record already gone is done. Every change is checked before the first
// request: a set NS1 cannot hold fails the apply with nothing written.
func (p *Provider) Apply(ctx context.Context, origin string, changes []providers.Change) (int, error) {
	bodies := make([]*apiRecord, len(changes))
	var problems []error
	for i, c := range changes {
		b, err := p.body(origin, c)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", c, err))
		}
		bodies[i] = b
	}
	if len(problems) > 0 {
		return 0, fmt.Errorf("apply to %s at %s: nothing written: %w", origin, p.name, errors.Join(problems...))
	}
	for i, c := range changes {
		if err := p.send(ctx, origin, c, bodies[i]); err != nil {
			if errors.Is(err, providers.ErrZoneNotFound) {
				err = fmt.Errorf("%w: %s is not an NS1 zone of this account (create it in NS1 first)", err, origin)
			}
			return i, fmt.Errorf("%s of %s at %s: %w", c, origin, p.name, err)
		}
		providers.ReportApplied(ctx, i+1)
	}
	return len(changes), nil
}

// body is the record a Set change sends (nil for a Delete), or why NS1
// cannot hold it.
func (p *Provider) body(origin string, c providers.Change) (*apiRecord, error) {
	s := c.Set
	if s.Type == dns.TypeSOA {
		return nil, errors.New("the SOA is NS1's to change")
	}
	if c.Delete {
		return nil, nil
	}
	rec := &apiRecord{Zone: bare(origin), Domain: bare(s.Name), Type: s.TypeString(), TTL: s.TTL, Answers: []answer{}}
	for _, d := range s.Data {
		f, err := answerOf(s.Type, d)
		if err != nil {
			return nil, err
		}
		for _, v := range f {
			// NS1's API is JSON, whose strings are Unicode: octets that
			// are not UTF-8 would arrive as U+FFFD.
			if !utf8.ValidString(v) {
				return nil, fmt.Errorf("%s holds octets that are not UTF-8 text, which NS1's JSON API cannot carry; write the text as UTF-8 or keep the set from NS1 with an ignore rule", d)
			}
		}
		rec.Answers = append(rec.Answers, answer{Answer: f})
	}
	return rec, nil
}

func (p *Provider) send(ctx context.Context, origin string, c providers.Change, rec *apiRecord) error {
	u := p.recordURL(origin, c.Set.Name, c.Set.TypeString())
	if c.Delete {
		_, err := p.call(ctx, http.MethodDelete, u, nil, nil)
		if isStatus(err, http.StatusNotFound, "record not found") {
			return nil // gone already: what the change wants
		}
		return err
	}
	method := http.MethodPut
	if c.Before != nil {
		method = http.MethodPost
	}
	_, err := p.call(ctx, method, u, rec, nil)
	switch {
	case method == http.MethodPut && isStatus(err, http.StatusBadRequest, "record already exists"):
		_, err = p.call(ctx, http.MethodPost, u, rec, nil)
	case method == http.MethodPost && isStatus(err, http.StatusNotFound, "record not found"):
		_, err = p.call(ctx, http.MethodPut, u, rec, nil)
	}
	return err
}

// gate is the http.RoundTripper under providers.Transport that follows
// NS1's rate-limit headers: it keeps, for reads and for writes, what the
// last answer said of the bucket, holds a request back while the bucket is
// empty until a token is back (Period/Limit), and gives a 429 without
// Retry-After the Retry-After of one token, so that Transport's retry
// waits as long as NS1 needs.
type gate struct {
	base    http.RoundTripper
	mu      sync.Mutex
	buckets map[bool]*bucketState // by "is a write"
	waited  time.Duration
}

type bucketState struct {
	remaining, limit float64
	perToken         time.Duration
	at               time.Time
}

// Waited returns how long requests were held back by NS1's buckets.
func (p *Provider) Waited() time.Duration {
	p.gate.mu.Lock()
	defer p.gate.mu.Unlock()
	return p.gate.waited
}

func (g *gate) RoundTrip(req *http.Request) (*http.Response, error) {
	write := req.Method != http.MethodGet
	if d := g.reserve(write); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-req.Context().Done():
			t.Stop()
			return nil, req.Context().Err()
		}
	}
	base := g.base
	if base == nil {
		base = providers.BaseTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil || resp == nil {
		return resp, err
	}
	per := g.update(write, resp.Header)
	if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" && per > 0 {
		resp.Header.Set("Retry-After", strconv.Itoa(int(math.Ceil(per.Seconds()))))
	}
	return resp, nil
}

// reserve takes a token of the bucket as last seen and returns how long to
// wait for it.
func (g *gate) reserve(write bool) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	b := g.buckets[write]
	if b == nil || b.perToken <= 0 {
		return 0
	}
	now := time.Now()
	b.remaining = min(b.limit, b.remaining+float64(now.Sub(b.at))/float64(b.perToken))
	b.at = now
	b.remaining--
	if b.remaining >= 0 {
		return 0
	}
	d := time.Duration(-b.remaining * float64(b.perToken))
	g.waited += d
	return d
}

// update records what the answer's headers say of the bucket and returns
// one token's time (0 when the headers do not say).
func (g *gate) update(write bool, h http.Header) time.Duration {
	limit, err1 := strconv.Atoi(h.Get("X-RateLimit-Limit"))
	remaining, err2 := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	period, err3 := strconv.Atoi(h.Get("X-RateLimit-Period"))
	if err1 != nil || err2 != nil || err3 != nil || limit <= 0 || period <= 0 {
		return 0
	}
	per := time.Duration(period) * time.Second / time.Duration(limit)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.buckets[write] = &bucketState{remaining: float64(remaining), limit: float64(limit), perToken: per, at: time.Now()}
	return per
}

// Endpoints is the API's host (providers.Endpointer).
func (p *Provider) Endpoints() []providers.Endpoint {
	if e, ok := providers.HostEndpoint("endpoint", p.base); ok {
		return []providers.Endpoint{e}
	}
	return nil
}
