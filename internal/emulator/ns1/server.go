package ns1

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configures a Server. The zero value gives NS1's defaults.
type Options struct {
	// Keys are the accepted API keys (X-NSONE-Key); empty means any
	// non-empty key is accepted.
	Keys []string
	// ReadLimit and WriteLimit are the tokens of each key's buckets for GETs
	// and for writes (PUT, POST, DELETE) per Period: 0 gives 900 and 300; a
	// negative value turns the bucket off (headers still sent, never 429).
	ReadLimit, WriteLimit int
	// Period is the buckets' period (default 300 s): a bucket refills at
	// Limit/Period tokens a second.
	Period time.Duration
	// RetryAfter, when set, adds Retry-After (the seconds one token takes,
	// rounded up) to the 429 of an empty bucket; NS1 is not known to send
	// it.
	RetryAfter bool
	// PageSize is the number of records a zone listing page holds (default
	// 2500).
	PageSize int
	// Nameservers are the names a new zone's apex NS record and SOA are
	// given (no final dot); nil means dns1.p01.nsone.net to
	// dns4.p01.nsone.net.
	Nameservers []string
	// Now is the clock of the rate limiter (default time.Now).
	Now func() time.Time
}

// Fault is an injected failure. It matches requests by method and path
// substring and hits the first Times of them (0: every one until
// ClearFaults), after letting After of them through. Faults apply before
// authentication and the rate limiter.
type Fault struct {
	Method     string        // "" = any
	Path       string        // substring of the URL path ("" = any)
	Status     int           // 429, 500, 502, 503...; 0 = no error (latency only)
	RetryAfter time.Duration // sets Retry-After (whole seconds, rounded up) when > 0
	Latency    time.Duration // delay before answering
	Reset      bool          // close the connection without answering
	Times      int           // how many matching requests it hits; 0 = unlimited
	After      int           // let this many matching requests through first
}

// Answer is one answer of a record: its rdata fields, and meta.
type Answer struct {
	Answer []string       `json:"answer"`
	Meta   map[string]any `json:"meta,omitempty"`
	Region string         `json:"region,omitempty"`
	ID     string         `json:"id,omitempty"`
}

// Filter is one filter of a record's filter chain.
type Filter struct {
	Filter   string         `json:"filter"`
	Config   map[string]any `json:"config"`
	Disabled bool           `json:"disabled,omitempty"`
}

// Record is NS1's record: one name and type, all its answers.
type Record struct {
	ID      string                    `json:"id"`
	Zone    string                    `json:"zone"`
	Domain  string                    `json:"domain"`
	Type    string                    `json:"type"`
	TTL     int                       `json:"ttl"`
	Tier    int                       `json:"tier"`
	Answers []Answer                  `json:"answers"`
	Filters []Filter                  `json:"filters"`
	Regions map[string]map[string]any `json:"regions"`
	Meta    map[string]any            `json:"meta"`
	Link    *string                   `json:"link"`
}

func (r Record) clone() Record {
	c := r
	c.Answers = make([]Answer, len(r.Answers))
	for i, a := range r.Answers {
		a.Answer = slices.Clone(a.Answer)
		a.Meta = maps.Clone(a.Meta)
		c.Answers[i] = a
	}
	c.Filters = slices.Clone(r.Filters)
	c.Regions = maps.Clone(r.Regions)
	c.Meta = maps.Clone(r.Meta)
	if r.Link != nil {
		l := *r.Link
		c.Link = &l
	}
	return c
}

// tier is NS1's: 1 plain, 2 with meta, 3 with a filter chain.
func (r *Record) tier() int {
	if len(r.Filters) > 0 {
		return 3
	}
	if len(r.Meta) > 0 || len(r.Regions) > 0 {
		return 2
	}
	for _, a := range r.Answers {
		if len(a.Meta) > 0 || a.Region != "" {
			return 2
		}
	}
	return 1
}

// Request is one entry of the request log.
type Request struct {
	Method, Path, Query, Body string
	Status                    int // 0 if the connection was reset
}

// Server is a running emulator. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL, like http://127.0.0.1:PORT; the API is under
	// URL+"/v1/".
	URL string

	ts   *httptest.Server
	opts Options
	done chan struct{}

	mu       sync.Mutex
	zones    map[string]*zone
	counts   map[string]int
	seq      int
	faults   []*faultState
	requests []Request
	buckets  map[string]*bucket // by key and kind ("r"/"w")
}

type zone struct {
	name    string
	id      string
	serial  int
	records map[string]*Record // by domain + "/" + type
}

type faultState struct {
	Fault
	left, spare int
}

