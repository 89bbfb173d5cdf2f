package desec

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/zones"
)

// Options configure an emulator.
type Options struct {
	// Tokens are the accepted API tokens; empty means any non-empty token.
	// Every token owns every domain.
	Tokens []string
	// MinimumTTL is every new domain's minimum_ttl (default 3600).
	MinimumTTL int
	// PageSize is how many RRsets one listing returns (default 500).
	PageSize int
	// Rates are the throttles; nil means none. DefaultRates is deSEC's.
	Rates []Rate
	// AllowDNSKEY lets clients write DNSKEY, CDS and CDNSKEY RRsets, as
	// deSEC's newer API code does for multi-signer setups; the
	// documentation (and the default here) refuses them.
	AllowDNSKEY bool
	// Now is the clock of the throttles (default time.Now).
	Now func() time.Time
}

// Rate is one throttle: at most N requests of Scope per Per, in a sliding
// window. Scope is "dns_api_cheap" (reads, per token) or
// "dns_api_per_domain_expensive" (RRset writes, per token and domain).
type Rate struct {
	Scope string
	N     int
	Per   time.Duration
}

// DefaultRates are deSEC's throttles of DNS reads and RRset writes
// (docs/rate-limits.rst).
func DefaultRates() []Rate {
	return []Rate{
		{"dns_api_cheap", 10, time.Second}, {"dns_api_cheap", 50, time.Minute},
		{"dns_api_per_domain_expensive", 2, time.Second}, {"dns_api_per_domain_expensive", 15, time.Minute},
		{"dns_api_per_domain_expensive", 100, time.Hour}, {"dns_api_per_domain_expensive", 300, 24 * time.Hour},
	}
}

// Fault is an injected failure, matched by method and path substring; it
// hits the first Times matching requests (0: all until ClearFaults), after
// letting After of them through. Faults apply before authentication.
type Fault struct {
	Method     string
	Path       string
	Status     int           // 429, 500, 502, 503...; 0: latency only
	RetryAfter time.Duration // Retry-After in whole seconds when > 0 (a 429 without it has none)
	HTML       bool          // an HTML body, as the nginx in front of the API gives for 5xx
	Latency    time.Duration
	Reset      bool // close the connection without answering
	Times      int
	After      int
}

// Request is one entry of the request log.
type Request struct {
	Method, Path, Query, Body string
	Status                    int // 0: connection reset
}

// RRset is an RRset as the API shows it.
type RRset struct {
	Subname string   `json:"subname"`
	Type    string   `json:"type"`
	TTL     int      `json:"ttl"`
	Records []string `json:"records"`
}

// Server is a running emulator.
type Server struct {
	// URL is the base URL, http://127.0.0.1:PORT; the API is under /api/v1.
	URL string

	ts   *httptest.Server
	opts Options

	mu       sync.Mutex
	domains  map[string]*domain
	seq      int
	faults   []*faultState
	requests []Request
	counts   map[string]int
	hits     map[string][]time.Time // throttle key → request times
}

type domain struct {
	name    string
	minTTL  int
	created time.Time
	dnskey  string
	rrsets  map[key]*stored
}

type key struct{ subname, typ string }

type stored struct {
	RRset
	seq     int
	created time.Time
}

type faultState struct {
	Fault
	left, spare int
}

// New starts an emulator on 127.0.0.1. Close it when done.
func New(opts Options) *Server {
	if opts.MinimumTTL <= 0 {
		opts.MinimumTTL = 3600
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 500
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, domains: map[string]*domain{}, counts: map[string]int{}, hits: map[string][]time.Time{}}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.ts.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.ts.Close() }

// AddDomain creates a domain (a trailing dot is ignored) with deSEC's apex
// NS set and a signing key.
func (s *Server) AddDomain(name string) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: name + ".", Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: 257, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	_, _ = k.Generate(256)
	s.mu.Lock()
	defer s.mu.Unlock()
	d := &domain{name: name, minTTL: s.opts.MinimumTTL, created: s.opts.Now(), dnskey: zones.Rdata(k), rrsets: map[key]*stored{}}
	s.domains[name] = d
	s.putLocked(d, RRset{Subname: "", Type: "NS", TTL: 3600, Records: []string{"ns1.desec.io.", "ns2.desec.org."}})
}

