package cloudflare

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Record is a DNS record as the emulator stores it and as the API returns it.
type Record struct {
	ID      string
	Type    string
	Name    string // FQDN without trailing dot, lower-case
	Content string
	TTL     int // 1 means automatic
	Proxied bool
	// Priority is the top-level priority of MX and URI records, and a copy
	// of data.priority for SRV records, as Cloudflare returns them.
	Priority *int
	// Data holds the structured fields of SRV, CAA, HTTPS, SVCB, URI, DS,
	// DNSKEY, TLSA, SMIMEA, SSHFP, CERT, NAPTR and LOC records.
	Data     map[string]any
	ReadOnly bool // meta.read_only: PATCH, PUT and DELETE are refused
	// Comment, Tags and Settings are the record's metadata, stored and
	// returned as sent: a PATCH that leaves them out keeps them, a PUT
	// that leaves them out clears them (developers.cloudflare.com/api
	// resources/dns/subresources/records: "comment", "tags", "settings"
	// of the record object; PATCH is "Update DNS Record", PUT is
	// "Overwrite DNS Record"). Settings is the raw JSON object
	// (ipv4_only, ipv6_only, flatten_cname); nil is {}.
	Comment  *string
	Tags     []string
	Settings json.RawMessage
}

// stored is a record with the bookkeeping the API returns but tests rarely
// care about.
type stored struct {
	Record
	created, modified time.Time
}

// apiError is one entry of the envelope's errors list.
type apiError struct {
	Code       int        `json:"code"`
	Message    string     `json:"message"`
	ErrorChain []apiError `json:"error_chain,omitempty"`
}

// failure is an error answer: the HTTP status and the errors list.
type failure struct {
	status int
	errs   []apiError
}

func fail(status, code int, msg string) *failure {
	return &failure{status: status, errs: []apiError{{Code: code, Message: msg}}}
}

// validation returns Cloudflare's wrapper for record validation problems:
// HTTP 400, code 1004 "DNS Validation Error" with the detail in error_chain
// (observed for 9004, 9021 and 9100).
func validation(code int, msg string) *failure {
	return &failure{status: 400, errs: []apiError{{
		Code: 1004, Message: "DNS Validation Error",
		ErrorChain: []apiError{{Code: code, Message: msg}},
	}}}
}

// Known error answers. Codes and messages are Cloudflare's where the research
// found them (81044, 81053, 81054, 81056, 81057, 9004, 9021, 9100, 9106, 9109,
// 6003/6111, 7003, 10000); the others are marked unverified where they are
// built.
var (
	errNotFound      = fail(404, 81044, "Record does not exist.")
	errIdentical     = fail(400, 81057, "Record already exists.")
	errCNAMEOrAddr   = fail(400, 81053, "An A, AAAA, or CNAME record with that host already exists.")
	errCNAMEExists   = fail(400, 81054, "A CNAME record with that host already exists.")
	errNSExists      = fail(400, 81056, "NS records with that host already exist.")
	errBadBody       = fail(400, 9207, "Request body is invalid.") // code unverified
	errNotProxiable  = validation(9004, "This record type cannot be proxied.")
	errNeedsPriority = validation(9100, "priority is a required field.")
	// errQuota: the message is the one users quote with code 81045
	// (js-org/js.org#2873); the HTTP status is unverified.
	errQuota = fail(400, 81045, "The record quota has been exceeded.")
)

// errReadOnly answers PATCH, PUT and DELETE of a meta.read_only record. The
// real code and message are unverified.
var errReadOnly = fail(400, 1004, "This record is read-only and cannot be modified or deleted.")

// errOtherAtNS answers an NS record at a name that holds other types. The real
// code is unverified; 81056 is the documented code for the reverse case.
var errOtherAtNS = fail(400, 81055, "A record with that host already exists. NS records cannot coexist with other record types.")

// recordTypes are the types the API accepts (cloudflare-go RecordResponseType).
var recordTypes = map[string]bool{
	"A": true, "AAAA": true, "CNAME": true, "MX": true, "NS": true, "OPENPGPKEY": true,
	"PTR": true, "TXT": true, "CAA": true, "CERT": true, "DNSKEY": true, "DS": true,
	"HTTPS": true, "LOC": true, "NAPTR": true, "SMIMEA": true, "SRV": true, "SSHFP": true,
	"SVCB": true, "TLSA": true, "URI": true,
}

