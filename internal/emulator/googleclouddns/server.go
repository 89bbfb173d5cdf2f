package googleclouddns

import (
	"cmp"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	dnsv1 "google.golang.org/api/dns/v1"
)

// Options configures a Server. The zero value gives Cloud DNS's default
// limits.
type Options struct {
	// Project is the one project the emulator holds ("emu-project" when
	// empty); requests for another get 404.
	Project string
	// AdditionsPerChange, DeletionsPerChange (default 1,000 each),
	// RrdataBytesPerChange (default 100,000), RecordsPerRRset (default
	// 100) and RRsetsPerZone (default 10,000) are the quotas.
	AdditionsPerChange, DeletionsPerChange int
	RrdataBytesPerChange                   int
	RecordsPerRRset, RRsetsPerZone         int
	// PageSize is the default and largest maxResults of the listings
	// (default 1,000).
	PageSize int
	// PendingFor is how long a change stays "pending" before it is
	// "done" (0: done at once).
	PendingFor time.Duration
	// TokenLifetime is how long an access token is good for (default one
	// hour).
	TokenLifetime time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Fault is an injected failure: it matches requests by method and path
// substring and hits the first Times of them (0: every one until
// ClearFaults), after letting After through.
type Fault struct {
	Method     string        // "" = any
	Path       string        // substring of the URL path, e.g. "/changes" or "/token"
	Status     int           // 429 (rateLimitExceeded), 500, 503 (backendError); 0 = latency only
	RetryAfter time.Duration // sets Retry-After (whole seconds) when > 0
	Latency    time.Duration
	Times      int
	After      int
	// Lost handles the request first and then answers Status instead of
	// its reply: a change Cloud DNS made whose answer never arrived.
	Lost bool
}

// Request is one entry of the request log.
type Request struct {
	Method, Path, Query string
	Endpoint            string // "token", "managedZones.list", "rrsets.list", "changes.create", ...
	Status              int
}

// Server is a running emulator. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL, http://127.0.0.1:PORT; the API is under
	// URL+"/dns/v1/", the token endpoint is TokenURL.
	URL, TokenURL string

	ts   *httptest.Server
	opts Options

	mu       sync.Mutex
	zones    []*zone
	keys     map[string]*rsa.PublicKey // by client_email
	tokens   map[string]time.Time      // access token → expiry
	faults   []*faultState
	requests []Request
	seq      int
}

type zone struct {
	name, dnsName, visibility string
	id                        uint64
	sets                      map[key]*dnsv1.ResourceRecordSet
	changes                   []*change
}

type key struct{ name, typ string }

type change struct {
	c    *dnsv1.Change
	done time.Time
}

type faultState struct {
	Fault
	left, spare int
}

// Nameservers are the names every zone is given.
var Nameservers = []string{"ns-cloud-a1.googledomains.com.", "ns-cloud-a2.googledomains.com.", "ns-cloud-a3.googledomains.com.", "ns-cloud-a4.googledomains.com."}

// New starts an emulator. Close it when done.
func New(opts Options) *Server {
	opts.Project = cmp.Or(opts.Project, "emu-project")
	opts.AdditionsPerChange = cmp.Or(opts.AdditionsPerChange, 1000)
	opts.DeletionsPerChange = cmp.Or(opts.DeletionsPerChange, 1000)
	opts.RrdataBytesPerChange = cmp.Or(opts.RrdataBytesPerChange, 100000)
	opts.RecordsPerRRset = cmp.Or(opts.RecordsPerRRset, 100)
	opts.RRsetsPerZone = cmp.Or(opts.RRsetsPerZone, 10000)
	opts.PageSize = cmp.Or(opts.PageSize, 1000)
	opts.TokenLifetime = cmp.Or(opts.TokenLifetime, time.Hour)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, keys: map[string]*rsa.PublicKey{}, tokens: map[string]time.Time{}}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.ts.URL
	s.TokenURL = s.URL + "/token"
	return s
}

// Close stops the server.
func (s *Server) Close() { s.ts.Close() }

// Project returns the emulator's project.
func (s *Server) Project() string { return s.opts.Project }

