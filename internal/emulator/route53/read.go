package route53

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxItems parses the maxitems query parameter: def when absent, at most
// limit. It returns the echo for MaxItems as well.
func maxItems(r *http.Request, def, limit int) (n int, echo string, err *apiError) {
	v := r.URL.Query().Get("maxitems")
	if v == "" {
		return min(def, limit), strconv.Itoa(def), nil
	}
	n, perr := strconv.Atoi(v)
	if perr != nil || n < 1 {
		return 0, "", invalidInput("1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must be a positive integer", v)
	}
	return min(n, limit), v, nil
}

func (s *Server) wireZone(z *zone) wireZone {
	return wireZone{
		ID:                     "/hostedzone/" + z.id,
		Name:                   z.name,
		CallerReference:        z.callerRef,
		Config:                 wireZoneConfig{PrivateZone: z.private},
		ResourceRecordSetCount: len(z.sets),
	}
}

// zonesByName returns the zones in ListHostedZonesByName order: reversed
// labels of the name, then id. s.mu must be held.
// The order is kept until a zone is added or deleted, so that many
// lookups stay cheap; callers must not change the slice.
func (s *Server) zonesByName() []*zone {
	if s.byName != nil {
		return s.byName
	}
	zs := slices.Clone(s.zones)
	slices.SortStableFunc(zs, func(a, b *zone) int {
		return cmp.Or(strings.Compare(a.key, b.key), strings.Compare(a.id, b.id))
	})
	s.byName = zs
	return zs
}

// listZonesByName serves GET /2013-04-01/hostedzonesbyname?dnsname=&hostedzoneid=&maxitems=.
// Zones are listed from the first whose (name, id) is at or after
// (dnsname, hostedzoneid), so a lookup by name finds that zone first if
// it exists and the next one in order if it does not.
func (s *Server) listZonesByName(r *http.Request) (any, *apiError) {
	q := r.URL.Query()
	n, echo, err := maxItems(r, 100, 100)
	if err != nil {
		return nil, err
	}
	dnsName, zoneID := q.Get("dnsname"), strings.TrimPrefix(q.Get("hostedzoneid"), "/hostedzone/")
	if zoneID != "" && dnsName == "" {
		return nil, invalidInput("The input is not valid: HostedZoneId cannot be specified without DNSName")
	}
	if dnsName != "" {
		cn, nerr := canonicalName(dnsName)
		if nerr != nil {
			return nil, &apiError{status: http.StatusBadRequest, code: "InvalidDomainName", message: "The specified domain name is not valid: " + dnsName}
		}
		dnsName = cn
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	zs := s.zonesByName()
	start := 0
	if dnsName != "" {
		key := sortKey(dnsName)
		start, _ = slices.BinarySearchFunc(zs, struct{}{}, func(z *zone, _ struct{}) int {
			return cmp.Or(strings.Compare(z.key, key), strings.Compare(z.id, zoneID))
		})
	}
	out := wireListZonesByNameResponse{Xmlns: xmlns, DNSName: dnsName, HostedZoneID: zoneID, MaxItems: echo}
	end := min(start+n, len(zs))
	for _, z := range zs[start:end] {
		out.HostedZones.Zones = append(out.HostedZones.Zones, s.wireZone(z))
	}
	if end < len(zs) {
		out.IsTruncated = true
		out.NextDNSName = zs[end].name
		out.NextHostedZoneID = zs[end].id
	}
	return out, nil
}

// listZones serves GET /2013-04-01/hostedzone?marker=&maxitems=, in
// creation order; the marker is the id of the first zone of the page.
func (s *Server) listZones(r *http.Request) (any, *apiError) {
	n, echo, err := maxItems(r, 100, 100)
	if err != nil {
		return nil, err
	}
	marker := r.URL.Query().Get("marker")
	s.mu.Lock()
	defer s.mu.Unlock()
	start := 0
	if marker != "" {
		start = slices.IndexFunc(s.zones, func(z *zone) bool { return z.id == marker })
		if start < 0 {
			return nil, invalidInput("The marker %s is not valid", marker)
		}
	}
	out := wireListZonesResponse{Xmlns: xmlns, Marker: marker, MaxItems: echo}
	end := min(start+n, len(s.zones))
	for _, z := range s.zones[start:end] {
		out.HostedZones.Zones = append(out.HostedZones.Zones, s.wireZone(z))
	}
	if end < len(s.zones) {
		out.IsTruncated = true
		out.NextMarker = s.zones[end].id
	}
	return out, nil
}

// getZone serves GET /2013-04-01/hostedzone/{id}.
func (s *Server) getZone(id string) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zone(id)
	if z == nil {
		return nil, noSuchZone(id)
	}
	return wireGetZoneResponse{Xmlns: xmlns, HostedZone: s.wireZone(z), DelegationSet: wireDelegationSet{NameServers: slices.Clone(z.nameServers)}}, nil
}