// dataKeys lists the structured fields of each type with data, in the order
// they appear in the content string.
var dataKeys = map[string][]string{
	"SRV":    {"priority", "weight", "port", "target"},
	"CAA":    {"flags", "tag", "value"},
	"HTTPS":  {"priority", "target", "value"},
	"SVCB":   {"priority", "target", "value"},
	"URI":    {"weight", "target"},
	"DS":     {"key_tag", "algorithm", "digest_type", "digest"},
	"DNSKEY": {"flags", "protocol", "algorithm", "public_key"},
	"TLSA":   {"usage", "selector", "matching_type", "certificate"},
	"SMIMEA": {"usage", "selector", "matching_type", "certificate"},
	"SSHFP":  {"algorithm", "type", "fingerprint"},
	"CERT":   {"type", "key_tag", "algorithm", "certificate"},
	"NAPTR":  {"order", "preference", "flags", "service", "regex", "replacement"},
	"LOC": {"lat_degrees", "lat_minutes", "lat_seconds", "lat_direction",
		"long_degrees", "long_minutes", "long_seconds", "long_direction",
		"altitude", "size", "precision_horz", "precision_vert"},
}

// dataDefaults are data fields that may be left out, with the value assumed.
// libdns/cloudflare omits zero numbers (omitempty), so SRV weight and port,
// HTTPS/SVCB priority (AliasMode) and CAA flags must default to 0; whether
// Cloudflare defaults them too is unverified, but it accepts such records from
// libdns in practice.
var dataDefaults = map[string]map[string]any{
	"SRV":   {"weight": 0, "port": 0},
	"CAA":   {"flags": 0},
	"HTTPS": {"priority": 0, "value": ""},
	"SVCB":  {"priority": 0, "value": ""},
	"URI":   {"weight": 0},
	"LOC": {"lat_minutes": 0, "lat_seconds": 0, "long_minutes": 0, "long_seconds": 0,
		"altitude": 0, "size": 0, "precision_horz": 0, "precision_vert": 0},
}

// stringKeys are data fields holding text; all others are numbers.
var stringKeys = map[string]bool{
	"target": true, "tag": true, "value": true, "digest": true, "public_key": true,
	"certificate": true, "fingerprint": true, "service": true,
	"regex": true, "replacement": true, "lat_direction": true, "long_direction": true,
}

// hostContent are the types whose content is a host name; Cloudflare stores it
// without the trailing dot. That is documented for CNAME, NS and MX; for PTR
// it is an assumption (the stricter one: a client that reads PTR content back
// must add the dot itself, as libdns/cloudflare does not).
var hostContent = map[string]bool{"CNAME": true, "NS": true, "MX": true, "PTR": true}

// proxiable are the types that may be proxied.
var proxiable = map[string]bool{"A": true, "AAAA": true, "CNAME": true}

// fields is a decoded JSON record body. Only the keys present are set, which
// is what PATCH needs.
type fields map[string]json.RawMessage

// canonicalName applies Cloudflare's name rules for POST, PUT and PATCH: "@"
// is the apex; a name equal to the zone or ending in ".zone" is kept; any
// other name is relative and gets ".zone" appended. The result is lower-case
// without a trailing dot.
func canonicalName(name, zone string) string {
	n := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
	switch {
	case n == "@" || n == "":
		return zone
	case n == zone || strings.HasSuffix(n, "."+zone):
		return n
	default:
		return n + "." + zone
	}
}

// validName reports whether an owner name has sane labels. Unicode names are
// accepted as they are (the real API converts them to Punycode).
func validName(n string) bool {
	if len(n) > 253 {
		return false
	}
	for i, l := range strings.Split(n, ".") {
		if l == "" || len(l) > 63 {
			return false
		}
		if l == "*" {
			if i != 0 {
				return false
			}
			continue
		}
		for _, c := range l {
			ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c > 127
			if !ok {
				return false
			}
		}
	}
	return true
}

// validHost reports whether s is a host name usable as a target (without its
// trailing dot).
func validHost(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 {
			return false
		}
		for _, c := range l {
			ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
				c == '-' || c == '_' || c == '*' || c > 127
			if !ok {
				return false
			}
		}
	}
	return true
}