// AddZone adds a managed zone called name serving dnsName ("example.com.")
// with visibility "public" or "private", holding Cloud DNS's SOA and apex
// NS (Nameservers), as a new zone does.
func (s *Server) AddZone(name, dnsName, visibility string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	dnsName = strings.ToLower(dns.Fqdn(dnsName))
	z := &zone{name: name, dnsName: dnsName, visibility: cmp.Or(visibility, "public"), id: uint64(1000 + s.seq), sets: map[key]*dnsv1.ResourceRecordSet{}}
	z.sets[key{dnsName, "SOA"}] = &dnsv1.ResourceRecordSet{Kind: "dns#resourceRecordSet", Name: dnsName, Type: "SOA", Ttl: 21600,
		Rrdatas: []string{Nameservers[0] + " cloud-dns-hostmaster.google.com. 1 21600 3600 259200 300"}}
	z.sets[key{dnsName, "NS"}] = &dnsv1.ResourceRecordSet{Kind: "dns#resourceRecordSet", Name: dnsName, Type: "NS", Ttl: 21600, Rrdatas: slices.Clone(Nameservers)}
	s.zones = append(s.zones, z)
}

// SetRRset stores an RRset as it is, bypassing every check: a fixture for
// what zonecast does not write (routing policies, ALIAS) or for a change
// made behind the driver's back.
func (s *Server) SetRRset(zoneName string, rr *dnsv1.ResourceRecordSet) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zone(zoneName)
	c := *rr
	c.Kind = "dns#resourceRecordSet"
	z.sets[key{strings.ToLower(c.Name), c.Type}] = &c
}

// RRsets returns a copy of what zone zoneName holds, by name and type.
func (s *Server) RRsets(zoneName string) []*dnsv1.ResourceRecordSet {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sorted(s.zone(zoneName))
}

// ServiceAccountKey makes a service account of the project with a new RSA
// key and returns its key file (JSON, as the Cloud console downloads it),
// whose token_uri is the emulator's token endpoint.
func (s *Server) ServiceAccountKey(email string) ([]byte, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	id := make([]byte, 20)
	rand.Read(id)
	s.mu.Lock()
	s.keys[email] = &k.PublicKey
	s.mu.Unlock()
	return json.MarshalIndent(map[string]string{
		"type": "service_account", "project_id": s.opts.Project, "private_key_id": hex.EncodeToString(id),
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": email, "client_id": "100000000000000000001",
		"auth_uri": s.URL + "/auth", "token_uri": s.TokenURL,
	}, "", "  ")
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

// Counts returns how many requests each endpoint got, faults included.
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string]int{}
	for _, r := range s.requests {
		m[r.Endpoint]++
	}
	return m
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// apiError is Google's JSON error.
type apiError struct {
	code                      int
	reason, message, location string
}

func (e *apiError) write(w http.ResponseWriter) {
	status := map[int]string{400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
		409: "ALREADY_EXISTS", 412: "FAILED_PRECONDITION", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}[e.code]
	if e.reason == "quotaExceeded" {
		status = "RESOURCE_EXHAUSTED"
	}
	item := map[string]string{"domain": "global", "reason": e.reason, "message": e.message}
	if e.location != "" {
		item["location"], item["locationType"] = e.location, "header"
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(e.code)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": e.code, "message": e.message, "errors": []any{item}, "status": status}})
}

func errf(code int, reason, format string, args ...any) *apiError {
	return &apiError{code: code, reason: reason, message: fmt.Sprintf(format, args...)}
}

func endpoint(method, path string) string {
	rest, ok := strings.CutPrefix(path, "/dns/v1/projects/")
	switch {
	case path == "/token":
		return "token"
	case !ok:
		return "other"
	}
	parts := strings.Split(rest, "/")
	switch {
	case len(parts) == 2 && parts[1] == "managedZones":
		return "managedZones.list"
	case len(parts) == 3:
		return "managedZones.get"
	case len(parts) == 4 && parts[3] == "rrsets":
		return "rrsets.list"
	case len(parts) == 4 && parts[3] == "changes" && method == http.MethodPost:
		return "changes.create"
	case len(parts) == 4 && parts[3] == "changes":
		return "changes.list"
	case len(parts) == 5 && parts[3] == "changes":
		return "changes.get"
	}
	return "other"
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w, status: 200}
	ep := endpoint(r.Method, r.URL.Path)
	defer func() {
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Endpoint: ep, Status: sw.status})
		s.mu.Unlock()
	}()
	f := s.fault(r)
	if f != nil && f.Lost {
		// Handle it into the void, then answer the fault.
		if ep != "token" && s.authorize(r) == nil {
			s.api(r, ep)
		}
	}
	if f != nil {
		if f.Latency > 0 {
			select {
			case <-time.After(f.Latency):
			case <-r.Context().Done():
				return
			}
		}
		if f.Status != 0 {
			if f.RetryAfter > 0 {
				sw.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
			}
			switch {
			case f.Status == 429:
				errf(429, "rateLimitExceeded", "Rate Limit Exceeded").write(sw)
			case ep == "token":
				sw.WriteHeader(f.Status)
			default:
				errf(f.Status, "backendError", "Backend Error").write(sw)
			}
			return
		}
	}
	if ep == "token" {
		s.token(sw, r)
		return
	}
	if err := s.authorize(r); err != nil {
		err.write(sw)
		return
	}
	out, err := s.api(r, ep)
	if err != nil {
		err.write(sw)
		return
	}
	sw.Header().Set("Content-Type", "application/json; charset=UTF-8")
	json.NewEncoder(sw).Encode(out)
}

