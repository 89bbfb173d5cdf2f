package cloudflare

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Options configures a Server. The zero value gives Cloudflare's defaults.
type Options struct {
	// Tokens are the accepted API tokens (Authorization: Bearer <token>).
	// Empty means any non-empty token is accepted.
	Tokens []string
	// ZoneTokens are accepted only for the zone routes (GET /zones...), like
	// the Zone:Read token libdns/cloudflare sends as ZoneToken. Used on a
	// dns_records route they get 403 with code 10000.
	ZoneTokens []string
	// RecordTokens are accepted only for the dns_records routes, like a
	// token with Zone.DNS permissions and no Zone:Read, the APIToken of
	// libdns/cloudflare's two-token setup (its provider.go: "API token with
	// Zone.DNS:Write (can be scoped to single Zone if ZoneToken is also
	// provided)"). On the zone routes they get 403 with code 9109; the
	// real answer (403, or an empty list) is unverified.
	RecordTokens []string
	// PerPageMax caps per_page of dns_records listings (default 5000). The
	// default page size is 100, or PerPageMax if smaller; tests set it small
	// to force paging.
	PerPageMax int
	// BatchLimit is the number of records one batch request may touch
	// (default 200, Cloudflare's Free plan; 3500 on paid plans).
	BatchLimit int
	// RateLimit is the number of requests a token may make per RateWindow;
	// 0 turns the limiter off. Past the limit, every request of that token
	// gets 429 for one RateWindow, as Cloudflare blocks for 5 minutes.
	RateLimit int
	// RateWindow defaults to 5 minutes.
	RateWindow time.Duration
	// CNAMEWithOther allows a CNAME and other data (TXT, MX...) at one name
	// below the apex. False rejects it like the A/AAAA/CNAME conflicts
	// (81053/81054). A/AAAA/CNAME conflicts are always rejected.
	CNAMEWithOther bool
	// RecordQuota is the number of records a zone may hold (0: no limit).
	// Cloudflare's per-zone quota is 200 on Free zones created from
	// 2024-09-01, 1,000 on older Free zones, 3,500 on Pro, Business and
	// Enterprise (developers.cloudflare.com/dns/manage-dns-records/, "DNS
	// records quota"; cloudflare/cloudflare-docs#16600). A create past it
	// gets code 81045 (js-org/js.org#2873; the HTTP status, 400 here, is
	// unverified), and GET /zones/{zid}/dns_records/usage reports it.
	RecordQuota int
	// Enterprise lowers the minimum TTL from 60 to 30 seconds.
	Enterprise bool
	// DNSKEYTTL is the TTL the DNS front (ServeDNS) answers the DNSKEY
	// RRset with: 3600 when 0, Cloudflare's. A lab with short waits sets
	// its own (and the driver's dnskey_ttl to match).
	DNSKEYTTL uint32
	// Nameservers are the names every zone is given (the account's
	// assigned nameservers, without the final dot); nil means
	// ada.ns.cloudflare.com and bob.ns.cloudflare.com. A lab whose
	// resolver must reach the DNS front (ServeDNS) names its own.
	Nameservers []string
	// Now is the clock (default time.Now); tests use it to move the rate
	// limiter's window without sleeping.
	Now func() time.Time
}

// Fault is an injected failure. It matches requests by method and path
// substring and hits the first Times of them (0: every one until
// ClearFaults). Faults apply before authentication and the rate limiter, as
// at Cloudflare's edge.
type Fault struct {
	Method     string        // "" = any
	Path       string        // substring of the URL path ("" = any), e.g. "/dns_records"
	Status     int           // 429, 500, 502, 503...; 0 = no error (latency only)
	RetryAfter time.Duration // sets Retry-After (whole seconds, rounded up) when > 0
	HTML       bool          // answer with an HTML body, as Cloudflare's edge does for 5xx
	Latency    time.Duration // delay before answering (or before normal handling)
	Reset      bool          // hijack and close the connection without answering
	Times      int           // how many matching requests it hits; 0 = unlimited
	After      int           // let this many matching requests through first
}

// Request is one entry of the request log.
type Request struct {
	Method, Path, Query, Body string
	Status                    int // 0 if the connection was reset
	Token                     string
}

