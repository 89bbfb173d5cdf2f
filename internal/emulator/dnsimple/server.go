package dnsimple

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configures a Server. The zero value gives DNSimple's behaviour
// with the rate limiter off.
type Options struct {
	// Tokens are the accepted API tokens (Authorization: Bearer <token>).
	// Empty means any non-empty token is accepted.
	Tokens []string
	// AccountID is the one account the tokens reach (default 1010, the
	// account of DNSimple's examples). A request for another account gets
	// 404.
	AccountID int64
	// UserToken makes GET /v2/whoami answer as for a user token (account
	// null, the user set); otherwise as for an account token.
	UserToken bool
	// RateLimit is the number of requests a token may make per hour (real:
	// 2,400 for authenticated requests); 0 turns the limiter off and no
	// X-RateLimit-* headers are sent. Past it, every request of that token
	// gets 429 until the window resets.
	RateLimit int
	// RateWindow defaults to one hour.
	RateWindow time.Duration
	// Enterprise enables POST /v2/{account}/zones/{zone}/batch (DNSimple's
	// Enterprise plan only); otherwise it answers 412.
	Enterprise bool
	// BatchLimit is the most operations one batch may hold (default 100).
	BatchLimit int
	// Now is the clock (default time.Now); tests move the rate window
	// with it without sleeping.
	Now func() time.Time
}

// Fault is an injected failure. It matches requests by method and path
// substring and hits the first Times of them (0: every one until
// ClearFaults). Faults apply before authentication and the rate limiter.
type Fault struct {
	Method     string        // "" = any
	Path       string        // substring of the URL path ("" = any), e.g. "/records"
	Status     int           // 429, 500, 502, 503...; 0 = no error (latency only)
	RetryAfter time.Duration // sets Retry-After (whole seconds, rounded up) when > 0
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

// Record is a zone record as the emulator stores it and the API returns
// it: Name is relative to the zone ("" for the apex), Priority is set for
// MX and SRV only.
type Record struct {
	ID           int64    `json:"id"`
	ZoneID       string   `json:"zone_id"`
	ParentID     *int64   `json:"parent_id"`
	Name         string   `json:"name"`
	Content      string   `json:"content"`
	TTL          int      `json:"ttl"`
	Priority     *int     `json:"priority"`
	Type         string   `json:"type"`
	Regions      []string `json:"regions"`
	SystemRecord bool     `json:"system_record"`
	CreatedAt    string   `json:"created_at"`
	UpdatedAt    string   `json:"updated_at"`
}

func (r Record) clone() Record {
	r.Regions = slices.Clone(r.Regions)
	if r.Priority != nil {
		p := *r.Priority
		r.Priority = &p
	}
	return r
}

// Server is a running emulator. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL, like http://127.0.0.1:PORT; the API is under
	// URL+"/v2".
	URL string

	ts   *httptest.Server
	opts Options
	done chan struct{}

	mu       sync.Mutex
	zones    map[string]*zone // by name, lower case, no final dot
	seq      int64
	faults   []*faultState
	requests []Request
	counts   map[string]int
	logGen   int
	rate     map[string]*rateState
}

type zone struct {
	name    string
	records map[int64]*Record
}

type faultState struct {
	Fault
	left, spare int
}

type rateState struct {
	reset time.Time // end of the current window
	count int
}

// New starts an emulator on 127.0.0.1 with plain HTTP. Close it when done.
func New(opts Options) *Server {
	if opts.AccountID == 0 {
		opts.AccountID = 1010
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = time.Hour
	}
	if opts.BatchLimit <= 0 {
		opts.BatchLimit = 100
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, done: make(chan struct{}), zones: map[string]*zone{}, counts: map[string]int{}, rate: map[string]*rateState{}}
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

// AccountID returns the account the tokens reach.
func (s *Server) AccountID() int64 { return s.opts.AccountID }

// SystemNameservers are the apex NS records DNSimple creates in every zone.
var SystemNameservers = []string{"ns1.dnsimple.com", "ns2.dnsimple-edge.net", "ns3.dnsimple.com", "ns4.dnsimple-edge.org"}

// AddZone adds a zone (a name, with or without the final dot) holding
// DNSimple's system records: the SOA and the four apex NS records, all
// "system_record": true. Adding an existing zone does nothing.
func (s *Server) AddZone(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name = zoneName(name)
	if s.zones[name] != nil {
		return
	}
	z := &zone{name: name, records: map[int64]*Record{}}
	s.zones[name] = z
	s.store(z, Record{Type: "SOA", Content: fmt.Sprintf("ns1.dnsimple.com admin.dnsimple.com %d 86400 7200 604800 300", 1458642070), TTL: 3600, SystemRecord: true})
	for _, ns := range SystemNameservers {
		s.store(z, Record{Type: "NS", Content: ns, TTL: 3600, SystemRecord: true})
	}
}

// AddRecord stores a fixture in zone (added if missing) without the API's
// validation, so that tests can set up what the API would not make
// (ALIAS, URL and POOL records, records in some regions only, system
// records, TXT content in any quoting). Regions default to ["global"].
// It returns the record with its ID set.
func (s *Server) AddRecord(zoneRef string, r Record) Record {
	s.AddZone(zoneRef)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store(s.zones[zoneName(zoneRef)], r).clone()
}

// store gives r an ID and timestamps and keeps it in z. s.mu must be held.
func (s *Server) store(z *zone, r Record) *Record {
	s.seq++
	r.ID = s.seq
	r.ZoneID = z.name
	r.Type = strings.ToUpper(r.Type)
	if len(r.Regions) == 0 {
		r.Regions = []string{"global"}
	}
	now := s.opts.Now().UTC().Format(time.RFC3339)
	r.CreatedAt, r.UpdatedAt = now, now
	p := &r
	z.records[r.ID] = p
	return p
}

// Records returns the records of zone in ID order (DNSimple's default
// sort), nil for an unknown zone.
func (s *Server) Records(zoneRef string) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zones[zoneName(zoneRef)]
	if z == nil {
		return nil
	}
	var out []Record
	for _, r := range z.sorted() {
		out = append(out, r.clone())
	}
	return out
}