type bucket struct {
	tokens float64
	at     time.Time
}

// New starts an emulator on 127.0.0.1 with plain HTTP. Close it when done.
func New(opts Options) *Server {
	if opts.ReadLimit == 0 {
		opts.ReadLimit = 900
	}
	if opts.WriteLimit == 0 {
		opts.WriteLimit = 300
	}
	if opts.Period <= 0 {
		opts.Period = 300 * time.Second
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 2500
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if len(opts.Nameservers) == 0 {
		opts.Nameservers = []string{"dns1.p01.nsone.net", "dns2.p01.nsone.net", "dns3.p01.nsone.net", "dns4.p01.nsone.net"}
	}
	s := &Server{opts: opts, done: make(chan struct{}), zones: map[string]*zone{}, counts: map[string]int{}, buckets: map[string]*bucket{}}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.ts.URL
	return s
}

// Close stops the server.
func (s *Server) Close() {
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	s.ts.Close()
}

func zoneName(name string) string { return strings.TrimSuffix(strings.ToLower(name), ".") }

func recKey(domain, typ string) string { return domain + "/" + typ }

// AddZone adds a zone, as NS1's portal makes it: an apex NS record with
// the server's four nameservers (TTL 3600) and serial 1. Adding an existing
// zone does nothing.
func (s *Server) AddZone(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name = zoneName(name)
	if s.zones[name] != nil {
		return
	}
	sum := sha256.Sum256([]byte("zone/" + name))
	z := &zone{name: name, id: hex.EncodeToString(sum[:12]), serial: 1, records: map[string]*Record{}}
	s.zones[name] = z
	ns := Record{Zone: name, Domain: name, Type: "NS", TTL: 3600}
	for _, n := range s.opts.Nameservers {
		ns.Answers = append(ns.Answers, Answer{Answer: []string{n}})
	}
	s.store(z, ns)
}

// store puts r into z with an ID and its tier; s.mu is held.
func (s *Server) store(z *zone, r Record) Record {
	r = r.clone()
	r.Zone = z.name
	if r.Filters == nil {
		r.Filters = []Filter{}
	}
	if r.Regions == nil {
		r.Regions = map[string]map[string]any{}
	}
	if r.Meta == nil {
		r.Meta = map[string]any{}
	}
	for i := range r.Answers {
		if r.Answers[i].Answer == nil {
			r.Answers[i].Answer = []string{}
		}
		s.seq++
		r.Answers[i].ID = fmt.Sprintf("%024x", s.seq)
	}
	if r.Answers == nil {
		r.Answers = []Answer{}
	}
	if old := z.records[recKey(r.Domain, r.Type)]; old != nil {
		r.ID = old.ID
	} else {
		s.seq++
		r.ID = fmt.Sprintf("%024x", s.seq)
	}
	r.Tier = r.tier()
	z.records[recKey(r.Domain, r.Type)] = &r
	z.serial++
	return r.clone()
}

// AddRecord stores a fixture in zone (added if missing) without the API's
// validation: records with meta, filters, regions or a link. The domain may
// be relative to the zone or "@". It returns the record as stored.
func (s *Server) AddRecord(zoneRef string, r Record) Record {
	s.AddZone(zoneRef)
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zones[zoneName(zoneRef)]
	r.Type = strings.ToUpper(r.Type)
	switch d := strings.TrimSuffix(strings.ToLower(r.Domain), "."); {
	case d == "@" || d == "":
		r.Domain = z.name
	case d == z.name || strings.HasSuffix(d, "."+z.name):
		r.Domain = d
	default:
		r.Domain = d + "." + z.name
	}
	return s.store(z, r)
}

// Records returns the records of zone sorted by domain and type, nil for
// an unknown zone.
func (s *Server) Records(zoneRef string) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zones[zoneName(zoneRef)]
	if z == nil {
		return nil
	}
	var out []Record
	for _, k := range slices.Sorted(maps.Keys(z.records)) {
		out = append(out, z.records[k].clone())
	}
	return out
}

// Serial returns the zone's SOA serial (0 for an unknown zone).
func (s *Server) Serial(zoneRef string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if z := s.zones[zoneName(zoneRef)]; z != nil {
		return z.serial
	}
	return 0
}

// Nameservers returns the names NS1 gives every zone here.
func (s *Server) Nameservers() []string { return slices.Clone(s.opts.Nameservers) }

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

// ResetRequests clears the request log and the counts.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.counts = map[string]int{}
}

// Counts returns how many requests each endpoint has had since the last
// ResetRequests: "GET /v1/zones/{zone}", "PUT /v1/zones/{zone}/{domain}/{type}"...
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.counts)
}

