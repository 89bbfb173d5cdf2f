package route53

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options configure a Server. The zero value behaves like the real service.
type Options struct {
	// PageSize is the most record sets one ListResourceRecordSets page
	// holds, whatever maxitems asks for (default 300, like the real
	// service).
	PageSize int
	// TokenBucket throttles like the real per-account bucket: capacity 50
	// requests, refilled at 10 per second; a request that finds it empty is
	// answered 400 Throttling "Rate exceeded".
	TokenBucket bool
	// MessagesForm sends InvalidChangeBatch errors as
	// <InvalidChangeBatch><Messages><Message>… (the SDK then sets
	// Messages and Message "ChangeBatch errors occurred") instead of the
	// <ErrorResponse> form whose Message is "[m1, m2]". Current accounts
	// answer with the <ErrorResponse> form (external-dns logs from 2025 show
	// "InvalidChangeBatch: [Tried to create …, Tried to create …]" through
	// SDK v2, which prints Message); both forms are accepted by the SDK.
	MessagesForm bool
}

// Server is a running emulator. Its methods are safe for concurrent use.
type Server struct {
	URL string // base URL, for BaseEndpoint or AWS_ENDPOINT_URL_ROUTE_53

	opts Options
	http *httptest.Server

	mu         sync.Mutex
	rng        *rand.Rand
	zones      []*zone // in creation order
	byID       map[string]*zone
	byName     []*zone        // zones in ListHostedZonesByName order; nil: make it again
	counts     map[string]int // requests by operation (see Counts)
	changes    map[string]*change
	pending    int
	pendingFor time.Duration
	faults     []*faultState
	requests   []Request
	tokens     float64
	refilled   time.Time
}

// Fault is a failure the Server answers with instead of serving a request.
type Fault struct {
	// Op is the operation it applies to ("ListResourceRecordSets",
	// "ChangeResourceRecordSets", "ListHostedZonesByName", "GetChange",
	// "GetHostedZone", "ListHostedZones"); "" matches any.
	Op string
	// Code is the error code: "Throttling" and "PriorRequestNotComplete"
	// (HTTP 400, both retried by the SDK), "ServiceUnavailable" (503),
	// "InternalFailure" (500), or any other code (400). Empty with a Status
	// picks the code from the status.
	Code string
	// Status overrides the HTTP status of the error.
	Status int
	// Latency delays the answer; a Fault with only a Latency delays the
	// request, which is then served normally.
	Latency time.Duration
	// Reset closes the connection without an answer (TCP RST).
	Reset bool
	// Times is how many matching requests it applies to; 0 means until
	// ClearFaults.
	Times int
}

type faultState struct {
	Fault
	used int
}

// Request is one request as the Server received it, in the log.
type Request struct {
	Op      string // operation name, "" if the path is not an operation
	Method  string
	Path    string
	Query   string // raw query
	Body    string
	Status  int // status answered; 0 for a reset connection
	Changes int // Change elements in a ChangeResourceRecordSets body
}

// New starts a Server on a loopback port; Close stops it.
func New(opts Options) *Server {
	if opts.PageSize <= 0 {
		opts.PageSize = 300
	}
	s := &Server{
		opts:    opts,
		rng:     rand.New(rand.NewPCG(53, 2013)),
		changes: map[string]*change{},
		byID:    map[string]*zone{},
		counts:  map[string]int{},
		tokens:  bucketCapacity,
	}
	s.refilled = time.Now()
	s.http = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.http.URL
	return s
}

// Close stops the server and waits for requests in flight.
func (s *Server) Close() { s.http.Close() }

const idChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// newID returns prefix and n pseudo-random upper-case alphanumerics, from
// a fixed seed so that runs are reproducible. s.mu must be held.
func (s *Server) newID(prefix string, n int) string {
	b := []byte(prefix)
	for range n {
		b = append(b, idChars[s.rng.IntN(len(idChars))])
	}
	return string(b)
}

