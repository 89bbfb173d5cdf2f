package dnsimple

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
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/time/rate"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// Production and Sandbox are DNSimple's API hosts.
const (
	Production = "https://api.dnsimple.com"
	Sandbox    = "https://api.sandbox.dnsimple.com"
)

// Config is the provider's configuration block.
type Config struct {
	// APIToken is an account (or user) access token (env:NAME or
	// file:PATH).
	APIToken providers.Secret `yaml:"api_token"`
	// Account is the account ID; when empty it is found with GET
	// /v2/whoami (an account token), or GET /v2/accounts when the token is
	// a user's with exactly one account.
	Account string `yaml:"account"`
	// Endpoint is the API's base URL: Production (default), Sandbox, or
	// "sandbox"; a trailing /v2 is accepted.
	Endpoint string `yaml:"endpoint"`
	// Batch sends changes with the batch endpoint (Enterprise plans only):
	// 100 record operations a request, each batch atomic.
	Batch bool `yaml:"batch"`
	// Nameservers are the zone's DNSimple nameservers, for verify and
	// failover ("ns1.dnsimple.com.").
	Nameservers []string `yaml:"nameservers"`
	// RequestsPerSecond paces the requests (default 10; the hourly budget
	// is checked apart, see BudgetError); Timeout bounds one request
	// (default 30s); MaxAttempts each request's tries (default 6).
	RequestsPerSecond float64       `yaml:"requests_per_second"`
	Timeout           time.Duration `yaml:"timeout"`
	MaxAttempts       int           `yaml:"max_attempts"`
}

// Driver is the dnsimple entry of providers/all.
var Driver = providers.Driver{
	Type:      "dnsimple",
	Summary:   "DNSimple's API v2 (one request per record, or batches of 100 on Enterprise; hourly budget checked before writing)",
	NewConfig: func() any { return &Config{} },
	New: func(name string, cfg any, _ string) (providers.Provider, error) {
		return New(name, *cfg.(*Config))
	},
}

// New returns the provider called name.
func New(name string, c Config) (*Provider, error) {
	if c.APIToken.IsZero() {
		return nil, errors.New("api_token: required (env:NAME or file:PATH)")
	}
	base := cmp.Or(c.Endpoint, Production)
	if base == "sandbox" {
		base = Sandbox
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("endpoint %q: want %s, %s or another http(s) URL", c.Endpoint, Production, Sandbox)
	}
	base = strings.TrimSuffix(strings.TrimSuffix(u.String(), "/"), "/v2")
	if c.Account != "" {
		if _, err := strconv.ParseInt(c.Account, 10, 64); err != nil {
			return nil, fmt.Errorf("account %q: want the numeric account ID (dnsimple.com, Account › Settings)", c.Account)
		}
	}
	ns, err := providers.ParseNameservers(c.Nameservers)
	if err != nil {
		return nil, err
	}
	tr := &providers.Transport{Base: resetAsRetryAfter{}, Limiter: rate.NewLimiter(rate.Limit(cmp.Or(c.RequestsPerSecond, 10)), 1), MaxAttempts: c.MaxAttempts}
	return &Provider{name: name, base: base, token: c.APIToken, account: c.Account, batch: c.Batch, nameservers: ns,
		http: &http.Client{Transport: tr, Timeout: cmp.Or(c.Timeout, 30*time.Second)}, transport: tr,
		cache: map[string]map[zones.Key][]record{}, total: map[string]int{}, now: time.Now}, nil
}

// Provider is one DNSimple account.
type Provider struct {
	name, base  string
	token       providers.Secret
	batch       bool
	nameservers []providers.Nameserver
	http        *http.Client
	transport   *providers.Transport
	now         func() time.Time

	mu      sync.Mutex
	account string
	budget  Budget
	// answered: an answer came, with or without X-RateLimit headers.
	answered bool
	// cache holds, per zone, the records of each managed RRset as last
	// read or written, with their IDs, for Apply.
	cache map[string]map[zones.Key][]record
	// total is, per zone, how many records the last read listed.
	total map[string]int
}