// applyFields sets on r the keys present in f. Read-only keys (id,
// created_on, modified_on, zone_id, zone_name, proxiable, locked, meta) are
// ignored; comment, tags and settings are stored unchecked (Cloudflare's
// checks on them, such as the tag format name:value, are not emulated).
func applyFields(r *Record, f fields, zone string) *failure {
	for k, raw := range f {
		var err error
		switch k {
		case "type":
			var s string
			err = json.Unmarshal(raw, &s)
			r.Type = strings.ToUpper(s)
		case "name":
			var s string
			err = json.Unmarshal(raw, &s)
			r.Name = s // made canonical after the type is known (SRV)
		case "content":
			err = json.Unmarshal(raw, &r.Content)
		case "ttl":
			var n *int
			err = json.Unmarshal(raw, &n)
			if n == nil {
				r.TTL = 1
			} else {
				r.TTL = *n
			}
		case "proxied":
			var b *bool
			err = json.Unmarshal(raw, &b)
			r.Proxied = b != nil && *b
		case "priority":
			var n *int
			err = json.Unmarshal(raw, &n)
			r.Priority = n
		case "data":
			var m map[string]any
			err = json.Unmarshal(raw, &m)
			r.Data = m
		case "comment":
			var c *string
			err = json.Unmarshal(raw, &c)
			r.Comment = c
		case "tags":
			var t []string
			err = json.Unmarshal(raw, &t)
			r.Tags = t
		case "settings":
			var m map[string]any
			if err = json.Unmarshal(raw, &m); err == nil {
				r.Settings = nil
				if len(m) > 0 {
					r.Settings = append(json.RawMessage(nil), raw...)
				}
			}
		}
		if err != nil {
			return fail(400, 9207, fmt.Sprintf("Request body is invalid: field %s: %v", k, err)) // code unverified
		}
	}
	return nil
}

// finish validates r and makes its fields canonical: the name, content
// derived from data, TTL forced to 1 for proxied records, the TXT split. It
// does not look at other records.
func finish(r *Record, zone string, minTTL int) *failure {
	if r.Type == "" {
		return validation(9100, "type is a required field.")
	}
	if !recordTypes[r.Type] {
		return validation(9020, "Invalid DNS record type.") // code unverified
	}
	if r.Type == "SRV" && strings.TrimSpace(r.Name) == "" && r.Data != nil {
		// Older clients send the owner as data.service, data.proto, data.name.
		svc, _ := r.Data["service"].(string)
		proto, _ := r.Data["proto"].(string)
		name, _ := r.Data["name"].(string)
		if svc != "" && proto != "" {
			r.Name = svc + "." + proto
			if name != "" && name != "@" {
				r.Name += "." + name
			}
		}
	}
	if strings.TrimSpace(r.Name) == "" {
		return validation(9100, "name is a required field.")
	}
	r.Name = canonicalName(r.Name, zone)
	if !validName(r.Name) {
		return validation(9000, "DNS name is invalid.") // code unverified
	}
	if r.Proxied && !proxiable[r.Type] {
		return errNotProxiable
	}
	if r.Proxied {
		// Proxied records always have automatic TTL.
		r.TTL = 1
	} else if r.TTL != 1 && (r.TTL < minTTL || r.TTL > 86400) {
		return validation(9021, fmt.Sprintf("TTL must be between %d and 86400 seconds, or 1 for Automatic.", minTTL))
	}
	if keys, ok := dataKeys[r.Type]; ok {
		return finishData(r, keys)
	}
	r.Data = nil
	r.Priority = priorityFor(r)
	switch r.Type {
	case "A", "AAAA":
		a, err := netip.ParseAddr(strings.TrimSpace(r.Content))
		if r.Type == "A" && (err != nil || !a.Is4()) {
			return validation(9005, "Content for A record must be a valid IPv4 address.") // code unverified
		}
		if r.Type == "AAAA" && (err != nil || !a.Is6() || a.Is4In6() || a.Zone() != "") {
			return validation(9006, "Content for AAAA record must be a valid IPv6 address.") // code unverified
		}
		r.Content = a.String()
	case "MX":
		if r.Priority == nil {
			return errNeedsPriority
		}
		if *r.Priority < 0 || *r.Priority > 65535 {
			return validation(9100, "priority must be between 0 and 65535.") // unverified
		}
		if r.Content == "." { // null MX (RFC 7505)
			break
		}
		fallthrough
	case "CNAME", "NS", "PTR":
		c := strings.TrimSuffix(strings.TrimSpace(r.Content), ".")
		if !validHost(c) {
			return validation(9007, fmt.Sprintf("Content for %s record is invalid.", r.Type)) // code unverified
		}
		r.Content = c
	case "TXT":
		if r.Content == "" {
			return validation(9100, "content is a required field.")
		}
		r.Content = splitTXT(r.Content)
	default: // OPENPGPKEY
		if strings.TrimSpace(r.Content) == "" {
			return validation(9100, "content is a required field.")
		}
	}
	return nil
}