func (s *Server) fault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.Method != "" && f.Method != r.Method || !strings.Contains(r.URL.Path, f.Path) {
			continue
		}
		if f.spare > 0 {
			f.spare--
			continue
		}
		if f.Times > 0 {
			if f.left == 0 {
				continue
			}
			f.left--
		}
		hit := f.Fault
		return &hit
	}
	return nil
}

func (s *Server) authorize(r *http.Request) *apiError {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		e := errf(401, "required", "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
		e.location = "Authorization"
		return e
	}
	s.mu.Lock()
	exp, known := s.tokens[tok]
	s.mu.Unlock()
	if !known || !s.opts.Now().Before(exp) {
		e := errf(401, "authError", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
		e.location = "Authorization"
		return e
	}
	return nil
}

// token serves the JWT-bearer grant (RFC 7523) with OAuth 2.0's error
// body, {"error":"invalid_grant","error_description":…}.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	fail := func(code, desc string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
	}
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		fail("invalid_request", "Bad Request")
		return
	}
	if r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		fail("unsupported_grant_type", "Invalid grant_type: "+r.PostForm.Get("grant_type"))
		return
	}
	parts := strings.Split(r.PostForm.Get("assertion"), ".")
	if len(parts) != 3 {
		fail("invalid_grant", "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe")
		return
	}
	var hdr struct{ Alg string }
	var claims struct {
		Iss, Scope, Aud string
		Exp, Iat        int64
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(hb, &hdr) != nil || json.Unmarshal(cb, &claims) != nil || hdr.Alg != "RS256" {
		fail("invalid_grant", "Invalid JWT Signature.")
		return
	}
	s.mu.Lock()
	pub := s.keys[claims.Iss]
	s.mu.Unlock()
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if pub == nil {
		fail("invalid_grant", "Invalid grant: account not found")
		return
	}
	if rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) != nil {
		fail("invalid_grant", "Invalid JWT Signature.")
		return
	}
	now := s.opts.Now().Unix()
	if claims.Aud != s.TokenURL || claims.Exp <= now || claims.Iat > now+300 || claims.Exp-claims.Iat > 3600 {
		fail("invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.")
		return
	}
	if !slices.ContainsFunc(strings.Fields(claims.Scope), func(sc string) bool {
		return sc == dnsv1.NdevClouddnsReadwriteScope || sc == dnsv1.CloudPlatformScope
	}) {
		fail("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
		return
	}
	b := make([]byte, 24)
	rand.Read(b)
	tok := "ya29.emu-" + hex.EncodeToString(b)
	s.mu.Lock()
	s.tokens[tok] = s.opts.Now().Add(s.opts.TokenLifetime)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(s.opts.TokenLifetime / time.Second)})
}

func (s *Server) zone(name string) *zone {
	for _, z := range s.zones {
		if z.name == name {
			return z
		}
	}
	return nil
}