// DNSKEY returns the domain's key (presentation rdata).
func (s *Server) DNSKEY(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.domains[strings.TrimSuffix(name, ".")]; d != nil {
		return d.dnskey
	}
	return ""
}

// Put stores an RRset as given, without validation (a fixture: what another
// client or deSEC itself left there). Empty Records deletes it.
func (s *Server) Put(name string, r RRset) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.domains[strings.TrimSuffix(name, ".")]; d != nil {
		s.putLocked(d, r)
	}
}

func (s *Server) putLocked(d *domain, r RRset) {
	k := key{r.Subname, r.Type}
	if len(r.Records) == 0 {
		delete(d.rrsets, k)
		return
	}
	if old := d.rrsets[k]; old != nil {
		old.RRset = r
		return
	}
	s.seq++
	d.rrsets[k] = &stored{RRset: r, seq: s.seq, created: s.opts.Now()}
}

// RRsets returns the domain's RRsets, sorted by subname and type.
func (s *Server) RRsets(name string) []RRset {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.domains[strings.TrimSuffix(name, ".")]
	if d == nil {
		return nil
	}
	out := make([]RRset, 0, len(d.rrsets))
	for _, r := range d.rrsets {
		out = append(out, RRset{r.Subname, r.Type, r.TTL, slices.Clone(r.Records)})
	}
	slices.SortFunc(out, func(a, b RRset) int { return strings.Compare(a.Subname+"|"+a.Type, b.Subname+"|"+b.Type) })
	return out
}

// Inject adds a fault.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{Fault: f, left: f.Times, spare: f.After})
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Requests returns the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Counts returns how many requests each endpoint got: "GET rrsets",
// "GET rrset", "PUT rrsets" (bulk), "PUT rrset", "GET domain"…, plus
// "429" for throttled ones and "redirect" for 301s.
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// ResetRequests clears the log and the counts.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests, s.counts = nil, map[string]int{}
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (w *recorder) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec := &recorder{ResponseWriter: w, status: 200}
	reset := s.handle(rec, r, body)
	s.mu.Lock()
	st := rec.status
	if reset {
		st = 0
	}
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body), Status: st})
	s.mu.Unlock()
}

func (s *Server) matchFault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) || f.Path != "" && !strings.Contains(r.URL.Path, f.Path) {
			continue
		}
		if f.spare > 0 {
			f.spare--
			continue
		}
		if f.Times > 0 {
			f.left--
			if f.left <= 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		ff := f.Fault
		return &ff
	}
	return nil
}

func detail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"detail": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) count(k string) {
	s.mu.Lock()
	s.counts[k]++
	s.mu.Unlock()
}