// newRequestID returns a UUID-shaped request id. s.mu must be held.
func (s *Server) newRequestID() string {
	a, b := s.rng.Uint64(), s.rng.Uint64()
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, a>>16&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

// AddZone creates a public hosted zone for name and returns its id ("Z"
// and 20 upper-case alphanumerics, without the /hostedzone/ prefix). Like
// the real service it seeds the apex SOA (TTL 900) and an NS set of four
// awsdns name servers (TTL 172800). Several zones may have the same name.
// An invalid name is stored as given.
func (s *Server) AddZone(name string) string { return s.addZone(name, false) }

// AddPrivateZone creates a private hosted zone for name, as AddZone does a
// public one. Private zones are listed by ListHostedZonesByName beside the
// public ones, with Config/PrivateZone true (API reference,
// ListHostedZonesByName: the response covers every hosted zone of the
// account); their records are served only inside their VPCs, which the
// emulator does not model.
func (s *Server) AddPrivateZone(name string) string { return s.addZone(name, true) }

func (s *Server) addZone(name string, private bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addZoneLocked(name, private).id
}

// AddZones creates n generated public hosted zones, zone00000.example. to
// zoneNNNNN.example. (RFC 2606's reserved name), each holding records
// record sets (at least 3, the apex SOA and NS among them): an apex MX, www
// and hosts h0, h1... as A sets. It is cheap enough for tens of thousands
// of zones, for tests and benchmarks of accounts that hold many. It
// returns the zone ids in order.
func (s *Server) AddZones(n, records int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, n)
	for i := range n {
		z := s.addZoneLocked(fmt.Sprintf("zone%05d.example.", i), false)
		ids[i] = z.id
		sets := []RRSet{
			{Name: z.name, Type: "MX", TTL: 300, Values: []string{"10 mail." + z.name}},
			{Name: "www." + z.name, Type: "A", TTL: 300, Values: []string{"192.0.2.1"}},
		}
		for h := 0; len(z.sets)+len(sets) < records; h++ {
			sets = append(sets, RRSet{Name: fmt.Sprintf("h%d.%s", h, z.name), Type: "A", TTL: 300, Values: []string{fmt.Sprintf("192.0.2.%d", h%250+1)}})
		}
		for _, r := range sets {
			z.sets = z.sets.put(r)
		}
	}
	return ids
}

// DeleteZone removes a hosted zone and its record sets; its id then answers
// NoSuchHostedZone.
func (s *Server) DeleteZone(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zone(id)
	if z == nil {
		return
	}
	delete(s.byID, z.id)
	s.byName = nil
	s.zones = slices.DeleteFunc(s.zones, func(x *zone) bool { return x == z })
}

// Counts returns how many requests each operation has received since the
// last ResetRequests ("ListHostedZones", "ListHostedZonesByName",
// "ListResourceRecordSets", "ChangeResourceRecordSets", "GetHostedZone",
// "GetChange"; "" for a path that is none).
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.counts)
}

func (s *Server) addZoneLocked(name string, private bool) *zone {
	cn, err := canonicalName(name)
	if err != nil {
		cn = name
	}
	z := &zone{id: s.newID("Z", 20), name: cn, callerRef: s.newRequestID(), private: private}
	// A delegation set is one server under each of four TLDs; the number
	// and the awsdns-NN group go together (ns-1234 is in awsdns-26.org).
	for i, tld := range []string{"com", "net", "org", "co.uk"} {
		n := i*512 + s.rng.IntN(512)
		z.nameServers = append(z.nameServers, fmt.Sprintf("ns-%d.awsdns-%02d.%s.", n, n%512/8, tld))
	}
	z.sets = z.sets.put(RRSet{Name: cn, Type: "NS", TTL: 172800, Values: slices.Clone(z.nameServers)})
	z.sets = z.sets.put(RRSet{Name: cn, Type: "SOA", TTL: 900, Values: []string{
		z.nameServers[0] + " awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400",
	}})
	z.key = sortKey(cn)
	s.zones = append(s.zones, z)
	s.byID[z.id] = z
	s.byName = nil
	return z
}

// AddRRSet stores r in the zone as a fixture, bypassing the API's rules
// (so tests can build states such as alias and weighted sets directly). The
// name is normalised as the API would; a set with the same name, type and
// SetIdentifier is replaced. An unknown zoneID is ignored.
func (s *Server) AddRRSet(zoneID string, r RRSet) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zone(zoneID)
	if z == nil {
		return
	}
	r = r.clone()
	if cn, err := canonicalName(r.Name); err == nil {
		r.Name = cn
	}
	r.Type = strings.ToUpper(r.Type)
	if r.Alias != nil {
		r.TTL, r.Values = 0, nil
		if dn, err := canonicalName(r.Alias.DNSName); err == nil {
			r.Alias.DNSName = dn
		}
	}
	z.sets = z.sets.put(r)
}