func (s *Server) sorted(z *zone) []*dnsv1.ResourceRecordSet {
	if z == nil {
		return nil
	}
	out := make([]*dnsv1.ResourceRecordSet, 0, len(z.sets))
	for _, rr := range z.sets {
		c := *rr
		c.Rrdatas = slices.Clone(rr.Rrdatas)
		out = append(out, &c)
	}
	slices.SortFunc(out, func(a, b *dnsv1.ResourceRecordSet) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Type, b.Type))
	})
	return out
}

func (s *Server) api(r *http.Request, ep string) (any, *apiError) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/dns/v1/projects/"), "/")
	if ep == "other" {
		return nil, errf(404, "notFound", "The requested URL %s was not found on this server.", r.URL.Path)
	}
	if parts[0] != s.opts.Project {
		return nil, errf(404, "notFound", "The 'parameters.project' resource named '%s' does not exist.", parts[0])
	}
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	if ep == "managedZones.list" {
		var all []*dnsv1.ManagedZone
		for _, z := range s.zones {
			if d := q.Get("dnsName"); d == "" || strings.EqualFold(dns.Fqdn(d), z.dnsName) {
				all = append(all, s.zoneJSON(z))
			}
		}
		page, next, err := s.page(len(all), q)
		if err != nil {
			return nil, err
		}
		return &dnsv1.ManagedZonesListResponse{Kind: "dns#managedZonesListResponse", ManagedZones: all[page[0]:page[1]], NextPageToken: next}, nil
	}
	z := s.zone(parts[2])
	if z == nil {
		return nil, errf(404, "notFound", "The 'parameters.managedZone' resource named '%s' does not exist.", parts[2])
	}
	switch ep {
	case "managedZones.get":
		return s.zoneJSON(z), nil
	case "rrsets.list":
		all := s.sorted(z)
		if n := q.Get("name"); n != "" {
			all = slices.DeleteFunc(all, func(rr *dnsv1.ResourceRecordSet) bool { return !strings.EqualFold(rr.Name, n) })
		}
		if t := q.Get("type"); t != "" {
			if q.Get("name") == "" {
				return nil, errf(400, "invalid", "Invalid value for 'parameters.type': it requires 'parameters.name'")
			}
			all = slices.DeleteFunc(all, func(rr *dnsv1.ResourceRecordSet) bool { return rr.Type != t })
		}
		page, next, err := s.page(len(all), q)
		if err != nil {
			return nil, err
		}
		return &dnsv1.ResourceRecordSetsListResponse{Kind: "dns#resourceRecordSetsListResponse", Rrsets: all[page[0]:page[1]], NextPageToken: next}, nil
	case "changes.list":
		// sortBy changeSequence (the only order there is), ascending
		// unless sortOrder=descending.
		all := make([]*dnsv1.Change, 0, len(z.changes))
		for _, c := range z.changes {
			all = append(all, s.changeJSON(c))
		}
		if q.Get("sortOrder") == "descending" {
			slices.Reverse(all)
		}
		page, next, err := s.page(len(all), q)
		if err != nil {
			return nil, err
		}
		return &dnsv1.ChangesListResponse{Kind: "dns#changesListResponse", Changes: all[page[0]:page[1]], NextPageToken: next}, nil
	case "changes.get":
		for _, c := range z.changes {
			if c.c.Id == parts[4] {
				return s.changeJSON(c), nil
			}
		}
		return nil, errf(404, "notFound", "The 'parameters.changeId' resource named '%s' does not exist.", parts[4])
	case "changes.create":
		var c dnsv1.Change
		if err := json.NewDecoder(r.Body).Decode(&c); err != nil {
			return nil, errf(400, "parseError", "Parse Error")
		}
		return s.create(z, &c)
	}
	return nil, errf(405, "httpMethodNotAllowed", "Method not allowed")
}