func (s *Server) handle(w *recorder, r *http.Request, body []byte) (reset bool) {
	if f := s.matchFault(r); f != nil {
		if f.Latency > 0 {
			time.Sleep(f.Latency)
		}
		if f.Reset {
			if hj, ok := w.ResponseWriter.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return true
				}
			}
		}
		if f.Status != 0 {
			s.count("fault")
			if f.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
			}
			switch {
			case f.HTML:
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(f.Status)
				fmt.Fprintf(w, "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", f.Status, http.StatusText(f.Status), f.Status, http.StatusText(f.Status))
			case f.Status == http.StatusTooManyRequests:
				detail(w, f.Status, fmt.Sprintf("Request was throttled. Expected available in %d seconds.", max(1, int(f.RetryAfter/time.Second))))
			default:
				detail(w, f.Status, http.StatusText(f.Status))
			}
			return false
		}
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Token ")
	switch {
	case r.Header.Get("Authorization") == "":
		detail(w, http.StatusUnauthorized, "Authentication credentials were not provided.")
		return false
	case !ok || token == "" || len(s.opts.Tokens) > 0 && !slices.Contains(s.opts.Tokens, token):
		detail(w, http.StatusUnauthorized, "Invalid token.")
		return false
	}
	path, ok := strings.CutPrefix(r.URL.Path, "/api/v1/domains/")
	if !ok {
		detail(w, http.StatusNotFound, "Not found.")
		return false
	}
	if !strings.HasSuffix(path, "/") && path != "" {
		// Django's APPEND_SLASH: a redirect for the client to follow.
		s.count("redirect")
		// A relative Location, so that the client resolves it against
		// the URL it asked for (and keeps its Authorization header).
		loc := r.URL.Path + "/"
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, loc, http.StatusMovedPermanently)
		return false
	}
	parts := strings.Split(strings.TrimSuffix(path, "/"), "/")
	if path == "" {
		if r.Method != http.MethodGet {
			detail(w, http.StatusMethodNotAllowed, fmt.Sprintf("Method \"%s\" not allowed.", r.Method))
			return false
		}
		if !s.throttle(w, "dns_api_cheap", token) {
			return false
		}
		s.count("GET domains")
		s.mu.Lock()
		var out []map[string]any
		for _, d := range s.domains {
			out = append(out, map[string]any{"name": d.name, "minimum_ttl": d.minTTL, "created": d.created.UTC().Format(time.RFC3339Nano)})
		}
		s.mu.Unlock()
		slices.SortFunc(out, func(a, b map[string]any) int { return strings.Compare(a["name"].(string), b["name"].(string)) })
		writeJSON(w, 200, out)
		return false
	}
	s.mu.Lock()
	d := s.domains[parts[0]]
	s.mu.Unlock()
	if d == nil {
		detail(w, http.StatusNotFound, "Not found.")
		return false
	}
	switch {
	case len(parts) == 1:
		if !s.throttle(w, "dns_api_cheap", token) {
			return false
		}
		s.count(r.Method + " domain")
		if r.Method != http.MethodGet {
			detail(w, http.StatusMethodNotAllowed, fmt.Sprintf("Method \"%s\" not allowed.", r.Method))
			return false
		}
		s.mu.Lock()
		ds := dsOf(d)
		out := map[string]any{"name": d.name, "minimum_ttl": d.minTTL, "created": d.created.UTC().Format(time.RFC3339Nano),
			"keys": []map[string]any{{"dnskey": d.dnskey, "ds": ds, "flags": 257, "keytype": "csk"}}}
		s.mu.Unlock()
		writeJSON(w, 200, out)
	case len(parts) == 2 && parts[1] == "rrsets":
		s.rrsets(w, r, body, d, token)
	case len(parts) == 4 && parts[1] == "rrsets":
		sub := parts[2]
		if sub == "@" {
			sub = ""
		}
		sub = strings.TrimSuffix(sub, "...")
		s.rrset(w, r, body, d, token, key{sub, parts[3]})
	default:
		detail(w, http.StatusNotFound, "Not found.")
	}
	return false
}

func dsOf(d *domain) []string {
	rr, err := dns.NewRR(d.name + ". 3600 IN DNSKEY " + d.dnskey)
	if err != nil {
		return nil
	}
	k := rr.(*dns.DNSKEY)
	var out []string
	for _, h := range []uint8{dns.SHA256, dns.SHA384} {
		if ds := k.ToDS(h); ds != nil {
			out = append(out, fmt.Sprintf("%d %d %d %s", ds.KeyTag, ds.Algorithm, ds.DigestType, strings.ToLower(ds.Digest)))
		}
	}
	return out
}