// RRSets returns the zone's record sets in the order ListResourceRecordSets
// lists them, or nil for an unknown zone.
func (s *Server) RRSets(zoneID string) []RRSet {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zone(zoneID)
	if z == nil {
		return nil
	}
	out := make([]RRSet, len(z.sets))
	for i, e := range z.sets {
		out[i] = e.set.clone()
	}
	return out
}

// Inject adds a fault; faults are tried in the order they were added, and
// the first matching one that has Times left applies.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{Fault: f})
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Requests returns the log of requests received, oldest first.
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
	s.counts = map[string]int{}
}

// SetPending makes GetChange answer PENDING n times for each change
// submitted from now on, then INSYNC. The default, 0, is INSYNC at once
// (ChangeResourceRecordSets itself always answers PENDING, as the real
// service does).
func (s *Server) SetPending(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = n
}

// SetPendingFor makes GetChange answer PENDING for each change submitted
// from now on until d has passed since its submission, then INSYNC, the way
// the real service reports propagation ("Changes generally propagate to
// all Route 53 name servers within 60 seconds", developer guide, Editing
// records). It adds to SetPending's count; 0 turns it off.
func (s *Server) SetPendingFor(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pendingFor = d
}

// zone finds a zone by id, with or without the /hostedzone/ prefix.
// s.mu must be held.
func (s *Server) zone(id string) *zone {
	return s.byID[strings.TrimPrefix(id, "/hostedzone/")]
}

const (
	bucketCapacity = 50
	bucketRefill   = 10 // tokens per second
)

// takeToken reports whether the token bucket allows a request. s.mu must
// be held.
func (s *Server) takeToken() bool {
	now := time.Now()
	s.tokens = min(bucketCapacity, s.tokens+now.Sub(s.refilled).Seconds()*bucketRefill)
	s.refilled = now
	if s.tokens < 1 {
		return false
	}
	s.tokens--
	return true
}

// matchFault returns the fault to apply to op, using up one of its Times.
// s.mu must be held.
func (s *Server) matchFault(op string) (Fault, bool) {
	for i, f := range s.faults {
		if f.Op != "" && f.Op != op {
			continue
		}
		f.used++
		if f.Times > 0 && f.used >= f.Times {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		return f.Fault, true
	}
	return Fault{}, false
}

// apiError is an error answer.
type apiError struct {
	status   int
	code     string
	message  string
	messages []string // InvalidChangeBatch messages
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func invalidInput(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "InvalidInput", message: fmt.Sprintf(format, args...)}
}

func noSuchZone(id string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "NoSuchHostedZone", message: "No hosted zone found with ID: " + strings.TrimPrefix(id, "/hostedzone/")}
}

func batchError(msgs []string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "InvalidChangeBatch", message: "[" + strings.Join(msgs, ", ") + "]", messages: msgs}
}

func faultError(f Fault) *apiError {
	code, status := f.Code, f.Status
	if code == "" {
		switch status {
		case http.StatusServiceUnavailable:
			code = "ServiceUnavailable"
		case http.StatusInternalServerError:
			code = "InternalFailure"
		default:
			code = "Throttling"
		}
	}
	if status == 0 {
		switch code {
		case "ServiceUnavailable":
			status = http.StatusServiceUnavailable
		case "InternalFailure", "InternalError":
			status = http.StatusInternalServerError
		default:
			status = http.StatusBadRequest
		}
	}
	msg := code
	switch code {
	case "Throttling":
		msg = "Rate exceeded"
	case "PriorRequestNotComplete":
		msg = "The request was rejected because Route 53 was still processing a prior request."
	case "ServiceUnavailable":
		msg = "Service Unavailable"
	case "InternalFailure", "InternalError":
		msg = "An internal error occurred."
	}
	return &apiError{status: status, code: code, message: msg}
}