// record is one DNSimple record of an RRset zonecast manages.
type record struct {
	id    int64
	rdata string // canonical presentation rdata
	ttl   uint32
}

// Budget is DNSimple's hourly request budget as the last answer told it.
type Budget struct {
	Limit, Remaining int
	Reset            time.Time // zero: not known
}

// Name implements providers.Provider.
func (p *Provider) Name() string { return p.name }

// Requests returns how many HTTP requests the provider sent.
func (p *Provider) Requests() int64 { return p.transport.Requests() }

// SetClock replaces the clock the budget check compares reset times with,
// for tests.
func (p *Provider) SetClock(now func() time.Time) { p.now = now }

// Budget returns the hourly budget as the last answer told it.
func (p *Provider) Budget() Budget {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.budget
}

// Types are the DNS types zonecast writes to DNSimple.
var Types = []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeCAA, dns.TypeCNAME, dns.TypeDS, dns.TypeHINFO, dns.TypeHTTPS,
	dns.TypeMX, dns.TypeNAPTR, dns.TypeNS, dns.TypePTR, dns.TypeSPF, dns.TypeSRV, dns.TypeSSHFP, dns.TypeSVCB, dns.TypeTXT}

// BatchSize is the most operations one batch request holds.
const BatchSize = 100

// Capabilities implements providers.Provider.
func (p *Provider) Capabilities() providers.Capabilities {
	per := 1
	mode := "one request per record written (create, update or delete)"
	if p.batch {
		per, mode = BatchSize, "batches of 100 record operations, each atomic (Enterprise)"
	}
	return providers.Capabilities{Types: Types, MinTTL: 60, OwnsSOA: true, OwnsApexNS: true, ChangesPerBatch: per, Nameservers: p.nameservers,
		Notes: []string{
			"SOA and apex NS are DNSimple's system records: never planned",
			"applies " + mode + "; reading takes one request per 100 records",
			"rate limit: 2,400 requests an hour; an apply the hour's remaining budget cannot cover is refused before its first write",
			"ALIAS, URL and POOL records, and records served only in some regions, are left alone",
		}}
}

// BudgetError is an apply refused before any write because DNSimple's
// hourly budget cannot cover the requests it needs.
type BudgetError struct {
	Provider, Zone string
	Changes        int // RRset changes asked for
	Needed         int // requests the apply needs: Writes and ReadBack
	Writes         int // requests that write
	ReadBack       int // requests to read the zone back after it (the convergence check)
	Budget
}

func (e *BudgetError) Error() string {
	hint := "wait for the reset, or apply fewer changes at a time (ignore rules, a smaller zone file)"
	if e.Needed > e.Limit {
		hint = fmt.Sprintf("it cannot fit in one hour: apply it in parts of at most %d record writes (ignore rules, a smaller zone file), or use batch: true on an Enterprise account (100 records a request)", e.Limit)
	}
	return fmt.Sprintf("apply of %d changes to %s at %s needs %d API requests (%d to write, %d to read the zone back), but only %d of DNSimple's %d an hour remain until %s: nothing was written; %s",
		e.Changes, e.Zone, e.Provider, e.Needed, e.Writes, e.ReadBack, e.Remaining, e.Limit, e.Reset.UTC().Format("15:04:05 MST"), hint)
}

// Is makes errors.Is(err, ErrBudget) true.
func (e *BudgetError) Is(target error) bool { return target == ErrBudget }

// ErrBudget matches every *BudgetError and a 429 for the spent hourly
// budget.
var ErrBudget = errors.New("DNSimple's hourly request budget is spent")

// ErrPlanFeature is DNSimple's 412: the account's plan lacks the feature
// (the batch endpoint, record regions).
var ErrPlanFeature = errors.New("not in the account's DNSimple plan")

// apiError is DNSimple's error body.
type apiError struct {
	Message string          `json:"message"`
	Errors  json.RawMessage `json:"errors"`
}