// page cuts [0, n) by maxResults and pageToken (an opaque offset).
func (s *Server) page(n int, q url.Values) ([2]int, string, *apiError) {
	size := s.opts.PageSize
	if m := q.Get("maxResults"); m != "" {
		v, err := strconv.Atoi(m)
		if err != nil || v < 0 {
			return [2]int{}, "", errf(400, "invalid", "Invalid value for 'parameters.maxResults': '%s'", m)
		}
		if v > 0 && v < size {
			size = v
		}
	}
	start := 0
	if t := q.Get("pageToken"); t != "" {
		b, err := base64.RawURLEncoding.DecodeString(t)
		v, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "o:"))
		if err != nil || err2 != nil || v < 0 || v > n {
			return [2]int{}, "", errf(400, "invalid", "Invalid value for 'parameters.pageToken': '%s'", t)
		}
		start = v
	}
	end := min(n, start+size)
	next := ""
	if end < n {
		next = base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(end)))
	}
	return [2]int{start, end}, next, nil
}

func (s *Server) zoneJSON(z *zone) *dnsv1.ManagedZone {
	return &dnsv1.ManagedZone{Kind: "dns#managedZone", Name: z.name, DnsName: z.dnsName, Id: z.id, Visibility: z.visibility,
		NameServers: slices.Clone(Nameservers), CreationTime: "2026-01-01T00:00:00.000Z"}
}

func (s *Server) changeJSON(c *change) *dnsv1.Change {
	out := *c.c
	out.Status, out.IsServing = "done", true
	if s.opts.Now().Before(c.done) {
		out.Status, out.IsServing = "pending", false
	}
	return &out
}