// throttle counts a request against the scope's windows; past one it
// answers 429 with Retry-After. Throttled requests are not counted, as in
// Django REST framework's throttles.
func (s *Server) throttle(w http.ResponseWriter, scope, who string) bool {
	s.mu.Lock()
	now := s.opts.Now()
	var wait time.Duration
	for _, rt := range s.opts.Rates {
		if rt.Scope != scope {
			continue
		}
		k := fmt.Sprintf("%s|%s|%d|%s", scope, who, rt.N, rt.Per)
		h := s.hits[k]
		h = slices.DeleteFunc(h, func(t time.Time) bool { return now.Sub(t) >= rt.Per })
		s.hits[k] = h
		if len(h) >= rt.N {
			wait = max(wait, rt.Per-now.Sub(h[0]))
		}
	}
	if wait == 0 {
		for _, rt := range s.opts.Rates {
			if rt.Scope == scope {
				k := fmt.Sprintf("%s|%s|%d|%s", scope, who, rt.N, rt.Per)
				s.hits[k] = append(s.hits[k], now)
			}
		}
	}
	if wait > 0 {
		s.counts["429"]++
	}
	s.mu.Unlock()
	if wait == 0 {
		return true
	}
	secs := int((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	detail(w, http.StatusTooManyRequests, fmt.Sprintf("Request was throttled. Expected available in %d seconds.", secs))
	return false
}

// rrsets serves the list endpoint: GET (filtered, paginated) and bulk
// writes.
func (s *Server) rrsets(w http.ResponseWriter, r *http.Request, body []byte, d *domain, token string) {
	if r.Method == http.MethodGet {
		if !s.throttle(w, "dns_api_cheap", token) {
			return
		}
		s.count("GET rrsets")
		s.list(w, r, d)
		return
	}
	if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
		detail(w, http.StatusMethodNotAllowed, fmt.Sprintf("Method \"%s\" not allowed.", r.Method))
		return
	}
	if !s.throttle(w, "dns_api_per_domain_expensive", token+"|"+d.name) {
		return
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' && r.Method == http.MethodPost {
		s.count("POST rrset")
		var one map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &one); err != nil {
			writeJSON(w, 400, map[string]any{"detail": "JSON parse error - " + err.Error()})
			return
		}
		out, errs, status := s.write(d, r.Method, []map[string]json.RawMessage{one})
		if errs != nil {
			writeJSON(w, status, errs[0])
			return
		}
		writeJSON(w, 201, out[0])
		return
	}
	s.count(r.Method + " rrsets")
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &items); err != nil {
		writeJSON(w, 400, map[string]any{"non_field_errors": []string{"Expected a list of items but got type \"dict\"."}})
		return
	}
	out, errs, status := s.write(d, r.Method, items)
	if errs != nil {
		writeJSON(w, status, errs)
		return
	}
	code := 200
	if r.Method == http.MethodPost {
		code = 201
	}
	writeJSON(w, code, out)
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, d *domain) {
	q := r.URL.Query()
	s.mu.Lock()
	var all []*stored
	for _, rs := range d.rrsets {
		if v, ok := q["subname"]; ok && rs.Subname != v[0] {
			continue
		}
		if v, ok := q["type"]; ok && rs.Type != v[0] {
			continue
		}
		c := *rs
		c.Records = slices.Clone(rs.Records)
		all = append(all, &c)
	}
	s.mu.Unlock()
	// Newest first.
	slices.SortFunc(all, func(a, b *stored) int { return b.seq - a.seq })
	size := s.opts.PageSize
	cursor, paged := q["cursor"]
	base := &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path}
	link := func(c string) string {
		qq := r.URL.Query()
		qq.Set("cursor", c)
		u := *base
		u.RawQuery = qq.Encode()
		return u.String()
	}
	if !paged {
		if len(all) > size {
			w.Header().Set("Link", fmt.Sprintf("<%s>; rel=\"first\"", link("")))
			detail(w, http.StatusBadRequest, fmt.Sprintf("Pagination required. You can query up to %d items at a time (%d total). Please use the `first` page link (see Link header).", size, len(all)))
			return
		}
		writeJSON(w, 200, views(d, all))
		return
	}
	start := 0
	if cursor[0] != "" {
		raw, err := base64.RawURLEncoding.DecodeString(cursor[0])
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(raw), "o="))
		if err != nil || err2 != nil || n < 0 {
			detail(w, http.StatusNotFound, "Invalid cursor")
			return
		}
		start = min(n, len(all))
	}
	end := min(start+size, len(all))
	links := []string{fmt.Sprintf("<%s>; rel=\"first\"", link(""))}
	if start > 0 {
		links = append(links, fmt.Sprintf("<%s>; rel=\"prev\"", link(base64.RawURLEncoding.EncodeToString([]byte("o="+strconv.Itoa(max(0, start-size)))))))
	}
	if end < len(all) {
		links = append(links, fmt.Sprintf("<%s>; rel=\"next\"", link(base64.RawURLEncoding.EncodeToString([]byte("o="+strconv.Itoa(end))))))
	}
	if len(all) > size || start > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	writeJSON(w, 200, views(d, all[start:end]))
}