// call sends one request to path (below /v2) and decodes the answer's JSON
// into out when not nil. It keeps the X-RateLimit headers.
func (p *Provider) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.base+"/v2"+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+p.token.Value())
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "zonecast")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	p.noteBudget(resp.Header)
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var e apiError
		_ = json.Unmarshal(raw, &e)
		msg := cmp.Or(e.Message, strings.TrimSpace(string(raw)), http.StatusText(resp.StatusCode))
		if len(e.Errors) > 0 && string(e.Errors) != "null" {
			msg += " " + string(e.Errors)
		}
		switch resp.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("%s %s: HTTP %d: the API token is refused (%s): check api_token", method, req.URL.Path, resp.StatusCode, msg)
		case http.StatusTooManyRequests:
			b := p.Budget()
			return fmt.Errorf("%s %s: HTTP 429: %w (%d requests an hour; it resets at %s)", method, req.URL.Path, ErrBudget, b.Limit, b.Reset.UTC().Format("15:04:05 MST"))
		case http.StatusPreconditionFailed:
			return fmt.Errorf("%s %s: HTTP 412: %w: %s", method, req.URL.Path, ErrPlanFeature, msg)
		case http.StatusNotFound:
			if strings.HasPrefix(e.Message, "Zone") {
				return providers.ErrZoneNotFound
			}
		}
		return fmt.Errorf("%s %s: HTTP %d: %s", method, req.URL.Path, resp.StatusCode, msg)
	}
	if out != nil && len(raw) > 0 {
		return json.Unmarshal(raw, out)
	}
	return nil
}

func (p *Provider) noteBudget(h http.Header) {
	limit, err1 := strconv.Atoi(h.Get("X-RateLimit-Limit"))
	remaining, err2 := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	reset, err3 := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.answered = true
	if err1 != nil || err2 != nil || err3 != nil {
		return
	}
	p.budget = Budget{Limit: limit, Remaining: remaining, Reset: time.Unix(reset, 0)}
}

// resetAsRetryAfter gives a 429 without Retry-After one computed from
// X-RateLimit-Reset, so that providers.Transport waits for a reset that
// is near and gives up at once on one an hour away (past its MaxWait).
type resetAsRetryAfter struct{}

func (resetAsRetryAfter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := providers.BaseTransport.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
		if reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			resp.Header.Set("Retry-After", strconv.FormatInt(max(reset-time.Now().Unix(), 1), 10))
		}
	}
	return resp, err
}

// accountID returns the configured account, or the token's.
func (p *Provider) accountID(ctx context.Context) (string, error) {
	p.mu.Lock()
	acct := p.account
	p.mu.Unlock()
	if acct != "" {
		return acct, nil
	}
	var who struct {
		Data struct {
			Account *struct {
				ID int64 `json:"id"`
			} `json:"account"`
		} `json:"data"`
	}
	if err := p.call(ctx, http.MethodGet, "/whoami", nil, &who); err != nil {
		return "", fmt.Errorf("find the account of the token at %s: %w", p.name, err)
	}
	if who.Data.Account != nil {
		acct = strconv.FormatInt(who.Data.Account.ID, 10)
	} else {
		var accts struct {
			Data []struct {
				ID int64 `json:"id"`
			} `json:"data"`
		}
		if err := p.call(ctx, http.MethodGet, "/accounts", nil, &accts); err != nil {
			return "", fmt.Errorf("list the accounts of the token at %s: %w", p.name, err)
		}
		if len(accts.Data) != 1 {
			ids := make([]string, len(accts.Data))
			for i, a := range accts.Data {
				ids[i] = strconv.FormatInt(a.ID, 10)
			}
			return "", fmt.Errorf("%s: the token is a user token with %d accounts (%s): set account: to one of them", p.name, len(ids), strings.Join(ids, ", "))
		}
		acct = strconv.FormatInt(accts.Data[0].ID, 10)
	}
	p.mu.Lock()
	p.account = acct
	p.mu.Unlock()
	return acct, nil
}

// apiRecord is a record as the API gives it.
type apiRecord struct {
	ID           int64    `json:"id"`
	Name         string   `json:"name"`
	Content      string   `json:"content"`
	TTL          uint32   `json:"ttl"`
	Priority     *int     `json:"priority"`
	Type         string   `json:"type"`
	Regions      []string `json:"regions"`
	SystemRecord bool     `json:"system_record"`
}

