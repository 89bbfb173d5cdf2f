package dnsimple

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Types are the record types DNSimple's API takes
// (support.dnsimple.com/articles/supported-dns-records/); SOA exists only
// as the system record.
var Types = []string{"A", "AAAA", "ALIAS", "CAA", "CNAME", "DNSKEY", "DS", "HINFO", "HTTPS", "MX", "NAPTR", "NS", "POOL", "PTR", "SPF", "SRV", "SSHFP", "SVCB", "TXT", "URL"}

// dnsimpleOnly are the types DNSimple serves by synthesising other records
// (ALIAS: A/AAAA of the target; URL: a redirector's A; POOL: one of the
// pool's CNAMEs). Their content is not DNS data.
var dnsimpleOnly = []string{"ALIAS", "URL", "POOL"}

// MinTTL is DNSimple's lowest TTL.
const MinTTL = 60

// route answers an authenticated request.
func (s *Server) route(w http.ResponseWriter, r *http.Request, body []byte) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 2 || parts[0] != "v2" {
		writeError(w, http.StatusNotFound, "Not found", nil)
		return
	}
	parts = parts[1:]
	switch {
	case len(parts) == 1 && parts[0] == "whoami" && r.Method == http.MethodGet:
		s.whoami(w)
		return
	case len(parts) == 1 && parts[0] == "accounts" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"data": []any{s.account()}})
		return
	}
	if parts[0] != strconv.FormatInt(s.opts.AccountID, 10) {
		// A token reaches its own account only (answer unverified: the
		// real API may say 401 or 403).
		writeError(w, http.StatusNotFound, fmt.Sprintf("Account `%s` not found", parts[0]), nil)
		return
	}
	if len(parts) < 3 || parts[1] != "zones" {
		writeError(w, http.StatusNotFound, "Not found", nil)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zones[zoneName(parts[2])]
	if z == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Zone `%s` not found", parts[2]), nil)
		return
	}
	switch {
	case len(parts) == 3 && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"id": 1, "account_id": s.opts.AccountID, "name": z.name, "reverse": false}})
	case len(parts) == 4 && parts[3] == "records" && r.Method == http.MethodGet:
		s.list(w, r, z)
	case len(parts) == 4 && parts[3] == "records" && r.Method == http.MethodPost:
		var a attrs
		if err := json.Unmarshal(body, &a); err != nil {
			writeError(w, http.StatusBadRequest, "Invalid JSON", nil)
			return
		}
		rec, errs := s.create(z, a)
		if errs != nil {
			writeError(w, http.StatusBadRequest, "Validation failed", errs)
			return
		}
		writeJSON(w, http.StatusCreated, map[string]any{"data": rec})
	case len(parts) == 5 && parts[3] == "records":
		id, err := strconv.ParseInt(parts[4], 10, 64)
		rec := z.records[id]
		if err != nil || rec == nil {
			writeError(w, http.StatusNotFound, fmt.Sprintf("Record `%s` not found", parts[4]), nil)
			return
		}
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, map[string]any{"data": rec})
		case http.MethodPatch:
			var a attrs
			if err := json.Unmarshal(body, &a); err != nil {
				writeError(w, http.StatusBadRequest, "Invalid JSON", nil)
				return
			}
			if rec.SystemRecord {
				writeError(w, http.StatusBadRequest, systemMessage, nil)
				return
			}
			upd, errs := s.update(z, rec, a)
			if errs != nil {
				writeError(w, http.StatusBadRequest, "Validation failed", errs)
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"data": upd})
		case http.MethodDelete:
			if rec.SystemRecord {
				writeError(w, http.StatusBadRequest, systemMessage, nil)
				return
			}
			delete(z.records, id)
			w.WriteHeader(http.StatusNoContent)
		default:
			writeError(w, http.StatusMethodNotAllowed, "Method not allowed", nil)
		}
	case len(parts) == 4 && parts[3] == "batch" && r.Method == http.MethodPost:
		s.batch(w, z, body)
	default:
		writeError(w, http.StatusNotFound, "Not found", nil)
	}
}

// systemMessage refuses a change to a system record (the SOA and the apex
// NS DNSimple makes); wording unverified.
const systemMessage = "System records cannot be modified"

func (s *Server) account() map[string]any {
	return map[string]any{"id": s.opts.AccountID, "email": "ops@example.com", "plan_identifier": "teams-v1-monthly", "created_at": "2015-09-18T23:04:37Z", "updated_at": "2016-06-09T20:03:39Z"}
}