type view struct {
	Created string   `json:"created"`
	Domain  string   `json:"domain"`
	Subname string   `json:"subname"`
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Records []string `json:"records"`
	TTL     int      `json:"ttl"`
	Touched string   `json:"touched"`
}

func viewOf(d *domain, rs *stored) view {
	name := d.name + "."
	if rs.Subname != "" {
		name = rs.Subname + "." + name
	}
	ts := rs.created.UTC().Format(time.RFC3339Nano)
	return view{Created: ts, Domain: d.name, Subname: rs.Subname, Name: name, Type: rs.Type, Records: rs.Records, TTL: rs.TTL, Touched: ts}
}

func views(d *domain, all []*stored) []view {
	out := make([]view, len(all))
	for i, rs := range all {
		out[i] = viewOf(d, rs)
	}
	return out
}

// rrset serves one RRset's endpoint.
func (s *Server) rrset(w http.ResponseWriter, r *http.Request, body []byte, d *domain, token string, k key) {
	if automatic(k.typ, s.opts.AllowDNSKEY) {
		detail(w, http.StatusForbidden, fmt.Sprintf("You cannot tinker with the %s RR set.", k.typ))
		return
	}
	if r.Method == http.MethodGet {
		if !s.throttle(w, "dns_api_cheap", token) {
			return
		}
		s.count("GET rrset")
		s.mu.Lock()
		rs := d.rrsets[k]
		var v view
		if rs != nil {
			c := *rs
			c.Records = slices.Clone(rs.Records)
			v = viewOf(d, &c)
		}
		s.mu.Unlock()
		if rs == nil {
			detail(w, http.StatusNotFound, "Not found.")
			return
		}
		writeJSON(w, 200, v)
		return
	}
	if !s.throttle(w, "dns_api_per_domain_expensive", token+"|"+d.name) {
		return
	}
	s.count(r.Method + " rrset")
	item := map[string]json.RawMessage{}
	switch r.Method {
	case http.MethodDelete:
		item["records"] = json.RawMessage("[]")
	case http.MethodPut, http.MethodPatch:
		if err := json.Unmarshal(body, &item); err != nil {
			writeJSON(w, 400, map[string]any{"non_field_errors": []string{"Invalid data. Expected a dictionary, but got list."}})
			return
		}
	default:
		detail(w, http.StatusMethodNotAllowed, fmt.Sprintf("Method \"%s\" not allowed.", r.Method))
		return
	}
	sub, _ := json.Marshal(k.subname)
	typ, _ := json.Marshal(k.typ)
	item["subname"], item["type"] = sub, typ
	method := r.Method
	if method == http.MethodDelete {
		method = http.MethodPatch
	}
	out, errs, status := s.write(d, method, []map[string]json.RawMessage{item})
	switch {
	case errs != nil:
		writeJSON(w, status, errs[0])
	case len(out) == 0:
		w.WriteHeader(http.StatusNoContent)
	default:
		writeJSON(w, 200, out[0])
	}
}

// automatic reports whether deSEC manages type t itself.
func automatic(t string, allowDNSKEY bool) bool {
	switch t {
	case "SOA", "RRSIG", "NSEC", "NSEC3", "NSEC3PARAM", "OPT", "KEY":
		return true
	case "DNSKEY", "CDS", "CDNSKEY":
		return !allowDNSKEY
	}
	return false
}

// typeError is what deSEC says of a type it does not take ("" when fine).
func typeError(t string, allowDNSKEY bool) string {
	switch {
	case automatic(t, allowDNSKEY):
		return fmt.Sprintf("You cannot tinker with the %s RR set. It is managed automatically.", t)
	case t == "DNAME" || t == "ALIAS":
		return fmt.Sprintf("The %s RR set type is currently unsupported.", t)
	case strings.HasPrefix(t, "TYPE"):
		return "Generic type format is not supported."
	}
	if _, ok := dns.StringToType[t]; !ok || t != strings.ToUpper(t) {
		return fmt.Sprintf("The %s RR set type is currently unsupported.", t)
	}
	return ""
}

const fieldRequired = "This field is required."

