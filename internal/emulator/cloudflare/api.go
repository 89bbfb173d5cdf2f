package cloudflare

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// envelope is Cloudflare's response wrapper; every answer uses it.
type envelope struct {
	Result     any         `json:"result"`
	Success    bool        `json:"success"`
	Errors     []apiError  `json:"errors"`
	Messages   []any       `json:"messages"`
	ResultInfo *resultInfo `json:"result_info,omitempty"`
}

type resultInfo struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	Count      int `json:"count"`
	TotalCount int `json:"total_count"`
	TotalPages int `json:"total_pages"`
}

// apiRecord is a record as the API returns it.
type apiRecord struct {
	ID         string          `json:"id"`
	ZoneID     string          `json:"zone_id"`
	ZoneName   string          `json:"zone_name"`
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Content    string          `json:"content"`
	Priority   *int            `json:"priority,omitempty"`
	Proxiable  bool            `json:"proxiable"`
	Proxied    bool            `json:"proxied"`
	TTL        int             `json:"ttl"`
	Locked     bool            `json:"locked"`
	Data       map[string]any  `json:"data,omitempty"`
	Settings   json.RawMessage `json:"settings"`
	Meta       apiMeta         `json:"meta"`
	Comment    *string         `json:"comment"`
	Tags       []string        `json:"tags"`
	CreatedOn  string          `json:"created_on"`
	ModifiedOn string          `json:"modified_on"`
}

type apiMeta struct {
	AutoAdded           bool   `json:"auto_added"`
	ManagedByApps       bool   `json:"managed_by_apps"`
	ManagedByArgoTunnel bool   `json:"managed_by_argo_tunnel"`
	Source              string `json:"source"`
	ReadOnly            bool   `json:"read_only,omitempty"`
}

type apiZone struct {
	ID                  string    `json:"id"`
	Name                string    `json:"name"`
	Status              string    `json:"status"`
	Paused              bool      `json:"paused"`
	Type                string    `json:"type"`
	DevelopmentMode     int       `json:"development_mode"`
	NameServers         []string  `json:"name_servers"`
	OriginalNameServers []string  `json:"original_name_servers"`
	OriginalRegistrar   *string   `json:"original_registrar"`
	OriginalDnshost     *string   `json:"original_dnshost"`
	CreatedOn           string    `json:"created_on"`
	ModifiedOn          string    `json:"modified_on"`
	ActivatedOn         string    `json:"activated_on"`
	Account             apiNameID `json:"account"`
	Permissions         []string  `json:"permissions"`
	Plan                apiNameID `json:"plan"`
}

type apiNameID struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

const timeFormat = "2006-01-02T15:04:05.000000Z"