func zonePath(acct, origin string) string {
	return "/" + url.PathEscape(acct) + "/zones/" + url.PathEscape(strings.TrimSuffix(origin, "."))
}

// Records implements providers.Provider: GET of the zone's records, 100 a
// page.
func (p *Provider) Records(ctx context.Context, origin string) ([]zones.RRset, error) {
	origin = zones.CanonicalName(origin)
	acct, err := p.accountID(ctx)
	if err != nil {
		return nil, err
	}
	var all []apiRecord
	for page := 1; ; page++ {
		var resp struct {
			Data       []apiRecord `json:"data"`
			Pagination struct {
				TotalPages int `json:"total_pages"`
			} `json:"pagination"`
		}
		if err := p.call(ctx, http.MethodGet, fmt.Sprintf("%s/records?page=%d&per_page=100", zonePath(acct, origin), page), nil, &resp); err != nil {
			if errors.Is(err, providers.ErrZoneNotFound) {
				return nil, err
			}
			return nil, fmt.Errorf("list records of %s at %s: %w", origin, p.name, err)
		}
		all = append(all, resp.Data...)
		if page >= resp.Pagination.TotalPages {
			break
		}
	}
	sets, cache := convert(origin, all)
	p.mu.Lock()
	p.cache[origin] = cache
	p.total[origin] = len(all)
	p.mu.Unlock()
	return sets, nil
}

// convert makes RRsets of DNSimple's records, and the cache of the
// records of the sets zonecast may change.
func convert(origin string, recs []apiRecord) ([]zones.RRset, map[zones.Key][]record) {
	sets := map[zones.Key]*zones.RRset{}
	var order []zones.Key
	cache := map[zones.Key][]record{}
	protect := func(k zones.Key, ttl uint32, why, data string) {
		s := sets[k]
		if s == nil {
			s = &zones.RRset{Name: k.Name, Type: k.Type, TTL: ttl}
			sets[k] = s
			order = append(order, k)
		}
		if s.Protected == "" {
			s.Protected = why
		}
		s.Data = append(s.Data, data)
	}
	for _, r := range recs {
		owner := origin
		if r.Name != "" {
			owner = zones.CanonicalName(r.Name + "." + origin)
		}
		typ := strings.ToUpper(r.Type)
		switch typ {
		case "ALIAS", "URL":
			why := "a DNSimple ALIAS record to " + r.Content + " (DNSimple answers A and AAAA for it)"
			if typ == "URL" {
				why = "a DNSimple URL redirect to " + r.Content + " (DNSimple's redirector answers A and AAAA)"
			}
			protect(zones.Key{Name: owner, Type: dns.TypeA}, r.TTL, why, typ+" "+r.Content)
			protect(zones.Key{Name: owner, Type: dns.TypeAAAA}, r.TTL, why, typ+" "+r.Content)
			continue
		case "POOL":
			protect(zones.Key{Name: owner, Type: dns.TypeCNAME}, r.TTL, "a DNSimple POOL record (DNSimple answers one CNAME of the pool)", "POOL "+r.Content)
			continue
		}
		t, ok := dns.StringToType[typ]
		if !ok {
			continue // a type zonecast cannot name: nothing plans it
		}
		k := zones.Key{Name: owner, Type: t}
		data, why := rdata(owner, r)
		switch {
		case why != "":
		case r.SystemRecord && !(owner == origin && (t == dns.TypeSOA || t == dns.TypeNS)):
			why = "a DNSimple system record"
		case len(r.Regions) > 0 && !slices.Equal(r.Regions, []string{"global"}):
			why = "served only in DNSimple's regions " + strings.Join(r.Regions, ", ")
		}
		if why != "" {
			protect(k, r.TTL, why, cmp.Or(data, r.Content))
			continue
		}
		s := sets[k]
		if s == nil {
			s = &zones.RRset{Name: owner, Type: t, TTL: r.TTL}
			sets[k] = s
			order = append(order, k)
		} else if s.TTL != r.TTL && s.Protected == "" {
			// Records of one set with different TTLs: a TTL no zone
			// asks for, so that the plan makes them one again.
			s.TTL = 0
		}
		s.Data = append(s.Data, data)
		if !r.SystemRecord {
			cache[k] = append(cache[k], record{id: r.ID, rdata: data, ttl: r.TTL})
		}
	}
	out := make([]zones.RRset, 0, len(order))
	for _, k := range order {
		s := sets[k]
		if s.Protected != "" {
			delete(cache, k)
		}
		slices.Sort(s.Data)
		s.Data = slices.Compact(s.Data)
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b zones.RRset) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.Type, b.Type))
	})
	return out, cache
}