// supported are the types Cloud DNS holds (records-overview), but ALIAS,
// which the emulator stores only through SetRRset.
var supported = []string{"A", "AAAA", "CAA", "CNAME", "DNSKEY", "DS", "HTTPS", "IPSECKEY", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV", "SSHFP", "SVCB", "TLSA", "TXT"}

// canonical parses an RRset's rrdatas; the error names the first bad one.
func canonical(rr *dnsv1.ResourceRecordSet, where string) ([]string, *apiError) {
	var out []string
	for i, d := range rr.Rrdatas {
		p, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", rr.Name, rr.Ttl, rr.Type, d))
		if err != nil || p == nil {
			return nil, errf(400, "invalid", "Invalid value for '%s.rrdata[%d]': '%s'", where, i, d)
		}
		h := p.Header().String()
		out = append(out, strings.TrimPrefix(p.String(), h))
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// create applies a change atomically: every check first, then deletions,
// then additions.
func (s *Server) create(z *zone, c *dnsv1.Change) (any, *apiError) {
	if len(c.Additions) > s.opts.AdditionsPerChange {
		return nil, errf(403, "quotaExceeded", "The change would exceed quota for additions per change.")
	}
	if len(c.Deletions) > s.opts.DeletionsPerChange {
		return nil, errf(403, "quotaExceeded", "The change would exceed quota for deletions per change.")
	}
	size := 0
	for _, rr := range slices.Concat(c.Additions, c.Deletions) {
		for _, d := range rr.Rrdatas {
			size += len(d)
		}
	}
	if size > s.opts.RrdataBytesPerChange {
		return nil, errf(403, "quotaExceeded", "The change would exceed quota for total rrdata size per change.")
	}
	if len(c.Additions)+len(c.Deletions) == 0 {
		return nil, errf(400, "required", "The 'entity.change' resource has no additions or deletions.")
	}
	next := make(map[key]*dnsv1.ResourceRecordSet, len(z.sets))
	for k, v := range z.sets {
		next[k] = v
	}
	seen := map[key]bool{}
	for i, d := range c.Deletions {
		where := fmt.Sprintf("entity.change.deletions[%d]", i)
		k := key{strings.ToLower(d.Name), d.Type}
		if seen[k] {
			return nil, errf(400, "invalid", "The resource '%s' named '%s (%s)' appears twice in the change.", where, d.Name, d.Type)
		}
		seen[k] = true
		cur := next[k]
		if cur == nil {
			return nil, errf(404, "notFound", "The '%s' resource named '%s (%s)' does not exist.", where, d.Name, d.Type)
		}
		want, err := canonical(d, where)
		if err != nil {
			return nil, err
		}
		have, _ := canonical(cur, where)
		if cur.Ttl != d.Ttl || !slices.Equal(want, have) || (cur.RoutingPolicy == nil) != (d.RoutingPolicy == nil) {
			return nil, errf(412, "conditionNotMet", "Precondition not met for '%s'", where)
		}
		delete(next, k)
	}
	seen = map[key]bool{}
	for i, a := range c.Additions {
		where := fmt.Sprintf("entity.change.additions[%d]", i)
		k := key{strings.ToLower(a.Name), a.Type}
		switch {
		case !strings.HasSuffix(a.Name, "."):
			return nil, errf(400, "invalid", "Invalid value for '%s.name': '%s'", where, a.Name)
		case k.name != z.dnsName && !strings.HasSuffix(k.name, "."+z.dnsName):
			return nil, errf(400, "invalid", "The resource record set '%s' is not in the zone '%s' (%s).", where, z.name, z.dnsName)
		case !slices.Contains(supported, a.Type):
			return nil, errf(400, "invalid", "Invalid value for '%s.type': '%s'", where, a.Type)
		case a.Type == "NS" && strings.HasPrefix(k.name, "*."):
			return nil, errf(400, "invalid", "The resource record set '%s' is a wildcard NS record, which is not allowed.", where)
		case a.Ttl < 0 || a.Ttl > 2147483647:
			return nil, errf(400, "invalid", "Invalid value for '%s.ttl': '%d'", where, a.Ttl)
		case len(a.Rrdatas) == 0 && a.RoutingPolicy == nil:
			return nil, errf(400, "required", "Required value for '%s.rrdata'", where)
		case a.Type == "NS" && k.name != z.dnsName && len(a.Rrdatas) > 8:
			return nil, errf(403, "quotaExceeded", "The change would exceed quota for name servers per delegation.")
		case len(a.Rrdatas) > s.opts.RecordsPerRRset:
			return nil, errf(403, "quotaExceeded", "The change would exceed quota for resource records per resource record set.")
		case seen[k]:
			return nil, errf(400, "invalid", "The resource '%s' named '%s (%s)' appears twice in the change.", where, a.Name, a.Type)
		case next[k] != nil:
			return nil, errf(409, "alreadyExists", "The resource '%s' named '%s (%s)' already exists", where, a.Name, a.Type)
		}
		if _, err := canonical(a, where); err != nil {
			return nil, err
		}
		seen[k] = true
		add := *a
		add.Kind, add.Name, add.Rrdatas = "dns#resourceRecordSet", k.name, slices.Clone(a.Rrdatas)
		next[k] = &add
	}
	if next[key{z.dnsName, "SOA"}] == nil || next[key{z.dnsName, "NS"}] == nil {
		return nil, errf(400, "invalid", "The change would delete the SOA or NS record set at the zone apex '%s'; it can be replaced, not deleted.", z.dnsName)
	}
	names := map[string][]string{}
	for k := range next {
		names[k.name] = append(names[k.name], k.typ)
	}
	for n, ts := range names {
		if len(ts) > 1 && slices.Contains(ts, "CNAME") {
			return nil, errf(400, "invalid", "The resource record set 'entity.change' is invalid because the DNS name '%s' has a CNAME record and other records.", n)
		}
	}
	if len(next) > s.opts.RRsetsPerZone {
		return nil, errf(403, "quotaExceeded", "The change would exceed quota for resource record sets per managed zone.")
	}
	// Cloud DNS moves the serial itself unless the change replaces the
	// SOA (unverified, see doc.go).
	if soa := next[key{z.dnsName, "SOA"}]; soa == z.sets[key{z.dnsName, "SOA"}] && len(soa.Rrdatas) == 1 {
		f := strings.Fields(soa.Rrdatas[0])
		if len(f) == 7 {
			if n, err := strconv.ParseUint(f[2], 10, 32); err == nil {
				f[2] = strconv.FormatUint((n+1)%(1<<32), 10)
				c := *soa
				c.Rrdatas = []string{strings.Join(f, " ")}
				next[key{z.dnsName, "SOA"}] = &c
			}
		}
	}
	z.sets = next
	s.seq++
	now := s.opts.Now()
	stored := &change{c: &dnsv1.Change{Kind: "dns#change", Id: strconv.Itoa(len(z.changes) + 1), Additions: c.Additions, Deletions: c.Deletions,
		StartTime: now.UTC().Format(time.RFC3339Nano)}, done: now.Add(s.opts.PendingFor)}
	z.changes = append(z.changes, stored)
	return s.changeJSON(stored), nil
}