// priorityFor keeps the top-level priority only where Cloudflare has one.
func priorityFor(r *Record) *int {
	if r.Type == "MX" || r.Type == "URI" {
		return r.Priority
	}
	return nil
}

// finishData validates the structured data of r, keeps only the known keys,
// and derives content (and SRV's top-level priority) from it. Content sent by
// the client is ignored: Cloudflare requires the data fields (libdns/cloudflare
// models.go 225-237).
func finishData(r *Record, keys []string) *failure {
	in := r.Data
	prio := r.Priority
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		v, ok := in[k]
		if !ok || v == nil {
			if d, ok := dataDefaults[r.Type][k]; ok {
				out[k] = d
				continue
			}
			return validation(9100, k+" is a required field.")
		}
		if stringKeys[k] || r.Type == "NAPTR" && k == "flags" { // NAPTR flags are text
			s, ok := v.(string)
			if !ok {
				return validation(9100, k+" must be a string.") // unverified
			}
			out[k] = s
			continue
		}
		n, ok := v.(float64)
		if !ok || n != math.Trunc(n) || n < 0 || n > 4294967295 {
			if i, isInt := v.(int); isInt && i >= 0 {
				out[k] = i
				continue
			}
			return validation(9100, k+" must be a non-negative integer.") // unverified
		}
		out[k] = int(n)
	}
	num := func(k string) string { return strconv.Itoa(out[k].(int)) }
	str := func(k string) string { return out[k].(string) }
	r.Priority = nil
	switch r.Type {
	case "SRV":
		t := strings.TrimSuffix(str("target"), ".")
		if t == "" {
			t = "."
		}
		if t != "." && !validHost(t) {
			return validation(9007, "Content for SRV record is invalid.") // code unverified
		}
		out["target"] = t
		p := out["priority"].(int)
		r.Priority = &p
		r.Content = fmt.Sprintf("%s %s %s", num("weight"), num("port"), t)
	case "CAA":
		if str("tag") == "" {
			return validation(9100, "tag is a required field.")
		}
		r.Content = fmt.Sprintf("%s %s %q", num("flags"), str("tag"), str("value"))
	case "HTTPS", "SVCB":
		if str("target") == "" {
			return validation(9100, "target is a required field.")
		}
		r.Content = strings.TrimSpace(fmt.Sprintf("%s %s %s", num("priority"), str("target"), str("value")))
	case "URI":
		// URI keeps its priority at the top level, like MX.
		if prio == nil {
			return errNeedsPriority
		}
		p := *prio
		r.Priority = &p
		r.Content = fmt.Sprintf("%s %q", num("weight"), str("target"))
	case "NAPTR":
		r.Content = fmt.Sprintf("%s %s %q %q %q %s", num("order"), num("preference"),
			str("flags"), str("service"), str("regex"), str("replacement"))
	case "LOC":
		r.Content = fmt.Sprintf("%s %s %s %s %s %s %s %s %sm %sm %sm %sm",
			num("lat_degrees"), num("lat_minutes"), num("lat_seconds"), str("lat_direction"),
			num("long_degrees"), num("long_minutes"), num("long_seconds"), str("long_direction"),
			num("altitude"), num("size"), num("precision_horz"), num("precision_vert"))
	default:
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprint(out[k])
		}
		r.Content = strings.Join(parts, " ")
	}
	r.Data = out
	return nil
}