func writeJSON(w http.ResponseWriter, status int, e envelope) {
	if e.Errors == nil {
		e.Errors = []apiError{}
	}
	if e.Messages == nil {
		e.Messages = []any{}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(e)
}

func writeFailure(w http.ResponseWriter, f *failure) {
	writeJSON(w, f.status, envelope{Errors: f.errs})
}

func writeResult(w http.ResponseWriter, result any, info *resultInfo) {
	writeJSON(w, http.StatusOK, envelope{Result: result, Success: true, ResultInfo: info})
}

// errMethod answers a known route with a wrong method (code and
// status unverified).
var errMethod = fail(405, 10405, "Method not allowed")

// route dispatches a request whose path is relative to /client/v4.
func (s *Server) route(w http.ResponseWriter, r *http.Request, path string, body []byte) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if parts[0] != "zones" {
		writeFailure(w, noRoute(r.URL.Path))
		return
	}
	if len(parts) == 1 {
		if r.Method != http.MethodGet {
			writeFailure(w, errMethod)
			return
		}
		s.listZones(w, r.URL.Query())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zones[parts[1]]
	if z == nil {
		// Reported for unknown zone IDs; the 404 status is an assumption.
		writeFailure(w, fail(404, 7003, fmt.Sprintf("Could not route to %s, perhaps your object identifier is invalid?", r.URL.Path)))
		return
	}
	switch {
	case len(parts) == 2:
		if r.Method != http.MethodGet {
			writeFailure(w, errMethod)
			return
		}
		writeResult(w, s.apiZone(z), nil)
	case (len(parts) == 3 || len(parts) == 4) && parts[2] == "dnssec":
		s.dnssecRoute(w, r, z, strings.Join(parts[3:], "/"), body)
	case len(parts) == 3 && parts[2] == "dns_settings":
		s.dnsSettings(w, r, z, body)
	case len(parts) == 3 && parts[2] == "dns_records":
		switch r.Method {
		case http.MethodGet:
			s.listRecords(w, z, r.URL.Query())
		case http.MethodPost:
			s.createRecord(w, z, body)
		default:
			writeFailure(w, errMethod)
		}
	case len(parts) == 4 && parts[2] == "dns_records" && parts[3] == "usage" && r.Method == http.MethodGet:
		// GET /zones/{zid}/dns_records/usage: {record_quota, record_usage},
		// the quota null when none applies (developers.cloudflare.com/api
		// resources/dns/subresources/usage).
		var quota *int
		if s.opts.RecordQuota > 0 {
			quota = &s.opts.RecordQuota
		}
		writeResult(w, map[string]any{"record_quota": quota, "record_usage": len(z.records)}, nil)
	case len(parts) == 4 && parts[2] == "dns_records" && parts[3] == "batch":
		if r.Method != http.MethodPost {
			writeFailure(w, errMethod)
			return
		}
		s.batch(w, z, body)
	case len(parts) == 4 && parts[2] == "dns_records":
		id := parts[3]
		switch r.Method {
		case http.MethodGet:
			rec := z.records[id]
			if rec == nil {
				writeFailure(w, errNotFound)
				return
			}
			writeResult(w, toAPI(z, rec), nil)
		case http.MethodPatch, http.MethodPut:
			f, bad := decodeFields(body)
			if bad != nil {
				writeFailure(w, bad)
				return
			}
			rec, failed := s.update(z, z.records, id, f, r.Method == http.MethodPut)
			if failed != nil {
				writeFailure(w, failed)
				return
			}
			writeResult(w, toAPI(z, rec), nil)
		case http.MethodDelete:
			if _, failed := s.delete(z.records, id); failed != nil {
				writeFailure(w, failed)
				return
			}
			// DELETE answers only the ID (libdns relies on nothing more).
			writeResult(w, map[string]string{"id": id}, nil)
		default:
			writeFailure(w, errMethod)
		}
	default:
		writeFailure(w, noRoute(r.URL.Path))
	}
}

func (z *zone) statusOr() string {
	if z.status == "" {
		return "active"
	}
	return z.status
}

func (s *Server) apiZone(z *zone) apiZone {
	t := z.created.Format(timeFormat)
	return apiZone{
		ID: z.id, Name: z.name, Status: z.statusOr(), Type: "full",
		NameServers:         slices.Clone(s.assigned()),
		OriginalNameServers: []string{},
		CreatedOn:           t, ModifiedOn: t, ActivatedOn: t,
		Account:     apiNameID{ID: "0123456789abcdef0123456789abcdef", Name: "zonecast emulator"},
		Permissions: []string{"#dns_records:edit", "#dns_records:read", "#zone:read"},
		Plan:        apiNameID{ID: "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee", Name: "Free Website"},
	}
}

func toAPI(z *zone, r *stored) apiRecord {
	rec := r.Record.clone()
	if rec.Tags == nil {
		rec.Tags = []string{}
	}
	if len(rec.Settings) == 0 {
		rec.Settings = json.RawMessage("{}")
	}
	return apiRecord{
		ID: rec.ID, ZoneID: z.id, ZoneName: z.name, Name: rec.Name, Type: rec.Type,
		Content: rec.Content, Priority: rec.Priority,
		Proxiable: proxiable[rec.Type], Proxied: rec.Proxied, TTL: rec.TTL,
		Data:    rec.Data,
		Meta:    apiMeta{Source: "primary", ReadOnly: rec.ReadOnly},
		Comment: rec.Comment, Tags: rec.Tags, Settings: rec.Settings,
		CreatedOn: r.created.Format(timeFormat), ModifiedOn: r.modified.Format(timeFormat),
	}
}

// paging reads page and per_page. Cloudflare's exact answer to bad values is
// unverified; this one is HTTP 400.
func paging(q url.Values, def, max int) (page, perPage int, f *failure) {
	page, perPage = 1, min(def, max)
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, fail(400, 1001, "Invalid page: must be an integer >= 1") // unverified
		}
		page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, fail(400, 1001, "Invalid per_page: must be an integer >= 1") // unverified
		}
		perPage = min(n, max)
	}
	return page, perPage, nil
}