func endpoint(method, path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	names := []string{"v1", "zones", "{zone}", "{domain}", "{type}"}
	for i := range parts {
		if i < len(names) && i >= 2 {
			parts[i] = names[i]
		}
	}
	return method + " /" + strings.Join(parts, "/")
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	s.mu.Lock()
	idx := len(s.requests)
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body)})
	s.counts[endpoint(r.Method, r.URL.Path)]++
	s.mu.Unlock()
	sw := &statusWriter{ResponseWriter: w}
	reset := s.handle(sw, r, body)
	s.mu.Lock()
	if idx < len(s.requests) && !reset {
		s.requests[idx].Status = sw.status
	}
	s.mu.Unlock()
}

func (s *Server) matchFault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Method != "" && f.Method != r.Method || !strings.Contains(r.URL.Path, f.Path) {
			continue
		}
		if f.spare > 0 {
			f.spare--
			continue
		}
		if f.Times > 0 {
			f.left--
			if f.left <= 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
		}
		ff := f.Fault
		return &ff
	}
	return nil
}

// writeError answers NS1's JSON error body.
func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) handle(w *statusWriter, r *http.Request, body []byte) (reset bool) {
	if f := s.matchFault(r); f != nil {
		if f.Latency > 0 {
			t := time.NewTimer(f.Latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return true
			case <-s.done:
				t.Stop()
				return true
			}
		}
		if f.Reset {
			if hj, ok := w.ResponseWriter.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return true
				}
			}
			panic(http.ErrAbortHandler)
		}
		if f.Status != 0 {
			if f.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(f.RetryAfter.Seconds()))))
			}
			if f.Status >= 500 {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(f.Status)
				fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>\n", f.Status, http.StatusText(f.Status))
				return false
			}
			msg := "rate limit exceeded"
			if f.Status != http.StatusTooManyRequests {
				msg = http.StatusText(f.Status)
			}
			writeError(w, f.Status, msg)
			return false
		}
	}
	key := r.Header.Get("X-NSONE-Key")
	if key == "" || len(s.opts.Keys) > 0 && !slices.Contains(s.opts.Keys, key) {
		writeError(w, http.StatusUnauthorized, "Unauthorized")
		return false
	}
	if !s.take(w, key, r.Method) {
		return false
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 3 || parts[0] != "v1" || parts[1] != "zones" {
		writeError(w, http.StatusNotFound, "Not Found")
		return false
	}
	switch {
	case len(parts) == 3 && r.Method == http.MethodGet:
		s.getZone(w, r, zoneName(parts[2]))
	case len(parts) == 5:
		s.record(w, r, zoneName(parts[2]), strings.TrimSuffix(strings.ToLower(parts[3]), "."), strings.ToUpper(parts[4]), body)
	default:
		writeError(w, http.StatusMethodNotAllowed, "Method Not Allowed")
	}
	return false
}