// Server is a running emulator. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL, like http://127.0.0.1:PORT; the API is under
	// URL+"/client/v4".
	URL string

	ts   *httptest.Server
	opts Options
	done chan struct{}

	mu       sync.Mutex
	zones    map[string]*zone // by ID
	active   map[string]*zone // zones added with AddZone, by name
	sorted   []*zone          // zones by name, nil when it must be made again
	counts   map[string]int   // requests by endpoint (see Counts)
	seq      int
	faults   []*faultState
	requests []Request
	logGen   int // incremented by ResetRequests
	rate     map[string]*rateState
}

type zone struct {
	id, name string
	status   string // "" is active
	created  time.Time
	records  map[string]*stored // by ID
	// multiProvider is the zone's dns_settings multi_provider (default
	// false): only then are user-added apex NS records served.
	multiProvider bool
	// dnssec is the zone's DNSSEC (dnssec.go).
	dnssec dnssecState
}

type faultState struct {
	Fault
	left  int // hits left when Times > 0
	spare int // matching requests still let through (After)
}

type rateState struct {
	start        time.Time // start of the counting window
	count        int
	blockedUntil time.Time
}

// New starts an emulator on 127.0.0.1 with plain HTTP. Close it when done.
func New(opts Options) *Server {
	if opts.PerPageMax <= 0 {
		opts.PerPageMax = 5000
	}
	if opts.BatchLimit <= 0 {
		opts.BatchLimit = 200
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = 5 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:   opts,
		done:   make(chan struct{}),
		zones:  make(map[string]*zone),
		active: make(map[string]*zone),
		counts: make(map[string]int),
		rate:   make(map[string]*rateState),
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.ts.URL
	return s
}

// Close stops the server, cutting short any injected latency.
func (s *Server) Close() {
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	s.ts.Close()
}

// AddZone adds a zone and returns its 32-hex ID, derived from the name so
// that it is stable across runs. The name is stored lower-case without a
// trailing dot. Adding an existing zone returns its ID (zones added with
// AddZoneStatus do not count).
func (s *Server) AddZone(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addZone(name).id
}

// AddZoneStatus adds a zone with a status ("active", "pending",
// "moved"...), always a new one with its own ID, even if a zone of that name
// exists: Cloudflare lets a name be added again (in another account, or
// while an earlier copy is pending), so a lookup by name may match several.
func (s *Server) AddZoneStatus(name, status string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	s.seq++
	sum := sha256.Sum256(fmt.Appendf(nil, "zone/%s/%d", name, s.seq))
	z := &zone{id: hex.EncodeToString(sum[:16]), name: name, status: status, created: s.opts.Now().UTC(), records: make(map[string]*stored)}
	s.zones[z.id] = z
	s.sorted = nil
	return z.id
}

func (s *Server) addZone(name string) *zone {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	if z := s.active[name]; z != nil {
		return z
	}
	sum := sha256.Sum256([]byte("zone/" + name))
	z := &zone{id: hex.EncodeToString(sum[:16]), name: name, created: s.opts.Now().UTC(), records: make(map[string]*stored)}
	s.zones[z.id] = z
	s.sorted = nil
	s.active[name] = z
	return z
}

// DeleteZone removes a zone (a name or an ID) and its records, as deleting
// it in the dashboard does: its ID then answers 404 (7003).
func (s *Server) DeleteZone(zoneRef string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zoneByRef(zoneRef)
	if z == nil {
		return
	}
	delete(s.zones, z.id)
	s.sorted = nil
	if s.active[z.name] == z {
		delete(s.active, z.name)
	}
}

// AddZones adds n generated active zones, zone00000.example. to
// zoneNNNNN.example. (RFC 2606's reserved name), each holding records
// records (at least 3): an apex MX and TXT, www, and hosts h0, h1... as A
// records. It is cheap enough for tens of thousands of zones, for tests
// and benchmarks of accounts that hold many. It returns the zone names
// (without the final dot) in order.
func (s *Server) AddZones(n, records int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, n)
	now := s.opts.Now().UTC()
	ten := 10
	for i := range n {
		name := fmt.Sprintf("zone%05d.example", i)
		names[i] = name
		z := s.addZone(name)
		recs := []Record{
			{Type: "MX", Name: name, Content: "mail." + name, Priority: &ten, TTL: 300},
			{Type: "TXT", Name: name, Content: `"v=spf1 -all"`, TTL: 300},
			{Type: "A", Name: "www." + name, Content: "192.0.2.1", TTL: 300},
		}
		for h := 0; len(recs) < records; h++ {
			recs = append(recs, Record{Type: "A", Name: fmt.Sprintf("h%d.%s", h, name), Content: fmt.Sprintf("192.0.2.%d", h%250+1), TTL: 300})
		}
		for _, r := range recs {
			r.ID = s.newID(z)
			z.records[r.ID] = &stored{Record: r, created: now, modified: now}
		}
	}
	return names
}