func pageOf[T any](all []T, page, perPage int) ([]T, *resultInfo) {
	info := &resultInfo{Page: page, PerPage: perPage, TotalCount: len(all),
		TotalPages: (len(all) + perPage - 1) / perPage}
	lo := min((page-1)*perPage, len(all))
	hi := min(lo+perPage, len(all))
	out := append(make([]T, 0, hi-lo), all[lo:hi]...)
	info.Count = len(out)
	return out, info
}

// listZones answers GET /zones: name matches case-insensitively and ignores
// one trailing dot; per_page defaults to 20 (max 50), as at Cloudflare.
func (s *Server) listZones(w http.ResponseWriter, q url.Values) {
	page, perPage, f := paging(q, 20, 50)
	if f != nil {
		writeFailure(w, f)
		return
	}
	name := strings.TrimSuffix(strings.ToLower(q.Get("name")), ".")
	status := q.Get("status")
	s.mu.Lock()
	zs := s.sortedZones()
	if name != "" {
		// Zones of one name are next to each other in name order.
		i := sort.Search(len(zs), func(i int) bool { return zs[i].name >= name })
		j := i
		for j < len(zs) && zs[j].name == name {
			j++
		}
		zs = zs[i:j]
	}
	var all []*zone
	for _, z := range zs {
		if status == "" || status == z.statusOr() {
			all = append(all, z)
		}
	}
	res, info := pageOf(all, page, perPage)
	out := make([]apiZone, len(res))
	for i, z := range res {
		out[i] = s.apiZone(z)
	}
	s.mu.Unlock()
	writeResult(w, out, info)
}

