package route53

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// RRSet is a resource record set as the emulator stores it and lists it.
type RRSet struct {
	Name          string   // lower case, trailing dot, wildcard as \052
	Type          string   // one of the Route 53 RRType values
	TTL           int64    // unset (0) for alias sets
	Values        []string // ResourceRecord values, verbatim
	SetIdentifier string   // routing-policy variants (weighted, latency, ...)
	Weight        *int64
	Region        string
	Failover      string
	GeoLocation   *GeoLocation
	// MultiValueAnswer and HealthCheckID are kept and listed, not acted on.
	MultiValueAnswer *bool
	HealthCheckID    string
	Alias            *Alias // alias sets have no TTL and no values
}

// Alias is the AliasTarget of an alias record set.
type Alias struct {
	HostedZoneID         string
	DNSName              string
	EvaluateTargetHealth bool
}

// GeoLocation is the location of a geolocation routing variant.
type GeoLocation struct {
	ContinentCode, CountryCode, SubdivisionCode string
}

func (r RRSet) clone() RRSet {
	r.Values = slices.Clone(r.Values)
	if r.Weight != nil {
		w := *r.Weight
		r.Weight = &w
	}
	if r.MultiValueAnswer != nil {
		m := *r.MultiValueAnswer
		r.MultiValueAnswer = &m
	}
	if r.GeoLocation != nil {
		g := *r.GeoLocation
		r.GeoLocation = &g
	}
	if r.Alias != nil {
		a := *r.Alias
		r.Alias = &a
	}
	return r
}

// label is how Route 53 names a record set in its messages.
func (r RRSet) label() string {
	s := fmt.Sprintf("name='%s', type='%s'", r.Name, r.Type)
	if r.SetIdentifier != "" {
		s += fmt.Sprintf(", set-identifier='%s'", r.SetIdentifier)
	}
	return s
}

// entry is a stored set with its cached sort key.
type entry struct {
	key string
	set RRSet
}

func compareEntry(a entry, key, typ, id string) int {
	return cmp.Or(strings.Compare(a.key, key), strings.Compare(a.set.Type, typ), strings.Compare(a.set.SetIdentifier, id))
}

// setList is a zone's record sets in listing order: reversed labels, then
// type, then set identifier.
type setList []entry

// search returns the index of the first set at or after (name, typ, id),
// and whether that set is exactly (name, typ, id).
func (l setList) search(name, typ, id string) (int, bool) {
	key := sortKey(name)
	return slices.BinarySearchFunc(l, struct{}{}, func(e entry, _ struct{}) int {
		return compareEntry(e, key, typ, id)
	})
}

// atName returns the sets owned by name.
func (l setList) atName(name string) []entry {
	key := sortKey(name)
	i, _ := l.search(name, "", "")
	j := i
	for j < len(l) && l[j].key == key {
		j++
	}
	return l[i:j]
}

// put inserts r, or replaces the set with the same name, type and identifier.
func (l setList) put(r RRSet) setList {
	i, ok := l.search(r.Name, r.Type, r.SetIdentifier)
	e := entry{key: sortKey(r.Name), set: r}
	if ok {
		l[i] = e
		return l
	}
	return slices.Insert(l, i, e)
}

func (l setList) remove(r RRSet) setList {
	i, ok := l.search(r.Name, r.Type, r.SetIdentifier)
	if !ok {
		return l
	}
	return slices.Delete(l, i, i+1)
}

// zone is one hosted zone.
type zone struct {
	id          string
	name        string
	key         string // sortKey(name)
	callerRef   string
	private     bool
	nameServers []string
	sets        setList
	signing     signing // GetDNSSEC (dnssec.go)
}

// change is a submitted change batch, for GetChange.
type change struct {
	id          string
	submittedAt string
	comment     string
	pending     int       // GetChange answers PENDING while this is > 0
	insyncAt    time.Time // and before this time
}