// write validates and applies one bulk request (or a single-RRset write as
// a bulk of one), all or nothing. It returns the RRsets written (deleted
// ones left out), or the errors (a list in request order, {} for good
// items) and their status.
func (s *Server) write(d *domain, method string, items []map[string]json.RawMessage) ([]view, []map[string]any, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	type parsed struct {
		k       key
		ttl     int
		hasTTL  bool
		records []string
		hasRecs bool
	}
	ps := make([]parsed, len(items))
	errs := make([]map[string]any, len(items))
	bad := false
	seen := map[key][]int{}
	for i, it := range items {
		e := map[string]any{}
		var p parsed
		if raw, ok := it["subname"]; ok {
			if json.Unmarshal(raw, &p.k.subname) != nil {
				e["subname"] = []string{"Not a valid string."}
			}
		}
		if raw, ok := it["type"]; !ok {
			e["type"] = []string{fieldRequired}
		} else if json.Unmarshal(raw, &p.k.typ) != nil {
			e["type"] = []string{"Not a valid string."}
		} else if msg := typeError(p.k.typ, s.opts.AllowDNSKEY); msg != "" {
			e["type"] = []string{msg}
		}
		if raw, ok := it["ttl"]; ok && string(raw) != "null" {
			p.hasTTL = true
			if json.Unmarshal(raw, &p.ttl) != nil {
				e["ttl"] = []string{"A valid integer is required."}
			} else if p.ttl < d.minTTL {
				e["ttl"] = []string{fmt.Sprintf("Ensure this value is greater than or equal to %d.", d.minTTL)}
			} else if p.ttl > 604800 {
				e["ttl"] = []string{"Ensure this value is less than or equal to 604800."}
			}
		}
		if raw, ok := it["records"]; ok {
			p.hasRecs = true
			if json.Unmarshal(raw, &p.records) != nil {
				e["records"] = []string{"Expected a list of items but got type \"str\"."}
			} else if len(p.records) > 4091 {
				e["records"] = []string{"Ensure this field has no more than 4091 elements."}
			}
		}
		if msg := subnameError(p.k.subname); msg != "" {
			e["subname"] = []string{msg}
		}
		existing := d.rrsets[p.k] != nil
		deleting := p.hasRecs && len(p.records) == 0
		switch {
		case method == http.MethodPatch && !existing && !deleting && (!p.hasTTL || !p.hasRecs):
			if !p.hasTTL {
				e["ttl"] = []string{fieldRequired}
			}
			if !p.hasRecs {
				e["records"] = []string{fieldRequired}
			}
		case method != http.MethodPatch && !deleting:
			if !p.hasTTL {
				e["ttl"] = []string{fieldRequired}
			}
			if !p.hasRecs {
				e["records"] = []string{fieldRequired}
			}
		}
		if method == http.MethodPost && existing {
			e["non_field_errors"] = []string{"Another RRset with the same subdomain and type exists for this domain."}
		}
		if prev := seen[p.k]; len(prev) > 0 {
			pos := make([]string, len(prev))
			for j, n := range prev {
				pos[j] = strconv.Itoa(n)
			}
			e["__all__"] = []string{fmt.Sprintf("Same subname and type as in position(s) %s, but must be unique.", strings.Join(pos, ", "))}
		}
		seen[p.k] = append(seen[p.k], i)
		if len(e) > 0 {
			bad = true
		}
		errs[i], ps[i] = e, p
	}
	if bad {
		return nil, errs, http.StatusBadRequest
	}
	// Stage 2: content, then the state as a whole (CNAME exclusivity).
	final := map[key]*RRset{}
	for k, rs := range d.rrsets {
		final[k] = &RRset{rs.Subname, rs.Type, rs.TTL, rs.Records}
	}
	for _, p := range ps {
		cur := final[p.k]
		next := RRset{Subname: p.k.subname, Type: p.k.typ}
		if cur != nil {
			next.TTL, next.Records = cur.TTL, cur.Records
		}
		if p.hasTTL {
			next.TTL = p.ttl
		}
		if p.hasRecs {
			next.Records = nil
			for _, c := range p.records {
				canon, msg := canonical(d.name, p.k, c)
				if msg != "" {
					return nil, []map[string]any{{"records": []string{msg}}}, http.StatusBadRequest
				}
				if !slices.Contains(next.Records, canon) {
					next.Records = append(next.Records, canon)
				}
			}
		}
		if len(next.Records) == 0 {
			delete(final, p.k)
			continue
		}
		if p.k.typ == "CNAME" && p.k.subname == "" {
			return nil, []map[string]any{{"type": []string{"CNAME RRset cannot have empty subname."}}}, http.StatusBadRequest
		}
		if p.k.typ == "CNAME" && len(next.Records) > 1 {
			return nil, []map[string]any{{"records": []string{"RRset of type CNAME cannot have multiple records."}}}, http.StatusBadRequest
		}
		final[p.k] = &next
	}
	byName := map[string][]string{}
	for k := range final {
		byName[k.subname] = append(byName[k.subname], k.typ)
	}
	for _, types := range byName {
		if slices.Contains(types, "CNAME") && len(types) > 1 {
			others := slices.DeleteFunc(slices.Clone(types), func(t string) bool { return t == "CNAME" })
			slices.Sort(others)
			return nil, []map[string]any{{"non_field_errors": []string{fmt.Sprintf("RRset with conflicting type present: database (%s). (No other RRsets are allowed alongside CNAME.)", strings.Join(others, ", "))}}}, http.StatusBadRequest
		}
	}
	var out []view
	for _, p := range ps {
		if n := final[p.k]; n != nil {
			s.putLocked(d, *n)
			out = append(out, viewOf(d, d.rrsets[p.k]))
		} else {
			delete(d.rrsets, p.k)
		}
	}
	return out, nil, 0
}