// splitTXT re-splits a single quoted string longer than 255 bytes into
// quoted chunks of at most 255 bytes joined by one space, as Cloudflare does
// (cloudflare-go dns/record.go 5627-5633). Escape sequences are kept as sent
// and never cut. Anything else, including unquoted text, is kept verbatim.
func splitTXT(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	inner := s[1 : len(s)-1]
	// Tokenise into units (a plain byte, or an escape sequence) that each
	// stand for one byte; a bare quote means several strings: keep as is.
	var units []string
	for i := 0; i < len(inner); {
		switch {
		case inner[i] == '"':
			return s
		case inner[i] == '\\' && i+3 < len(inner) && isDigit(inner[i+1]) && isDigit(inner[i+2]) && isDigit(inner[i+3]):
			units = append(units, inner[i:i+4])
			i += 4
		case inner[i] == '\\' && i+1 < len(inner):
			units = append(units, inner[i:i+2])
			i += 2
		case inner[i] == '\\':
			return s // dangling backslash: not a valid quoted string
		default:
			units = append(units, inner[i:i+1])
			i++
		}
	}
	if len(units) <= 255 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(units); i += 255 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('"')
		for _, u := range units[i:min(i+255, len(units))] {
			b.WriteString(u)
		}
		b.WriteByte('"')
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// sameContent compares content the way the duplicate check does: host names
// case-insensitively, everything else exactly.
func sameContent(a, b Record) bool {
	if a.Type != b.Type {
		return false
	}
	if hostContent[a.Type] || a.Type == "SRV" || a.Type == "HTTPS" || a.Type == "SVCB" {
		if !strings.EqualFold(a.Content, b.Content) {
			return false
		}
	} else if a.Content != b.Content {
		return false
	}
	if a.Type == "MX" || a.Type == "URI" || a.Type == "SRV" {
		return a.Priority != nil && b.Priority != nil && *a.Priority == *b.Priority
	}
	return true
}

// checkConflicts checks r against the other records of the zone (excluding r
// itself by ID): an identical record (81057), CNAME versus A/AAAA/CNAME
// (81053/81054), CNAME versus other data below the apex (rejected unless
// cnameWithOther; the real behaviour is unverified), and NS below the apex,
// which must be alone at its name.
func checkConflicts(r Record, others map[string]*stored, zone string, cnameWithOther bool) *failure {
	apex := r.Name == zone
	// Only the records at the same name matter; they are few, so sort just
	// those (for a deterministic answer) rather than the whole zone.
	same := map[string]*stored{}
	for id, o := range others {
		if o.ID == r.ID || !strings.EqualFold(o.Name, r.Name) {
			continue
		}
		if sameContent(o.Record, r) {
			return errIdentical
		}
		same[id] = o
	}
	for _, o := range sortedRecords(same) {
		switch {
		case r.Type == "CNAME" && (o.Type == "A" || o.Type == "AAAA" || o.Type == "CNAME"):
			return errCNAMEOrAddr
		case (r.Type == "A" || r.Type == "AAAA") && o.Type == "CNAME":
			return errCNAMEExists
		case !apex && r.Type == "CNAME" && !cnameWithOther:
			return errCNAMEOrAddr
		case !apex && o.Type == "CNAME" && !cnameWithOther:
			return errCNAMEExists
		case !apex && r.Type == "NS" && o.Type != "NS":
			return errOtherAtNS
		case !apex && o.Type == "NS" && r.Type != "NS":
			return errNSExists
		}
	}
	return nil
}

// sortedRecords returns the records in the stable API order: type, name,
// content, id.
func sortedRecords(m map[string]*stored) []*stored {
	out := make([]*stored, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return less(out[i].Record, out[j].Record) })
	return out
}

func less(a, b Record) bool {
	if a.Type != b.Type {
		return a.Type < b.Type
	}
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	if a.Content != b.Content {
		return a.Content < b.Content
	}
	return a.ID < b.ID
}

// clone returns a deep copy, so callers cannot change stored state.
func (r Record) clone() Record {
	if r.Priority != nil {
		p := *r.Priority
		r.Priority = &p
	}
	if r.Data != nil {
		d := make(map[string]any, len(r.Data))
		for k, v := range r.Data {
			d[k] = v
		}
		r.Data = d
	}
	if r.Comment != nil {
		c := *r.Comment
		r.Comment = &c
	}
	r.Tags = append([]string(nil), r.Tags...)
	r.Settings = append(json.RawMessage(nil), r.Settings...)
	return r
}