// rdata returns a record's canonical rdata, or why it cannot be read
// exactly.
func rdata(owner string, r apiRecord) (string, string) {
	content := r.Content
	typ := strings.ToUpper(r.Type)
	switch typ {
	case "MX", "SRV":
		if r.Priority == nil {
			return "", "an " + typ + " record without a priority"
		}
		content = fmt.Sprintf("%d %s", *r.Priority, content)
	case "TXT", "SPF":
		if !strings.HasPrefix(strings.TrimSpace(content), `"`) {
			// Written unquoted (by hand, or another tool): one string
			// when it is plain and short enough to be one.
			if len(content) > 255 || strings.ContainsAny(content, "\"\\") {
				return "", "TXT content stored unquoted, which zonecast cannot read exactly (how DNSimple splits or escapes it is not documented)"
			}
			content = `"` + content + `"`
		}
	}
	// Names in content are absolute without the final dot: parsed against
	// the root, as miekg/dns does with no $ORIGIN.
	rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", owner, r.TTL, typ, content))
	if err == nil && rr != nil {
		err = zones.Packable(rr)
	}
	if err != nil || rr == nil {
		return "", "unreadable by zonecast (" + typ + " " + strconv.Quote(r.Content) + " as DNSimple returns it)"
	}
	return zones.Rdata(rr), ""
}

// writeAttrs is the body of a create or an update; Priority is sent for
// MX and SRV, 0 included.
type writeAttrs struct {
	ID       int64   `json:"id,omitempty"`
	Name     *string `json:"name,omitempty"`
	Type     string  `json:"type,omitempty"`
	Content  string  `json:"content,omitempty"`
	TTL      uint32  `json:"ttl,omitempty"`
	Priority *int    `json:"priority,omitempty"`
}

// content turns canonical rdata into DNSimple's content and priority.
func content(owner string, t uint16, data string) (string, *int, error) {
	rr, err := dns.NewRR(fmt.Sprintf("%s 300 IN %s %s", owner, dns.TypeToString[t], data))
	if err != nil || rr == nil {
		return "", nil, fmt.Errorf("%s %s %q: %v", owner, dns.TypeToString[t], data, err)
	}
	host := func(n string) string {
		if n == "." {
			return n
		}
		return strings.TrimSuffix(n, ".")
	}
	switch r := rr.(type) {
	case *dns.MX:
		p := int(r.Preference)
		return host(r.Mx), &p, nil
	case *dns.SRV:
		p := int(r.Priority)
		return fmt.Sprintf("%d %d %s", r.Weight, r.Port, host(r.Target)), &p, nil
	case *dns.CNAME:
		return host(r.Target), nil, nil
	case *dns.NS:
		return host(r.Ns), nil, nil
	case *dns.PTR:
		return host(r.Ptr), nil, nil
	}
	return data, nil, nil
}

// relName is a record's name as DNSimple has it: relative, "" for the apex.
func relName(owner, origin string) string {
	if owner == origin {
		return ""
	}
	return strings.TrimSuffix(owner, "."+origin)
}

// Endpoints is the API's host (providers.Endpointer).
func (p *Provider) Endpoints() []providers.Endpoint {
	if e, ok := providers.HostEndpoint("endpoint", p.base); ok {
		return []providers.Endpoint{e}
	}
	return nil
}