// route maps a request to its operation and the id in its path.
func route(method, path string) (op, id string) {
	rest, ok := strings.CutPrefix(path, "/2013-04-01/")
	if !ok {
		return "", ""
	}
	parts := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	switch {
	case method == http.MethodGet && len(parts) == 1 && parts[0] == "hostedzonesbyname":
		return "ListHostedZonesByName", ""
	case method == http.MethodGet && len(parts) == 1 && parts[0] == "hostedzone":
		return "ListHostedZones", ""
	case method == http.MethodGet && len(parts) == 2 && parts[0] == "hostedzone":
		return "GetHostedZone", parts[1]
	case len(parts) == 3 && parts[0] == "hostedzone" && parts[2] == "rrset":
		// The SDK posts to .../rrset, boto to .../rrset/; both are served.
		switch method {
		case http.MethodGet:
			return "ListResourceRecordSets", parts[1]
		case http.MethodPost:
			return "ChangeResourceRecordSets", parts[1]
		}
	case method == http.MethodGet && len(parts) == 3 && parts[0] == "hostedzone" && parts[2] == "dnssec":
		return "GetDNSSEC", parts[1]
	case method == http.MethodGet && len(parts) == 2 && parts[0] == "change":
		return "GetChange", parts[1]
	}
	return "", ""
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (s *Server) serve(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	op, id := route(r.Method, r.URL.Path)
	req := Request{Op: op, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body)}
	var batch wireChangeRequest
	if op == "ChangeResourceRecordSets" {
		if xml.Unmarshal(body, &batch) == nil {
			req.Changes = len(batch.Changes)
		}
	}
	w := &statusWriter{ResponseWriter: rw}
	logged := false
	logRequest := func() {
		if logged {
			return
		}
		logged = true
		req.Status = w.status
		s.mu.Lock()
		s.requests = append(s.requests, req)
		s.counts[req.Op]++
		s.mu.Unlock()
	}
	defer logRequest()

	s.mu.Lock()
	requestID := s.newRequestID()
	throttled := s.opts.TokenBucket && !s.takeToken()
	fault, faulted := s.matchFault(op)
	s.mu.Unlock()

	if throttled {
		s.writeError(w, requestID, faultError(Fault{Code: "Throttling"}))
		return
	}
	if faulted {
		if fault.Latency > 0 && !sleep(r.Context(), fault.Latency) {
			return
		}
		if fault.Reset {
			// Logged before the connection goes: the client retries at
			// once, and the log must keep the order of events.
			logRequest()
			reset(w)
			return
		}
		if fault.Code != "" || fault.Status != 0 {
			s.writeError(w, requestID, faultError(fault))
			return
		}
	}
	// SigV4 is not verified (the SDK signs for whatever region it has, even
	// an empty one), but an unsigned request is refused as AWS does.
	if r.Header.Get("Authorization") == "" {
		s.writeError(w, requestID, &apiError{status: http.StatusForbidden, code: "MissingAuthenticationToken", message: "Missing Authentication Token"})
		return
	}

	var out any
	var err *apiError
	switch op {
	case "ListHostedZonesByName":
		out, err = s.listZonesByName(r)
	case "ListHostedZones":
		out, err = s.listZones(r)
	case "GetHostedZone":
		out, err = s.getZone(id)
	case "ListResourceRecordSets":
		out, err = s.listRRSets(id, r)
	case "ChangeResourceRecordSets":
		out, err = s.changeRRSets(id, body)
	case "GetChange":
		out, err = s.getChange(id)
	case "GetDNSSEC":
		out, err = s.getDNSSEC(id)
	default:
		err = &apiError{status: http.StatusNotFound, code: "UnknownOperationException", message: fmt.Sprintf("No operation for %s %s", r.Method, r.URL.Path)}
	}
	if err != nil {
		s.writeError(w, requestID, err)
		return
	}
	writeXML(w, requestID, http.StatusOK, out)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// reset closes the client connection with a TCP RST and no answer.
func reset(w http.ResponseWriter) {
	hj, ok := w.(*statusWriter).ResponseWriter.(http.Hijacker)
	if !ok {
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func writeXML(w http.ResponseWriter, requestID string, status int, v any) {
	var buf bytes.Buffer
	buf.WriteString(`<?xml version="1.0"?>` + "\n")
	if err := xml.NewEncoder(&buf).Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) writeError(w http.ResponseWriter, requestID string, e *apiError) {
	if e.code == "InvalidChangeBatch" && s.opts.MessagesForm {
		writeXML(w, requestID, e.status, wireBatchError{Xmlns: xmlns, Messages: e.messages, RequestID: requestID})
		return
	}
	typ := "Sender"
	if e.status >= 500 {
		typ = "Receiver"
	}
	writeXML(w, requestID, e.status, wireErrorResponse{Xmlns: xmlns, Error: wireError{Type: typ, Code: e.code, Message: e.message}, RequestID: requestID})
}