// listRecords answers GET /zones/{zid}/dns_records with Cloudflare's
// filters: type; name, name.exact|contains|startswith|endswith; content,
// content.exact|contains|startswith|endswith; proxied; match=all|any; and
// order (type, name, content, ttl, proxied) with direction. Name and content
// filters are case-insensitive; a trailing dot on a name filter is ignored.
func (s *Server) listRecords(w http.ResponseWriter, z *zone, q url.Values) {
	page, perPage, f := paging(q, 100, s.opts.PerPageMax)
	if f != nil {
		writeFailure(w, f)
		return
	}
	type filter func(Record) bool
	var filters []filter
	if t := q.Get("type"); t != "" {
		filters = append(filters, func(r Record) bool { return strings.EqualFold(r.Type, t) })
	}
	text := func(key string, get func(Record) string, trimDot bool) {
		ops := map[string]func(a, b string) bool{
			"": func(a, b string) bool { return a == b }, ".exact": func(a, b string) bool { return a == b },
			".contains": strings.Contains, ".startswith": strings.HasPrefix, ".endswith": strings.HasSuffix,
		}
		for suffix, op := range ops {
			if !q.Has(key + suffix) {
				continue
			}
			v := strings.ToLower(q.Get(key + suffix))
			if trimDot && (suffix == "" || suffix == ".exact" || suffix == ".endswith") {
				v = strings.TrimSuffix(v, ".")
			}
			filters = append(filters, func(r Record) bool { return op(strings.ToLower(get(r)), v) })
		}
	}
	text("name", func(r Record) string { return r.Name }, true)
	text("content", func(r Record) string { return r.Content }, false)
	if p := q.Get("proxied"); p != "" {
		want := p == "true"
		filters = append(filters, func(r Record) bool { return r.Proxied == want })
	}
	anyMatch := q.Get("match") == "any"

	var all []apiRecord
	var recs []*stored
	for _, r := range sortedRecords(z.records) {
		ok := !anyMatch || len(filters) == 0
		for _, f := range filters {
			if anyMatch && f(r.Record) {
				ok = true
				break
			}
			if !anyMatch && !f(r.Record) {
				ok = false
				break
			}
		}
		if ok {
			recs = append(recs, r)
		}
	}
	if order := q.Get("order"); order != "" {
		key := map[string]func(a, b Record) int{
			"type":    func(a, b Record) int { return strings.Compare(a.Type, b.Type) },
			"name":    func(a, b Record) int { return strings.Compare(a.Name, b.Name) },
			"content": func(a, b Record) int { return strings.Compare(a.Content, b.Content) },
			"ttl":     func(a, b Record) int { return a.TTL - b.TTL },
			"proxied": func(a, b Record) int { return boolInt(a.Proxied) - boolInt(b.Proxied) },
		}[order]
		if key != nil {
			desc := q.Get("direction") == "desc"
			sort.SliceStable(recs, func(i, j int) bool {
				c := key(recs[i].Record, recs[j].Record)
				if desc {
					return c > 0
				}
				return c < 0
			})
		}
	}
	for _, r := range recs {
		all = append(all, toAPI(z, r))
	}
	res, info := pageOf(all, page, perPage)
	writeResult(w, res, info)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// decodeFields parses a JSON object body.
func decodeFields(body []byte) (fields, *failure) {
	var f fields
	if err := json.Unmarshal(body, &f); err != nil || f == nil {
		return nil, errBadBody
	}
	return f, nil
}

func (s *Server) minTTL() int {
	if s.opts.Enterprise {
		return 30
	}
	return 60
}

func (s *Server) createRecord(w http.ResponseWriter, z *zone, body []byte) {
	f, bad := decodeFields(body)
	if bad != nil {
		writeFailure(w, bad)
		return
	}
	rec, failed := s.create(z, z.records, f)
	if failed != nil {
		writeFailure(w, failed)
		return
	}
	writeResult(w, toAPI(z, rec), nil)
}

// create validates a new record from f and adds it to recs. The caller
// holds s.mu.
func (s *Server) create(z *zone, recs map[string]*stored, f fields) (*stored, *failure) {
	r := Record{TTL: 1}
	if bad := applyFields(&r, f, z.name); bad != nil {
		return nil, bad
	}
	if bad := finish(&r, z.name, s.minTTL()); bad != nil {
		return nil, bad
	}
	if s.ownNS(r, z.name) {
		return nil, errOwnNS
	}
	if r.Type == "DNSKEY" && !z.dnssec.multiSigner {
		return nil, errMultiSignerOff
	}
	if bad := checkConflicts(r, recs, z.name, s.opts.CNAMEWithOther); bad != nil {
		return nil, bad
	}
	if q := s.opts.RecordQuota; q > 0 && len(recs) >= q {
		return nil, errQuota
	}
	r.ID = s.newID(z)
	now := s.opts.Now().UTC()
	st := &stored{Record: r, created: now, modified: now}
	recs[r.ID] = st
	return st, nil
}

// update applies a PATCH (merge the keys present) or PUT (replace) to the
// record id in recs. Stored records are never changed in place, so that a
// batch can work on a copy of the map. The caller holds s.mu.
func (s *Server) update(z *zone, recs map[string]*stored, id string, f fields, replace bool) (*stored, *failure) {
	old := recs[id]
	if old == nil {
		return nil, errNotFound
	}
	if old.ReadOnly {
		return nil, errReadOnly
	}
	r := old.Record.clone()
	if replace {
		r = Record{ID: id, TTL: 1}
	}
	if bad := applyFields(&r, f, z.name); bad != nil {
		return nil, bad
	}
	r.ID = id
	if bad := finish(&r, z.name, s.minTTL()); bad != nil {
		return nil, bad
	}
	if s.ownNS(r, z.name) {
		return nil, errOwnNS
	}
	if r.Type == "DNSKEY" && !z.dnssec.multiSigner {
		return nil, errMultiSignerOff
	}
	if bad := checkConflicts(r, recs, z.name, s.opts.CNAMEWithOther); bad != nil {
		return nil, bad
	}
	st := &stored{Record: r, created: old.created, modified: s.opts.Now().UTC()}
	recs[id] = st
	return st, nil
}

// delete removes the record id from recs. The caller holds s.mu.
func (s *Server) delete(recs map[string]*stored, id string) (*stored, *failure) {
	old := recs[id]
	if old == nil {
		return nil, errNotFound
	}
	if old.ReadOnly {
		return nil, errReadOnly
	}
	delete(recs, id)
	return old, nil
}

// batchBody is the body of POST /zones/{zid}/dns_records/batch.
type batchBody struct {
	Deletes []fields `json:"deletes"`
	Patches []fields `json:"patches"`
	Puts    []fields `json:"puts"`
	Posts   []fields `json:"posts"`
}

type batchResult struct {
	Deletes []apiRecord `json:"deletes"`
	Patches []apiRecord `json:"patches"`
	Puts    []apiRecord `json:"puts"`
	Posts   []apiRecord `json:"posts"`
}

// batch answers POST /zones/{zid}/dns_records/batch. It runs deletes, then
// patches, then puts, then posts, each against the state the previous ones
// left, on a copy of the zone; the copy replaces the zone only if every
// operation succeeded. The first error is answered (HTTP 400) and nothing is
// applied. More than BatchLimit operations are refused before anything runs
// (the real error code for that is unverified).
func (s *Server) batch(w http.ResponseWriter, z *zone, body []byte) {
	var b batchBody
	if err := json.Unmarshal(body, &b); err != nil {
		writeFailure(w, errBadBody)
		return
	}
	if n := len(b.Deletes) + len(b.Patches) + len(b.Puts) + len(b.Posts); n > s.opts.BatchLimit {
		writeFailure(w, fail(400, 1004, fmt.Sprintf(
			"Batch contains %d records, more than the limit of %d records per batch.", n, s.opts.BatchLimit)))
		return
	}
	recs := make(map[string]*stored, len(z.records))
	for id, r := range z.records {
		recs[id] = r
	}
	res := batchResult{Deletes: []apiRecord{}, Patches: []apiRecord{}, Puts: []apiRecord{}, Posts: []apiRecord{}}
	id := func(f fields) (string, *failure) {
		var v string
		if json.Unmarshal(f["id"], &v) != nil || v == "" {
			return "", validation(9100, "id is a required field.") // unverified
		}
		return v, nil
	}
	for _, f := range b.Deletes {
		rid, bad := id(f)
		if bad == nil {
			var old *stored
			old, bad = s.delete(recs, rid)
			if bad == nil {
				res.Deletes = append(res.Deletes, toAPI(z, old))
			}
		}
		if bad != nil {
			writeFailure(w, bad)
			return
		}
	}
	for i, list := range [][]fields{b.Patches, b.Puts} {
		for _, f := range list {
			rid, bad := id(f)
			if bad == nil {
				var rec *stored
				rec, bad = s.update(z, recs, rid, f, i == 1)
				if bad == nil && i == 0 {
					res.Patches = append(res.Patches, toAPI(z, rec))
				} else if bad == nil {
					res.Puts = append(res.Puts, toAPI(z, rec))
				}
			}
			if bad != nil {
				writeFailure(w, bad)
				return
			}
		}
	}
	for _, f := range b.Posts {
		rec, bad := s.create(z, recs, f)
		if bad != nil {
			writeFailure(w, bad)
			return
		}
		res.Posts = append(res.Posts, toAPI(z, rec))
	}
	z.records = recs
	writeResult(w, res, nil)
}

// dnsSettings answers GET and PATCH /zones/{zid}/dns_settings. Of the
// settings only multi_provider is kept (Cloudflare's TypeScript SDK,
// resources/dns/settings/zone.ts: "Whether to enable multi-provider DNS,
// which causes Cloudflare to activate the zone even when non-Cloudflare NS
// records exist, and to respect NS records at the zone apex during outbound
// zone transfers"); the others are answered with their documented defaults
// and a PATCH of them is accepted and forgotten.
func (s *Server) dnsSettings(w http.ResponseWriter, r *http.Request, z *zone, body []byte) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPatch:
		var f map[string]json.RawMessage
		if json.Unmarshal(body, &f) != nil {
			writeFailure(w, errBadBody)
			return
		}
		if v, ok := f["multi_provider"]; ok {
			if json.Unmarshal(v, &z.multiProvider) != nil {
				writeFailure(w, validation(9100, "multi_provider must be a boolean.")) // unverified
				return
			}
		}
	default:
		writeFailure(w, errMethod)
		return
	}
	writeResult(w, map[string]any{
		"flatten_all_cnames": false, "foundation_dns": false, "multi_provider": z.multiProvider,
		"ns_ttl": 86400, "secondary_overrides": false, "zone_mode": "standard",
	}, nil)
}

// errOwnNS answers an apex NS record naming one of the zone's own
// Cloudflare nameservers, which Cloudflare serves anyway and refuses as a
// record (octodns/octodns-cloudflare#11: "Trying to include the Cloudflare
// nameservers in the root record throws an error"; the code, status and
// message here are unverified).
var errOwnNS = fail(400, 81058, "A record with the same settings already exists.")

// ownNS reports whether r is an apex NS record naming one of the zone's
// assigned nameservers. Other apex NS records are stored whatever
// multi_provider says: Cloudflare's docs say it ignores them while the
// setting is off ("By default, Cloudflare ignores NS records added to the
// zone apex", dns/zone-setups/zone-transfers/cloudflare-as-primary/setup),
// not that it refuses them, and octodns/octodns-cloudflare#11 created them
// that way; ServedApexNS shows what is answered. Unverified: whether the API
// now refuses them while multi_provider is off.
func (s *Server) ownNS(r Record, zone string) bool {
	if r.Type != "NS" || r.Name != zone {
		return false
	}
	return slices.ContainsFunc(s.assigned(), func(n string) bool {
		return strings.EqualFold(n, strings.TrimSuffix(r.Content, "."))
	})
}