// Counts returns how many requests each endpoint has received since the
// last ResetRequests, by method and route with IDs as placeholders:
// "GET /zones", "GET /zones/{id}/dns_records",
// "POST /zones/{id}/dns_records/batch"...
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.counts)
}

// endpoint is a request's method and route, IDs replaced by {id}.
func endpoint(method, path string) string {
	parts := strings.Split(strings.Trim(strings.TrimPrefix(path, "/client/v4"), "/"), "/")
	for i := range parts {
		if i%2 == 1 && len(parts[i]) == 32 {
			parts[i] = "{id}"
		}
	}
	return method + " /" + strings.Join(parts, "/")
}

// zoneByRef finds a zone by ID or by name (case-insensitive, one trailing dot
// ignored).
func (s *Server) zoneByRef(ref string) *zone {
	if z, ok := s.zones[ref]; ok {
		return z
	}
	name := strings.TrimSuffix(strings.ToLower(ref), ".")
	if z := s.active[name]; z != nil {
		return z
	}
	for _, z := range s.zones {
		if z.name == name {
			return z
		}
	}
	return nil
}

// AddRecord stores a fixture in zone (a name or an ID; the zone is added if
// it does not exist) without the API's validation, so that tests can set up
// what the API would refuse: apex NS and SOA, read-only (Email Routing)
// records. The name may be relative or "@". A proxied record gets TTL 1, a TTL
// of 0 becomes 1, and the content of types with data is derived from Data
// when Content is empty. It returns the record with its ID set.
func (s *Server) AddRecord(zoneRef string, r Record) Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zoneByRef(zoneRef)
	if z == nil {
		z = s.addZone(zoneRef)
	}
	r = r.clone()
	r.Type = strings.ToUpper(r.Type)
	r.Name = canonicalName(r.Name, z.name)
	if r.Proxied || r.TTL == 0 {
		r.TTL = 1
	}
	if keys, ok := dataKeys[r.Type]; ok && r.Content == "" && r.Data != nil {
		tmp := r.clone()
		if finishData(&tmp, keys) == nil {
			r.Content, r.Data = tmp.Content, tmp.Data
			if r.Priority == nil {
				r.Priority = tmp.Priority
			}
		}
	}
	r.ID = s.newID(z)
	now := s.opts.Now().UTC()
	z.records[r.ID] = &stored{Record: r, created: now, modified: now}
	return r.clone()
}

// NameServers returns the two nameservers Cloudflare assigns zone (a name
// or an ID), as its zone object's name_servers: fixed names here.
func (s *Server) NameServers(zoneRef string) []string {
	return slices.Clone(s.assigned())
}

// SetMultiProvider sets zone's dns_settings multi_provider, as the dashboard's
// DNS › Settings › Multi-provider DNS switch does.
func (s *Server) SetMultiProvider(zoneRef string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if z := s.zoneByRef(zoneRef); z != nil {
		z.multiProvider = on
	}
}

// MultiProvider reports zone's dns_settings multi_provider.
func (s *Server) MultiProvider(zoneRef string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zoneByRef(zoneRef)
	return z != nil && z.multiProvider
}

// ServedApexNS returns the apex NS names Cloudflare would answer for zone,
// sorted: its own assigned nameservers, plus the user-added apex NS records
// when multi_provider is on; off, those records are stored but ignored
// (developers.cloudflare.com/dns/nameservers/nameserver-options/, "Cloudflare
// will no longer ignore NS records created on the zone apex"; also
// octodns/octodns-cloudflare#11, dig showing only Cloudflare's names).
func (s *Server) ServedApexNS(zoneRef string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.assigned())
	z := s.zoneByRef(zoneRef)
	if z == nil || !z.multiProvider {
		return out
	}
	for _, r := range z.records {
		if r.Type == "NS" && r.Name == z.name && !slices.Contains(out, r.Content) {
			out = append(out, r.Content)
		}
	}
	slices.Sort(out)
	return out
}