func subnameError(sub string) string {
	if sub == "" {
		return ""
	}
	if len(sub) > 178 {
		return "Ensure this field has no more than 178 characters."
	}
	for i, label := range strings.Split(sub, ".") {
		if label == "*" && i == 0 {
			continue
		}
		if label == "" {
			return "Subname can only use (lowercase) a-z, 0-9, ., -, and _, may start with a '*.', or just be '*'. Components may not exceed 63 characters."
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "Subname can only use (lowercase) a-z, 0-9, ., -, and _, may start with a '*.', or just be '*'. Components may not exceed 63 characters."
			}
		}
		if len(label) > 63 {
			return "Subname can only use (lowercase) a-z, 0-9, ., -, and _, may start with a '*.', or just be '*'. Components may not exceed 63 characters."
		}
	}
	return ""
}

// canonical parses one record's content and returns its canonical
// presentation form, or deSEC's complaint.
func canonical(domainName string, k key, content string) (string, string) {
	owner := domainName + "."
	if k.subname != "" {
		owner = k.subname + "." + owner
	}
	if k.typ == "TXT" || k.typ == "SPF" {
		if msg := quotedOnly(content); msg != "" {
			return "", msg
		}
	}
	parse := func(origin string) (dns.RR, error) {
		zp := dns.NewZoneParser(strings.NewReader(fmt.Sprintf("%s 3600 IN %s %s\n", owner, k.typ, content)), origin, "")
		rr, ok := zp.Next()
		if !ok {
			if zp.Err() != nil {
				return nil, zp.Err()
			}
			return nil, fmt.Errorf("empty record")
		}
		return rr, zp.Err()
	}
	rr, err := parse("a.invalid.")
	if err != nil {
		return "", fmt.Sprintf("Record content for type %s malformed: %v", k.typ, err)
	}
	// Names in content must be absolute: parsing against another origin
	// must not change the record.
	if other, err := parse("b.invalid."); err != nil || zones.Rdata(other) != zones.Rdata(rr) {
		return "", fmt.Sprintf("Record content for type %s malformed: domain names must end with a dot.", k.typ)
	}
	return zones.Rdata(rr), ""
}

// quotedOnly checks that TXT content is quoted strings only, as deSEC's
// LongQuotedTXT wants ("Content must be quoted.").
func quotedOnly(content string) string {
	s := strings.TrimSpace(content)
	if s == "" {
		return "Record content for type TXT malformed: Content must be quoted."
	}
	for len(s) > 0 {
		if s[0] != '"' {
			return "Record content for type TXT malformed: Content must be quoted."
		}
		i := 1
		for ; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' {
				i++
			}
		}
		if i >= len(s) {
			return "Record content for type TXT malformed: unbalanced quotes."
		}
		s = strings.TrimLeft(s[i+1:], " \t")
	}
	return ""
}