func (z *zone) sorted() []*Record {
	ids := slices.Sorted(maps.Keys(z.records))
	out := make([]*Record, len(ids))
	for i, id := range ids {
		out[i] = z.records[id]
	}
	return out
}

func zoneName(n string) string { return strings.TrimSuffix(strings.ToLower(n), ".") }

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

// Requests returns every request received since the last ResetRequests,
// in arrival order, with the status answered (0 for a reset connection).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Counts returns how many requests each endpoint has received since the
// last ResetRequests, by method and route with the account, zone and
// record as placeholders: "GET /v2/{account}/zones/{zone}/records",
// "POST /v2/{account}/zones/{zone}/batch", "DELETE
// /v2/{account}/zones/{zone}/records/{id}", "GET /v2/whoami".
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.counts)
}

// ResetRequests empties the request log and the counts.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests, s.counts = nil, map[string]int{}
	s.logGen++
}

// endpoint is a request's route with placeholders (see Counts).
func endpoint(method, path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	names := []string{"", "{account}", "", "{zone}", "", "{id}"}
	for i := range parts {
		if i < len(names) && names[i] != "" && len(parts) > 2 {
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

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

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
	if !s.handle(sw, r, token, body) {
		status = sw.status
	}
	s.mu.Lock()
	if gen == s.logGen {
		s.requests[idx].Status = status
	}
	s.mu.Unlock()
}

// handle answers one request; it reports whether the connection was reset
// without an answer.
func (s *Server) handle(w *statusWriter, r *http.Request, token string, body []byte) (reset bool) {
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
				w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
			}
			msg := http.StatusText(f.Status)
			if f.Status == http.StatusTooManyRequests {
				msg = rateMessage
			}
			writeError(w, f.Status, msg, nil)
			return false
		}
	}
	// DNSimple answers 401 to a missing or unknown token with this body
	// (developer.dnsimple.com/v2/#authentication; body unverified).
	if token == "" || len(s.opts.Tokens) > 0 && !slices.Contains(s.opts.Tokens, token) {
		writeError(w, http.StatusUnauthorized, "Authentication failed", nil)
		return false
	}
	if s.opts.RateLimit > 0 && !s.allow(w, token) {
		return false
	}
	s.route(w, r, body)
	return false
}

// rateMessage is the body's message of a 429 (wording unverified).
const rateMessage = "API rate limit exceeded"

// allow counts a request against the token's hourly window and sets the
// X-RateLimit-Limit, -Remaining and -Reset (epoch seconds) headers
// DNSimple sends on every answer (developer.dnsimple.com/v2/#rate-limiting).
// Past the limit it answers 429 without Retry-After: DNSimple documents
// only the X-RateLimit headers.
func (s *Server) allow(w http.ResponseWriter, token string) bool {
	s.mu.Lock()
	now := s.opts.Now()
	st := s.rate[token]
	if st == nil || !now.Before(st.reset) {
		st = &rateState{reset: now.Add(s.opts.RateWindow)}
		s.rate[token] = st
	}
	st.count++
	over := st.count > s.opts.RateLimit
	remaining := max(s.opts.RateLimit-st.count, 0)
	reset := st.reset
	s.mu.Unlock()
	w.Header().Set("X-RateLimit-Limit", strconv.Itoa(s.opts.RateLimit))
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	if over {
		writeError(w, http.StatusTooManyRequests, rateMessage, nil)
		return false
	}
	return true
}

// RateRemaining returns how many requests token has left in its window
// (RateLimit when it has made none), and when the window resets.
func (s *Server) RateRemaining(token string) (int, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.rate[token]
	if st == nil || !s.opts.Now().Before(st.reset) {
		return s.opts.RateLimit, time.Time{}
	}
	return max(s.opts.RateLimit-st.count, 0), st.reset
}

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

func bearer(h string) string {
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// writeError answers DNSimple's error body: {"message": ..., "errors":
// {attribute: [reasons]}} (errors only for validation failures).
func writeError(w http.ResponseWriter, status int, msg string, errs any) {
	body := map[string]any{"message": msg}
	if errs != nil {
		body["errors"] = errs
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}