// assignedNS are the nameservers every emulated zone is given, unless
// Options.Nameservers says otherwise.
var assignedNS = []string{"ada.ns.cloudflare.com", "bob.ns.cloudflare.com"}

// assigned are the server's nameservers (Options.Nameservers, or
// assignedNS).
func (s *Server) assigned() []string {
	if len(s.opts.Nameservers) > 0 {
		return s.opts.Nameservers
	}
	return assignedNS
}

// newID returns a fresh record ID: 32 hex digits, deterministic per server.
func (s *Server) newID(z *zone) string {
	s.seq++
	sum := sha256.Sum256(fmt.Appendf(nil, "record/%s/%d", z.name, s.seq))
	return hex.EncodeToString(sum[:16])
}

// Records returns the records of zone (a name or an ID) in the API's stable
// order: type, name, content, id. It returns nil for an unknown zone.
func (s *Server) Records(zoneRef string) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zoneByRef(zoneRef)
	if z == nil {
		return nil
	}
	var out []Record
	for _, r := range sortedRecords(z.records) {
		out = append(out, r.Record.clone())
	}
	return out
}

// Inject adds a fault. Faults are tried in the order they were added; the
// first that matches a request applies.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{Fault: f, left: f.Times, spare: f.After})
}

// ClearFaults removes all faults.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Requests returns every request received so far, in arrival order, with
// the status answered (0 for a reset connection).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.counts = make(map[string]int)
	s.logGen++
}

// statusWriter records the status written.
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

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// serve is the entry point: log, faults, authentication, rate limit, route.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	token := bearer(r.Header.Get("Authorization"))

	s.mu.Lock()
	idx, gen := len(s.requests), s.logGen
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body), Token: token})
	s.counts[endpoint(r.Method, r.URL.Path)]++
	s.mu.Unlock()

	sw := &statusWriter{ResponseWriter: w}
	status := 0
	if !s.handle(sw, r, body) {
		status = sw.status
	}
	s.mu.Lock()
	if gen == s.logGen {
		s.requests[idx].Status = status
	}
	s.mu.Unlock()
}

// handle answers one request. It reports whether the connection was reset
// (or the request abandoned) without an answer.
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
			// HTTP/2 cannot be hijacked; net/http's documented way to
			// abort a response is this sentinel panic, recovered by the
			// server, which then resets the stream.
			panic(http.ErrAbortHandler)
		}
		if f.Status != 0 {
			writeFault(w, f.Fault)
			return false
		}
	}
	const prefix = "/client/v4"
	if !strings.HasPrefix(r.URL.Path, prefix+"/") {
		writeFailure(w, noRoute(r.URL.Path))
		return false
	}
	path := strings.TrimPrefix(r.URL.Path, prefix)
	token, f := s.authenticate(r, path)
	if f != nil {
		writeFailure(w, f)
		return false
	}
	if s.opts.RateLimit > 0 && !s.allow(w, token) {
		return false
	}
	s.route(w, r, path, body)
	return false
}

// bearer extracts the token of an "Authorization: Bearer <token>" header.
func bearer(h string) string {
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// authenticate checks the Authorization header: missing gives 400/9106,
// malformed 400/6003 with 6111, an unknown token 403/9109, a zone-only token
// on a record route 403/10000.
func (s *Server) authenticate(r *http.Request, path string) (string, *failure) {
	h := r.Header.Get("Authorization")
	if h == "" && r.Header.Get("X-Auth-Key") == "" {
		return "", fail(400, 9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")
	}
	token := bearer(h)
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", &failure{status: 400, errs: []apiError{{Code: 6003, Message: "Invalid request headers",
			ErrorChain: []apiError{{Code: 6111, Message: "Invalid format for Authorization header"}}}}}
	}
	zoneRoute := path == "/zones" || (strings.HasPrefix(path, "/zones/") && strings.Count(path, "/") == 2)
	if contains(s.opts.RecordTokens, token) {
		if !zoneRoute {
			return token, nil
		}
		return "", fail(403, 9109, "Unauthorized to access requested resource")
	}
	if contains(s.opts.ZoneTokens, token) {
		if zoneRoute && r.Method == http.MethodGet {
			return token, nil
		}
		return "", fail(403, 10000, "Authentication error")
	}
	if len(s.opts.Tokens) > 0 && !contains(s.opts.Tokens, token) {
		return "", fail(403, 9109, "Invalid access token")
	}
	return token, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// matchFault returns the first fault matching r and counts the hit.
