package route53

import (
	"encoding/xml"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Per-request limits of ChangeResourceRecordSets (Route 53 developer
// guide, "Quotas on API requests"): ResourceRecord elements and characters
// in Value elements; an UPSERT counts both twice.
const (
	maxRecords    = 1000
	maxCharacters = 32000
	maxValueLen   = 4000 // per Value, from the API's schema
)

// changeRRSets serves POST /2013-04-01/hostedzone/{id}/rrset.
//
// The request is checked against the schema first (InvalidInput, one
// message), then against the per-request limits, then each change is
// applied in order to a working copy of the zone; every refused change adds
// a message and is skipped, and the batch is committed only if no change
// was refused (InvalidChangeBatch with all messages otherwise).
func (s *Server) changeRRSets(id string, body []byte) (any, *apiError) {
	var req wireChangeRequest
	if err := xml.Unmarshal(body, &req); err != nil {
		return nil, invalidInput("Invalid XML ; %v", err)
	}
	if err := checkSchema(req.Changes); err != nil {
		return nil, err
	}
	if err := checkLimits(req.Changes); err != nil {
		return nil, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zone(id)
	if z == nil {
		return nil, noSuchZone(id)
	}
	work, msgs := applyChanges(z, req.Changes)
	if len(msgs) > 0 {
		return nil, batchError(msgs)
	}
	z.sets = work
	c := &change{
		id:          s.newID("C", 20),
		submittedAt: time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		comment:     req.Comment,
		pending:     s.pending,
	}
	if s.pendingFor > 0 {
		c.insyncAt = time.Now().Add(s.pendingFor)
	}
	s.changes[c.id] = c
	// The real service always answers PENDING here; GetChange reports
	// INSYNC once the change has propagated (SetPending).
	return wireChangeResponse{Xmlns: xmlns, ChangeInfo: wireChangeInfo{ID: "/change/" + c.id, Status: "PENDING", SubmittedAt: c.submittedAt, Comment: c.comment}}, nil
}

var actions = []string{"CREATE", "DELETE", "UPSERT"}

// checkSchema does what the service's XML schema validation does: the
// first violation is an InvalidInput.
func checkSchema(changes []wireChange) *apiError {
	if len(changes) == 0 {
		return invalidInput("Invalid XML ; cvc-complex-type.2.4.b: The content of element 'Changes' is not complete. One of '{\"%s\":Change}' is expected.", xmlns)
	}
	for i, c := range changes {
		r := c.Set
		if !slices.Contains(actions, c.Action) {
			return invalidInput("%s", enumError(c.Action, actions))
		}
		if !validType(r.Type) {
			return invalidInput("%s", enumError(r.Type, rrTypes))
		}
		if r.Name == "" {
			return invalidInput("1 validation error detected: Value null at 'changeBatch.changes.%d.member.resourceRecordSet.name' failed to satisfy constraint: Member must not be null", i+1)
		}
		if r.TTL != nil && (*r.TTL < 0 || *r.TTL > 2147483647) {
			return invalidInput("1 validation error detected: Value '%d' at 'changeBatch.changes.%d.member.resourceRecordSet.tTL' failed to satisfy constraint: Member must have value between 0 and 2147483647", *r.TTL, i+1)
		}
		if r.Weight != nil && (*r.Weight < 0 || *r.Weight > 255) {
			return invalidInput("1 validation error detected: Value '%d' at 'changeBatch.changes.%d.member.resourceRecordSet.weight' failed to satisfy constraint: Member must have value between 0 and 255", *r.Weight, i+1)
		}
		if len(r.SetIdentifier) > 128 {
			return invalidInput("1 validation error detected: Value '%s' at 'changeBatch.changes.%d.member.resourceRecordSet.setIdentifier' failed to satisfy constraint: Member must have length less than or equal to 128", r.SetIdentifier, i+1)
		}
		if r.ResourceRecords != nil {
			for j, rr := range r.ResourceRecords.Records {
				if len(rr.Value) > maxValueLen {
					return invalidInput("1 validation error detected: Value '%s' at 'changeBatch.changes.%d.member.resourceRecordSet.resourceRecords.%d.member.value' failed to satisfy constraint: Member must have length less than or equal to %d", rr.Value, i+1, j+1, maxValueLen)
				}
			}
		}
		// An alias, or TTL and values, or a traffic policy: exactly one.
		hasValues := r.ResourceRecords != nil && len(r.ResourceRecords.Records) > 0
		plain := r.TTL != nil && hasValues
		partial := (r.TTL != nil) != hasValues
		n := 0
		for _, b := range []bool{r.AliasTarget != nil, plain, r.TrafficPolicyInstanceID != ""} {
			if b {
				n++
			}
		}
		if n != 1 || partial {
			found := "none"
			if n > 1 || n == 1 && partial {
				found = "more than one"
			}
			setID := "null"
			if r.SetIdentifier != "" {
				setID = r.SetIdentifier
			}
			return invalidInput("Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found %s in Change with [Action=%s, Name=%s, Type=%s, SetIdentifier=%s]", found, c.Action, r.Name, r.Type, setID)
		}
		if r.TrafficPolicyInstanceID != "" {
			return invalidInput("traffic policy record sets are not emulated")
		}
	}
	return nil
}

// checkLimits enforces the per-request quotas.
func checkLimits(changes []wireChange) *apiError {
	records, chars := 0, 0
	for _, c := range changes {
		if c.Set.ResourceRecords == nil {
			continue
		}
		k := 1
		if c.Action == "UPSERT" {
			k = 2
		}
		for _, rr := range c.Set.ResourceRecords.Records {
			records += k
			chars += k * utf8.RuneCountInString(rr.Value)
		}
	}
	if records > maxRecords {
		return batchError([]string{fmt.Sprintf("Number of records limit of %d exceeded.", maxRecords)})
	}
	if chars > maxCharacters {
		return batchError([]string{fmt.Sprintf("RDATA character limit of %d exceeded.", maxCharacters)})
	}
	return nil
}

// fromWire converts a request set, normalising its names.
func fromWire(w wireRRSet) (RRSet, error) {
	name, err := canonicalName(w.Name)
	if err != nil {
		return RRSet{}, err
	}
	r := RRSet{
		Name:             name,
		Type:             w.Type,
		SetIdentifier:    w.SetIdentifier,
		Weight:           w.Weight,
		Region:           w.Region,
		Failover:         w.Failover,
		MultiValueAnswer: w.MultiValueAnswer,
		HealthCheckID:    w.HealthCheckID,
	}
	if w.GeoLocation != nil {
		r.GeoLocation = &GeoLocation{w.GeoLocation.ContinentCode, w.GeoLocation.CountryCode, w.GeoLocation.SubdivisionCode}
	}
	if w.AliasTarget != nil {
		dn, err := canonicalName(w.AliasTarget.DNSName)
		if err != nil {
			return RRSet{}, err
		}
		r.Alias = &Alias{HostedZoneID: w.AliasTarget.HostedZoneID, DNSName: dn, EvaluateTargetHealth: w.AliasTarget.EvaluateTargetHealth}
		return r, nil
	}
	r.TTL = *w.TTL
	for _, rr := range w.ResourceRecords.Records {
		r.Values = append(r.Values, rr.Value)
	}
	return r, nil
}

// applyChanges applies changes in order to a copy of z's sets and returns
// the copy with the messages of every refused change.
func applyChanges(z *zone, changes []wireChange) (setList, []string) {
	work := slices.Clone(z.sets)
	var msgs []string
	touched := map[string][]string{}
	for _, c := range changes {
		r, err := fromWire(c.Set)
		if err != nil {
			msgs = append(msgs, err.Error())
			continue
		}
		if !inZone(r.Name, z.name) {
			msgs = append(msgs, fmt.Sprintf("RRSet with DNS name %s is not permitted in zone %s", r.Name, z.name))
			continue
		}
		// One batch may touch a set once, or delete it and create it again
		// (the way to replace a set before UPSERT existed). Two CREATEs of
		// one set give this message on real accounts; the exact rule is
		// inferred.
		key := r.Name + "\x00" + r.Type + "\x00" + r.SetIdentifier
		if prev := touched[key]; len(prev) > 0 && !(len(prev) == 1 && prev[0] == "DELETE" && c.Action == "CREATE") {
			msgs = append(msgs, fmt.Sprintf("The request contains an invalid set of changes for a resource record set '%s %s'", r.Type, r.Name))
			continue
		}
		touched[key] = append(touched[key], c.Action)
		if m := checkValues(r, z.name, c.Action); len(m) > 0 {
			msgs = append(msgs, m...)
			continue
		}
		i, exists := work.search(r.Name, r.Type, r.SetIdentifier)
		switch c.Action {
		case "CREATE":
			if exists {
				msgs = append(msgs, fmt.Sprintf("Tried to create resource record set [%s] but it already exists", r.label()))
				continue
			}
			if m := conflicts(work, r, z.name); len(m) > 0 {
				msgs = append(msgs, m...)
				continue
			}
			work = work.put(r)
		case "DELETE":
			if !exists {
				msgs = append(msgs, fmt.Sprintf("Tried to delete resource record set [%s] but it was not found", r.label()))
				continue
			}
			if !matches(work[i].set, r) {
				msgs = append(msgs, fmt.Sprintf("Tried to delete resource record set [%s] but the values provided do not match the current values", r.label()))
				continue
			}
			work = work.remove(r)
		case "UPSERT":
			if m := conflicts(work, r, z.name); len(m) > 0 {
				msgs = append(msgs, m...)
				continue
			}
			work = work.put(r)
		}
	}
	if len(msgs) > 0 {
		return nil, msgs
	}
	// The apex SOA and NS come with the zone and can be replaced (UPSERT,
	// or DELETE and CREATE in one batch) but not removed.
	if _, ok := work.search(z.name, "NS", ""); !ok {
		msgs = append(msgs, "A HostedZone must contain at least one NS record for the zone itself.")
	}
	if _, ok := work.search(z.name, "SOA", ""); !ok {
		// Text not known from real accounts.
		msgs = append(msgs, "A HostedZone must contain exactly one SOA record.")
	}
	return work, msgs
}

// checkValues returns the messages for values of r that Route 53 refuses.
// Only duplicates are checked for a DELETE; its values only have to match.
func checkValues(r RRSet, zoneName, action string) []string {
	var msgs []string
	seen := map[string]bool{}
	for _, v := range r.Values {
		if seen[v] {
			msgs = append(msgs, fmt.Sprintf("Duplicate Resource Record: '%s'", v))
		}
		seen[v] = true
	}
	if action == "DELETE" {
		return msgs
	}
	if r.Type == "CNAME" && r.Name == zoneName {
		msgs = append(msgs, fmt.Sprintf("RRSet of type CNAME with DNS name %s is not permitted at apex in zone %s", r.Name, zoneName))
	}
	if r.Type == "CNAME" && len(r.Values) > 1 {
		// Text not known from real accounts for this case.
		msgs = append(msgs, fmt.Sprintf("The request contains an invalid set of changes for a resource record set 'CNAME %s'", r.Name))
	}
	if r.Type == "SOA" && (r.Name != zoneName || len(r.Values) != 1) {
		// Text not known from real accounts.
		msgs = append(msgs, fmt.Sprintf("RRSet of type SOA with DNS name %s is not permitted: a zone has exactly one SOA record, at its apex %s", r.Name, zoneName))
	}
	if r.Type == "NS" && strings.HasPrefix(r.Name, `\052.`) {
		// Wildcard NS sets are refused (API reference, ResourceRecordSet
		// Name); text not known from real accounts.
		msgs = append(msgs, fmt.Sprintf("RRSet of type NS with DNS name %s is not permitted: wildcards are not allowed for NS records", r.Name))
	}
	for _, v := range r.Values {
		if m := checkValue(r.Type, v); m != "" {
			msgs = append(msgs, m)
		}
	}
	return msgs
}

func invalidRecord(problem, v string) string {
	return fmt.Sprintf("Invalid Resource Record: 'FATAL problem: %s encountered with '%s''", problem, v)
}

// checkValue checks the RDATA of the types whose errors are known from real
// accounts; other values are stored verbatim, as given.
func checkValue(typ, v string) string {
	switch typ {
	case "A":
		if a, err := netip.ParseAddr(v); err != nil || !a.Is4() {
			return invalidRecord("ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address)", v)
		}
	case "AAAA":
		if a, err := netip.ParseAddr(v); err != nil || !a.Is6() || a.Zone() != "" {
			return invalidRecord("AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address)", v)
		}
	case "TXT", "SPF":
		return checkTXT(v)
	}
	return ""
}

// checkTXT splits a TXT or SPF value into character-strings as a zone file
// does ("quoted" with \" \\ \ooo escapes, or unquoted words) and refuses a
// string longer than 255 bytes. Real accounts answer CharacterStringTooLong
// for a quoted string (boto3#1462, virtualmin#355); TXTRDATATooLong, named
// in AWS's knowledge center, is used here for an unquoted one.
func checkTXT(v string) string {
	i := 0
	for i < len(v) {
		switch v[i] {
		case ' ', '\t':
			i++
			continue
		case '"':
			i++
			n, closed := 0, false
			for i < len(v) && !closed {
				switch {
				case v[i] == '\\':
					i += escapeLen(v[i:])
				case v[i] == '"':
					closed = true
					i++
					continue
				default:
					i++
				}
				n++
			}
			if !closed {
				return invalidRecord("InvalidCharacterString (Value should be enclosed in quotation marks)", v)
			}
			if n > 255 {
				return invalidRecord("CharacterStringTooLong (Value is too long)", v)
			}
		default:
			n := 0
			for i < len(v) && v[i] != ' ' && v[i] != '\t' {
				if v[i] == '\\' {
					i += escapeLen(v[i:])
				} else {
					i++
				}
				n++
			}
			if n > 255 {
				return invalidRecord("TXTRDATATooLong (Value is too long)", v)
			}
		}
	}
	return ""
}

// escapeLen is the length of the escape at the start of s (`\ddd` or `\X`).
func escapeLen(s string) int {
	if len(s) >= 4 && isDigit(s[1]) && isDigit(s[2]) && isDigit(s[3]) {
		return 4
	}
	return min(2, len(s))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// conflicts returns the messages for creating or replacing r in work: the
// CNAME rules and mixing simple and routing-policy sets of one type.
func conflicts(work setList, r RRSet, zoneName string) []string {
	var msgs []string
	for _, e := range work.atName(r.Name) {
		o := e.set
		if o.Type == r.Type && o.SetIdentifier == r.SetIdentifier {
			continue // the set r replaces
		}
		switch {
		case r.Type == "CNAME" && o.Type != "CNAME":
			return append(msgs, fmt.Sprintf("RRSet of type CNAME with DNS name %s is not permitted as it conflicts with other records with the same DNS name in zone %s", r.Name, zoneName))
		case r.Type != "CNAME" && o.Type == "CNAME":
			// The double space is in the service's text.
			return append(msgs, fmt.Sprintf("RRSet of type %s with DNS name %s is not permitted because a conflicting RRSet of type  CNAME with the same DNS name already exists in zone %s", r.Type, r.Name, zoneName))
		case o.Type == r.Type && r.SetIdentifier != "" && o.SetIdentifier == "":
			// Seen on real accounts for multivalue answer sets (cert-manager
			// #5388); the same rule applies to every routing policy.
			return append(msgs, fmt.Sprintf("RRSet with DNS name %s, type %s, SetIdentifier %q cannot be created because a non multivalue answer rrset exists with the same name and type.", r.Name, r.Type, r.SetIdentifier))
		case o.Type == r.Type && r.SetIdentifier == "" && o.SetIdentifier != "":
			// Text not known from real accounts.
			return append(msgs, fmt.Sprintf("RRSet with DNS name %s, type %s cannot be created because a routing-policy rrset exists with the same name and type.", r.Name, r.Type))
		}
	}
	return msgs
}

// matches reports whether a DELETE request r names exactly the stored set
// cur: the same TTL and the same values in any order, or the same alias
// target; a Weight, if given, must match too. Other routing fields may be
// left out (moto#7153 documents the same).
func matches(cur, r RRSet) bool {
	if (cur.Alias == nil) != (r.Alias == nil) {
		return false
	}
	if cur.Alias != nil {
		return strings.EqualFold(cur.Alias.HostedZoneID, r.Alias.HostedZoneID) &&
			cur.Alias.DNSName == r.Alias.DNSName &&
			cur.Alias.EvaluateTargetHealth == r.Alias.EvaluateTargetHealth
	}
	if cur.TTL != r.TTL || len(cur.Values) != len(r.Values) {
		return false
	}
	if r.Weight != nil && (cur.Weight == nil || *cur.Weight != *r.Weight) {
		return false
	}
	a, b := slices.Clone(cur.Values), slices.Clone(r.Values)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