// listRRSets serves GET /2013-04-01/hostedzone/{id}/rrset?name=&type=&identifier=&maxitems=.
//
// Sets are listed in reversed-label order of the name, then by type, then
// by set identifier, starting at the first set at or after (name, type,
// identifier). A page holds min(maxitems, PageSize) sets; when more
// remain, IsTruncated is true and NextRecordName/Type (and
// NextRecordIdentifier, if the next set has one) name the first set of the
// next page. MaxItems echoes the request.
func (s *Server) listRRSets(id string, r *http.Request) (any, *apiError) {
	q := r.URL.Query()
	n, echo, err := maxItems(r, s.opts.PageSize, s.opts.PageSize)
	if err != nil {
		return nil, err
	}
	name, typ, ident := q.Get("name"), q.Get("type"), q.Get("identifier")
	if typ != "" && name == "" {
		// Documented in the ListResourceRecordSets API reference; the exact
		// text is not known from real accounts.
		return nil, invalidInput("The input is not valid: StartRecordType cannot be specified without StartRecordName")
	}
	if ident != "" && typ == "" {
		return nil, invalidInput("The input is not valid: StartRecordIdentifier cannot be specified without StartRecordName and StartRecordType")
	}
	if typ != "" && !validType(typ) {
		return nil, invalidInput("%s", enumError(typ, rrTypes))
	}
	if name != "" {
		cn, nerr := canonicalName(name)
		if nerr != nil {
			return nil, invalidInput("%s", nerr.Error())
		}
		name = cn
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zone(id)
	if z == nil {
		return nil, noSuchZone(id)
	}
	start := 0
	if name != "" {
		start, _ = z.sets.search(name, typ, ident)
	}
	out := wireListRRSetsResponse{Xmlns: xmlns, MaxItems: echo}
	end := min(start+n, len(z.sets))
	for _, e := range z.sets[start:end] {
		out.ResourceRecordSets.Sets = append(out.ResourceRecordSets.Sets, toWire(e.set))
	}
	if end < len(z.sets) {
		next := z.sets[end].set
		out.IsTruncated = true
		out.NextRecordName = next.Name
		out.NextRecordType = next.Type
		out.NextRecordIdentifier = next.SetIdentifier
	}
	return out, nil
}

// getChange serves GET /2013-04-01/change/{id}.
func (s *Server) getChange(id string) (any, *apiError) {
	id = strings.TrimPrefix(id, "/change/")
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.changes[id]
	if !ok {
		return nil, &apiError{status: http.StatusNotFound, code: "NoSuchChange", message: "A change with the specified change ID does not exist."}
	}
	status := "INSYNC"
	if c.pending > 0 {
		c.pending--
		status = "PENDING"
	} else if time.Now().Before(c.insyncAt) {
		status = "PENDING"
	}
	return wireGetChangeResponse{Xmlns: xmlns, ChangeInfo: wireChangeInfo{ID: "/change/" + c.id, Status: status, SubmittedAt: c.submittedAt, Comment: c.comment}}, nil
}