func (s *Server) whoami(w http.ResponseWriter) {
	data := map[string]any{"user": nil, "account": s.account()}
	if s.opts.UserToken {
		data = map[string]any{"user": map[string]any{"id": 1, "email": "ops@example.com"}, "account": nil}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

// list answers GET .../records: filters name and type, pages of per_page
// records (default 30, at most 100: larger values are cut to 100), sorted
// by ID, with DNSimple's pagination object.
func (s *Server) list(w http.ResponseWriter, r *http.Request, z *zone) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 {
		per = 30
	}
	per = min(per, 100)
	var all []*Record
	for _, rec := range z.sorted() {
		if n, ok := q["name"]; ok && rec.Name != n[0] {
			continue
		}
		if t := q.Get("type"); t != "" && !strings.EqualFold(rec.Type, t) {
			continue
		}
		all = append(all, rec)
	}
	pages := max((len(all)+per-1)/per, 1)
	lo, hi := min((page-1)*per, len(all)), min(page*per, len(all))
	writeJSON(w, http.StatusOK, map[string]any{
		"data":       all[lo:hi],
		"pagination": map[string]int{"current_page": page, "per_page": per, "total_entries": len(all), "total_pages": pages},
	})
}

// attrs is the body of a create or update (and one operation of a batch).
type attrs struct {
	ID       int64    `json:"id,omitempty"`
	Name     *string  `json:"name"`
	Type     string   `json:"type"`
	Content  *string  `json:"content"`
	TTL      *int     `json:"ttl"`
	Priority *int     `json:"priority"`
	Regions  []string `json:"regions"`
}

// create validates a and stores it. s.mu must be held.
func (s *Server) create(z *zone, a attrs) (*Record, map[string][]string) {
	rec := Record{Type: strings.ToUpper(a.Type), TTL: 3600}
	errs := map[string][]string{}
	if a.Name == nil {
		errs["name"] = []string{"can't be blank"}
	} else {
		rec.Name = strings.ToLower(*a.Name)
	}
	if a.Content != nil {
		rec.Content = *a.Content
	}
	if a.TTL != nil {
		rec.TTL = *a.TTL
	}
	rec.Priority = a.Priority
	rec.Regions = a.Regions
	validate(z, &rec, 0, errs)
	if len(errs) > 0 {
		return nil, errs
	}
	return s.store(z, rec), nil
}

// update applies a to rec after validating the result. s.mu must be held.
func (s *Server) update(z *zone, rec *Record, a attrs) (*Record, map[string][]string) {
	next := rec.clone()
	if a.Name != nil {
		next.Name = strings.ToLower(*a.Name)
	}
	if a.Content != nil {
		next.Content = *a.Content
	}
	if a.TTL != nil {
		next.TTL = *a.TTL
	}
	if a.Priority != nil {
		next.Priority = a.Priority
	}
	if a.Regions != nil {
		next.Regions = a.Regions
	}
	errs := map[string][]string{}
	validate(z, &next, rec.ID, errs)
	if len(errs) > 0 {
		return nil, errs
	}
	next.UpdatedAt = s.opts.Now().UTC().Format(time.RFC3339)
	*rec = next
	return rec, nil
}

// validate checks rec as the API would store it in z (self is the ID of
// the record being updated, 0 for a create) and adds what is wrong to
// errs. The attribute names and the record_type "unsupported" reason are
// DNSimple's (its batch validation fixture); the other reasons' wording
// is unverified.
func validate(z *zone, rec *Record, self int64, errs map[string][]string) {
	if !slices.Contains(Types, rec.Type) {
		errs["record_type"] = append(errs["record_type"], "unsupported")
		return
	}
	if rec.TTL < MinTTL {
		errs["ttl"] = append(errs["ttl"], fmt.Sprintf("must be greater than or equal to %d", MinTTL))
	}
	if rec.Content == "" {
		errs["content"] = append(errs["content"], "can't be blank")
		return
	}
	if rec.Type == "MX" || rec.Type == "SRV" {
		if rec.Priority == nil {
			zero := 0
			rec.Priority = &zero
		}
	} else {
		rec.Priority = nil
	}
	if !slices.Contains(dnsimpleOnly, rec.Type) {
		data := rec.Content
		if rec.Priority != nil {
			data = fmt.Sprintf("%d %s", *rec.Priority, rec.Content)
		}
		owner := z.name + "."
		if rec.Name != "" {
			owner = rec.Name + "." + owner
		}
		if rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", owner, max(rec.TTL, 0), rec.Type, data)); err != nil || rr == nil {
			errs["content"] = append(errs["content"], "is invalid")
			return
		}
	}
	if rec.Type == "CNAME" && rec.Name == "" {
		errs["record_type"] = append(errs["record_type"], "CNAME records are not allowed at the zone apex; use an ALIAS record")
	}
	for _, o := range z.records {
		if o.ID == self || o.Name != rec.Name {
			continue
		}
		switch {
		case rec.Type == "CNAME" || o.Type == "CNAME":
			// RFC 1034 §3.6.2: a CNAME stands alone at its name.
			errs["name"] = append(errs["name"], "a CNAME record cannot coexist with other records at the same name")
			return
		case o.Type == rec.Type && o.Content == rec.Content && eqPriority(o.Priority, rec.Priority):
			errs["base"] = append(errs["base"], "Zone record already exists")
			return
		}
	}
}