func (s *Server) matchFault(r *http.Request) *faultState {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
			continue
		}
		if f.Path != "" && !strings.Contains(r.URL.Path, f.Path) {
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
		return f
	}
	return nil
}

// allow counts a request against the token's window. Past the limit it
// answers 429 with Retry-After and blocks the token for one window, as
// Cloudflare does (1200 requests per 5 minutes, then 5 minutes of 429s). It
// also sets Ratelimit and Ratelimit-Policy headers in the IETF draft form
// Cloudflare documents (the exact field values are unverified).
func (s *Server) allow(w http.ResponseWriter, token string) bool {
	s.mu.Lock()
	now := s.opts.Now()
	st := s.rate[token]
	if st == nil {
		st = &rateState{start: now}
		s.rate[token] = st
	}
	var retry time.Duration
	switch {
	case now.Before(st.blockedUntil):
		retry = st.blockedUntil.Sub(now)
	default:
		if !st.blockedUntil.IsZero() || now.Sub(st.start) >= s.opts.RateWindow {
			st.start, st.count, st.blockedUntil = now, 0, time.Time{}
		}
		st.count++
		if st.count > s.opts.RateLimit {
			st.blockedUntil = now.Add(s.opts.RateWindow)
			retry = s.opts.RateWindow
		}
	}
	remaining := max(s.opts.RateLimit-st.count, 0)
	reset := st.start.Add(s.opts.RateWindow).Sub(now)
	if retry > 0 {
		remaining, reset = 0, retry
	}
	s.mu.Unlock()

	window := int(s.opts.RateWindow / time.Second)
	w.Header().Set("Ratelimit-Policy", fmt.Sprintf(`"default";q=%d;w=%d`, s.opts.RateLimit, window))
	w.Header().Set("Ratelimit", fmt.Sprintf(`"default";r=%d;t=%d`, remaining, seconds(reset)))
	if retry == 0 {
		return true
	}
	w.Header().Set("Retry-After", fmt.Sprint(seconds(retry)))
	writeFailure(w, fail(429, 971, fmt.Sprintf(
		"More than %d requests per %d seconds reached. Please wait and consider throttling your request speed",
		s.opts.RateLimit, window)))
	return false
}

// seconds rounds d up to whole seconds.
func seconds(d time.Duration) int {
	return int(math.Ceil(d.Seconds()))
}

// writeFault answers with an injected error status.
func writeFault(w http.ResponseWriter, f Fault) {
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(max(seconds(f.RetryAfter), 1)))
	}
	text := http.StatusText(f.Status)
	if f.HTML {
		// The shape of the pages Cloudflare's edge (nginx) serves for 5xx.
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n",
			f.Status, text, f.Status, text)
		return
	}
	if f.Status == http.StatusTooManyRequests {
		// Code 971 is commonly reported for Cloudflare's 429 (unverified).
		writeFailure(w, fail(429, 971, "Please wait and consider throttling your request speed"))
		return
	}
	// For other statuses the real JSON error codes are unknown; the status
	// itself is used as the code.
	writeFailure(w, fail(f.Status, f.Status, text))
}

// noRoute answers a path that matches no route (codes as reported by users;
// the HTTP status is unverified).
func noRoute(path string) *failure {
	return &failure{status: 400, errs: []apiError{
		{Code: 7003, Message: fmt.Sprintf("Could not route to %s, perhaps your object identifier is invalid?", path)},
		{Code: 7000, Message: "No route for that URI"},
	}}
}

// sortedZones returns zones by name (then ID), kept until a zone is added
// or deleted, so that listing many zones page by page stays cheap. s.mu
// must be held; callers must not change the slice.
func (s *Server) sortedZones() []*zone {
	if s.sorted != nil {
		return s.sorted
	}
	out := make([]*zone, 0, len(s.zones))
	for _, z := range s.zones {
		out = append(out, z)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].name != out[j].name {
			return out[i].name < out[j].name
		}
		return out[i].id < out[j].id
	})
	s.sorted = out
	return out
}