// take spends a token of key's bucket for method, writing the rate-limit
// headers; on an empty bucket it answers 429 and returns false.
func (s *Server) take(w http.ResponseWriter, key, method string) bool {
	kind, limit := "r", s.opts.ReadLimit
	if method != http.MethodGet {
		kind, limit = "w", s.opts.WriteLimit
	}
	h := w.Header()
	h.Set("X-RateLimit-By", "customer")
	h.Set("X-RateLimit-Period", strconv.Itoa(int(s.opts.Period.Seconds())))
	if limit < 0 {
		h.Set("X-RateLimit-Limit", "1000000")
		h.Set("X-RateLimit-Remaining", "1000000")
		return true
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	s.mu.Lock()
	now := s.opts.Now()
	b := s.buckets[key+"/"+kind]
	if b == nil {
		b = &bucket{tokens: float64(limit), at: now}
		s.buckets[key+"/"+kind] = b
	}
	rate := float64(limit) / s.opts.Period.Seconds()
	b.tokens = math.Min(float64(limit), b.tokens+now.Sub(b.at).Seconds()*rate)
	b.at = now
	ok := b.tokens >= 1
	if ok {
		b.tokens--
	}
	remaining := int(b.tokens)
	s.mu.Unlock()
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	if !ok {
		if s.opts.RetryAfter {
			h.Set("Retry-After", strconv.Itoa(int(math.Ceil(1/rate))))
		}
		writeError(w, http.StatusTooManyRequests, "rate limit exceeded")
	}
	return ok
}

// zoneRecord is one record of the zone listing.
type zoneRecord struct {
	ID           string   `json:"id"`
	Domain       string   `json:"domain"`
	Type         string   `json:"type"`
	TTL          int      `json:"ttl"`
	Tier         int      `json:"tier"`
	Link         *string  `json:"link"`
	ShortAnswers []string `json:"short_answers"`
}

func (s *Server) getZone(w http.ResponseWriter, r *http.Request, name string) {
	s.mu.Lock()
	z := s.zones[name]
	if z == nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "zone not found")
		return
	}
	keys := slices.Sorted(maps.Keys(z.records))
	after, _ := strconv.Atoi(r.URL.Query().Get("after"))
	after = max(0, min(after, len(keys)))
	end := min(len(keys), after+s.opts.PageSize)
	recs := make([]zoneRecord, 0, end-after)
	for _, k := range keys[after:end] {
		rec := z.records[k]
		zr := zoneRecord{ID: rec.ID, Domain: rec.Domain, Type: rec.Type, TTL: rec.TTL, Tier: rec.Tier, Link: rec.Link, ShortAnswers: []string{}}
		answers := rec.Answers
		if rec.Link != nil {
			if t := s.linked(*rec.Link, rec.Type); t != nil {
				answers = t.Answers
			}
		}
		for _, a := range answers {
			zr.ShortAnswers = append(zr.ShortAnswers, strings.Join(a.Answer, " "))
		}
		recs = append(recs, zr)
	}
	out := map[string]any{
		"id": z.id, "zone": z.name, "ttl": 3600, "nx_ttl": 3600, "retry": 7200, "refresh": 43200, "expiry": 1209600,
		"serial": z.serial, "hostmaster": "hostmaster@nsone.net", "primary_master": s.opts.Nameservers[0],
		"dns_servers": s.opts.Nameservers, "networks": []int{0}, "dnssec": false, "meta": map[string]any{}, "records": recs,
	}
	s.mu.Unlock()
	if end < len(keys) {
		w.Header().Set("Link", fmt.Sprintf(`<%s/v1/zones/%s?after=%d>; rel="next"`, s.URL, name, end))
	}
	writeJSON(w, out)
}

// linked finds the target of a link (a domain in any zone); s.mu is held.
func (s *Server) linked(domain, typ string) *Record {
	domain = strings.TrimSuffix(strings.ToLower(domain), ".")
	for _, z := range s.zones {
		if r := z.records[recKey(domain, typ)]; r != nil {
			return r
		}
	}
	return nil
}

// fields is the number of rdata fields of each type NS1 holds, and which
// of them are names (stored without the final dot).
var fields = map[string]struct {
	n     int
	names []int
}{
	"A": {1, nil}, "AAAA": {1, nil}, "CNAME": {1, []int{0}}, "DNAME": {1, []int{0}}, "NS": {1, []int{0}}, "PTR": {1, []int{0}},
	"MX": {2, []int{1}}, "SRV": {4, []int{3}}, "TXT": {1, nil}, "SPF": {1, nil}, "CAA": {3, nil}, "DS": {4, nil},
	"SSHFP": {3, nil}, "TLSA": {4, nil}, "NAPTR": {6, []int{5}}, "HINFO": {2, nil}, "SVCB": {3, []int{1}},
	"HTTPS": {3, []int{1}}, "AFSDB": {2, []int{1}}, "RP": {2, []int{0, 1}}, "CERT": {4, nil},
	"ALIAS": {1, []int{0}}, "URLFWD": {5, nil},
}

var dnssecTypes = []string{"DNSKEY", "RRSIG", "NSEC", "NSEC3", "NSEC3PARAM", "CDS", "CDNSKEY"}

// validate checks one answer's rdata for typ and returns it as NS1 stores
// it (names without the final dot), or the refusal.
func validate(typ string, rdata []string) ([]string, string) {
	f := fields[typ]
	if len(rdata) != f.n {
		return nil, fmt.Sprintf("input validation failed: %s answer needs %d rdata fields, got %d", typ, f.n, len(rdata))
	}
	out := slices.Clone(rdata)
	for _, i := range f.names {
		if out[i] != "." {
			out[i] = strings.TrimSuffix(out[i], ".")
		}
		if out[i] == "" || strings.ContainsAny(out[i], " \t") {
			return nil, fmt.Sprintf("input validation failed: %q is not a valid hostname", rdata[i])
		}
	}
	isInt := func(s string, max int) bool {
		n, err := strconv.Atoi(s)
		return err == nil && n >= 0 && n <= max
	}
	switch typ {
	case "A":
		if a, err := netip.ParseAddr(out[0]); err != nil || !a.Is4() {
			return nil, fmt.Sprintf("input validation failed: %q is not a valid IPv4 address", out[0])
		}
	case "AAAA":
		if a, err := netip.ParseAddr(out[0]); err != nil || !a.Is6() {
			return nil, fmt.Sprintf("input validation failed: %q is not a valid IPv6 address", out[0])
		}
	case "MX":
		if !isInt(out[0], 65535) {
			return nil, fmt.Sprintf("input validation failed: MX preference %q", out[0])
		}
	case "SRV":
		for _, v := range out[:3] {
			if !isInt(v, 65535) {
				return nil, fmt.Sprintf("input validation failed: SRV field %q", v)
			}
		}
	case "CAA":
		if !isInt(out[0], 255) || out[1] == "" {
			return nil, fmt.Sprintf("input validation failed: CAA %q %q", out[0], out[1])
		}
	}
	return out, ""
}