func eqPriority(a, b *int) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// batchOp is one operation's error in a batch's 400 answer.
type batchOp struct {
	Index   int                 `json:"index"`
	Message string              `json:"message"`
	Errors  map[string][]string `json:"errors,omitempty"`
}

// batch answers POST .../batch: creates, updates and deletes applied in
// that order (the order of the request's keys; DNSimple does not document
// it) all or nothing, at most BatchLimit operations, on Enterprise
// accounts only (blog.dnsimple.com/2025/10/bulk-dns-updates/: "batch size
// is capped at 100 operations", "atomically", "Available to customers on
// our Enterprise plan"). The answer to other plans, 412, follows what
// DNSimple documents for other plan-gated features (record regions); the
// message, and the message past the cap, are unverified.
func (s *Server) batch(w http.ResponseWriter, z *zone, body []byte) {
	if !s.opts.Enterprise {
		writeError(w, http.StatusPreconditionFailed, "Your plan does not include batch changes of zone records", nil)
		return
	}
	var req struct {
		Creates []attrs `json:"creates"`
		Updates []attrs `json:"updates"`
		Deletes []attrs `json:"deletes"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid JSON", nil)
		return
	}
	if n := len(req.Creates) + len(req.Updates) + len(req.Deletes); n > s.opts.BatchLimit {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Batch size is limited to %d operations (got %d)", s.opts.BatchLimit, n), nil)
		return
	}
	// Work on a copy of the zone; commit only if every operation passes.
	saved := z.records
	work := make(map[int64]*Record, len(saved))
	for id, r := range saved {
		c := r.clone()
		work[id] = &c
	}
	z.records = work
	seq := s.seq
	fail := map[string][]batchOp{}
	var created, updated []*Record
	var deleted []map[string]int64
	for i, a := range req.Creates {
		rec, errs := s.create(z, a)
		if errs != nil {
			fail["creates"] = append(fail["creates"], batchOp{Index: i, Message: "Validation failed", Errors: errs})
			continue
		}
		created = append(created, rec)
	}
	for i, a := range req.Updates {
		rec := z.records[a.ID]
		switch {
		case rec == nil:
			fail["updates"] = append(fail["updates"], batchOp{Index: i, Message: fmt.Sprintf("Record not found ID=%d", a.ID)})
		case rec.SystemRecord:
			fail["updates"] = append(fail["updates"], batchOp{Index: i, Message: systemMessage})
		default:
			upd, errs := s.update(z, rec, a)
			if errs != nil {
				fail["updates"] = append(fail["updates"], batchOp{Index: i, Message: "Validation failed", Errors: errs})
				continue
			}
			updated = append(updated, upd)
		}
	}
	for i, a := range req.Deletes {
		rec := z.records[a.ID]
		switch {
		case rec == nil:
			fail["deletes"] = append(fail["deletes"], batchOp{Index: i, Message: fmt.Sprintf("Record not found ID=%d", a.ID)})
		case rec.SystemRecord:
			fail["deletes"] = append(fail["deletes"], batchOp{Index: i, Message: systemMessage})
		default:
			delete(z.records, a.ID)
			deleted = append(deleted, map[string]int64{"id": a.ID})
		}
	}
	if len(fail) > 0 {
		z.records, s.seq = saved, seq
		writeError(w, http.StatusBadRequest, "Validation failed", fail)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"creates": created, "updates": updated, "deletes": deleted}})
}