type recordBody struct {
	Zone    *string                    `json:"zone"`
	Domain  *string                    `json:"domain"`
	Type    *string                    `json:"type"`
	TTL     *int                       `json:"ttl"`
	Answers *json.RawMessage           `json:"answers"`
	Filters *[]Filter                  `json:"filters"`
	Regions *map[string]map[string]any `json:"regions"`
	Meta    *map[string]any            `json:"meta"`
	Link    *string                    `json:"link"`
}

func (s *Server) record(w http.ResponseWriter, r *http.Request, zname, domain, typ string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zones[zname]
	if z == nil {
		writeError(w, http.StatusNotFound, "zone not found")
		return
	}
	existing := z.records[recKey(domain, typ)]
	if r.Method == http.MethodGet {
		if existing == nil {
			writeError(w, http.StatusNotFound, "record not found")
			return
		}
		writeJSON(w, existing)
		return
	}
	if slices.Contains(dnssecTypes, typ) {
		writeError(w, http.StatusMethodNotAllowed, "Operation on DNSSEC record is not allowed")
		return
	}
	switch r.Method {
	case http.MethodDelete:
		if existing == nil {
			writeError(w, http.StatusNotFound, "record not found")
			return
		}
		delete(z.records, recKey(domain, typ))
		z.serial++
		writeJSON(w, map[string]any{})
		return
	case http.MethodPut:
		if existing != nil {
			writeError(w, http.StatusBadRequest, "record already exists")
			return
		}
	case http.MethodPost:
		if existing == nil {
			writeError(w, http.StatusNotFound, "record not found")
			return
		}
	default:
		writeError(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	if _, ok := fields[typ]; !ok {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("unsupported record type %s", typ))
		return
	}
	if domain != z.name && !strings.HasSuffix(domain, "."+z.name) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("domain %s is not in zone %s", domain, z.name))
		return
	}
	var b recordBody
	if err := json.Unmarshal(body, &b); err != nil {
		writeError(w, http.StatusBadRequest, "input validation failed: body is not a JSON object")
		return
	}
	for _, c := range []struct {
		got  *string
		want string
	}{{b.Zone, z.name}, {b.Domain, domain}, {b.Type, typ}} {
		if c.got != nil && !strings.EqualFold(strings.TrimSuffix(*c.got, "."), c.want) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("input validation failed: %q does not match the URL's %q", *c.got, c.want))
			return
		}
	}
	rec := Record{Domain: domain, Type: typ, TTL: 3600}
	if existing != nil {
		rec = existing.clone()
	}
	if b.TTL != nil {
		if *b.TTL < 0 || *b.TTL > math.MaxInt32 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("input validation failed: ttl %d", *b.TTL))
			return
		}
		rec.TTL = *b.TTL
	}
	if b.Answers != nil {
		var answers []Answer
		if err := json.Unmarshal(*b.Answers, &answers); err != nil {
			writeError(w, http.StatusBadRequest, "input validation failed: answers must be a list of objects with an answer list")
			return
		}
		for i := range answers {
			rd, msg := validate(typ, answers[i].Answer)
			if msg != "" {
				writeError(w, http.StatusBadRequest, msg)
				return
			}
			answers[i].Answer = rd
		}
		rec.Answers = answers
	}
	if b.Filters != nil {
		rec.Filters = *b.Filters
	}
	if b.Meta != nil {
		rec.Meta = *b.Meta
	}
	if b.Regions != nil {
		rec.Regions = *b.Regions
	}
	if b.Link != nil {
		l := *b.Link
		rec.Link = &l
	}
	if rec.Link != nil && len(rec.Answers) > 0 {
		writeError(w, http.StatusBadRequest, "input validation failed: a linked record cannot have answers")
		return
	}
	writeJSON(w, s.store(z, rec))
}
