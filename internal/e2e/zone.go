package e2e

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/providers"
)

// Key names an RRset: an absolute lower-case owner and a type.
type Key struct {
	Name string
	Type uint16
}

// RRset is one generated RRset. Data holds each record's rdata as the zone
// file writes it, with absolute names; no two records of a set are the same
// record (after miekg/dns normalisation).
type RRset struct {
	Name string
	Type uint16
	TTL  uint32
	Data []string
}

func (s *RRset) clone() *RRset {
	c := *s
	c.Data = slices.Clone(s.Data)
	return &c
}

// Zone is one generated state of a zone.
type Zone struct {
	Origin string
	Sets   map[Key]*RRset
}

// Records is the number of records of the zone.
func (z *Zone) Records() int {
	n := 0
	for _, s := range z.Sets {
		n += len(s.Data)
	}
	return n
}

// Keys returns the zone's keys sorted by name, then type.
func (z *Zone) Keys() []Key {
	keys := make([]Key, 0, len(z.Sets))
	for k := range z.Sets {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b Key) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return int(a.Type) - int(b.Type)
	})
	return keys
}

// Profile says which RRsets a provider keeps for itself and zonecast never
// plans there (providers.Capabilities OwnsSOA and OwnsApexNS).
type Profile struct {
	OwnsSOA, OwnsApexNS bool
	// MinTTL is the provider's minimum TTL (providers.Capabilities
	// MinTTL): the plan raises lower TTLs to it, so a provider serves them
	// so (0: no minimum).
	MinTTL uint32
	// TXTJoined: the provider holds a TXT record as one text and serves it
	// in strings of 255 octets (providers.Capabilities.TXTJoined).
	TXTJoined bool
}

// setLines is setLines of s as a provider of profile p serves it: its TTL
// raised to the profile's minimum and, with TXTJoined, each TXT record's
// strings joined and cut at 255 octets.
func (p Profile) setLines(s *RRset) ([]string, error) {
	if p.MinTTL > 0 && s.TTL < p.MinTTL {
		c := *s
		c.TTL = p.MinTTL
		s = &c
	}
	if p.TXTJoined && s.Type == dns.TypeTXT {
		c := s.clone()
		for i, d := range c.Data {
			if text, err := providers.TXTText(d); err == nil {
				c.Data[i] = providers.TXTData(text)
			}
		}
		s = c
	}
	return setLines(s)
}

// Managed reports whether zonecast manages the RRset k of a zone at origin
// at a provider of profile p.
func (p Profile) Managed(k Key, origin string) bool {
	switch {
	case k.Type == dns.TypeSOA && p.OwnsSOA:
		return false
	case k.Type == dns.TypeNS && k.Name == origin && p.OwnsApexNS:
		return false
	}
	return true
}

// Lines returns the records of z that zonecast manages at a provider of
// profile p, one normalised line per record (see Line), sorted. SOA serials
// are zeroed: the provider picks its own.
func (z *Zone) Lines(p Profile) ([]string, error) {
	var out []string
	for _, k := range z.Keys() {
		if !p.Managed(k, z.Origin) {
			continue
		}
		l, err := p.setLines(z.Sets[k])
		if err != nil {
			return nil, err
		}
		out = append(out, l...)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Line is a record in one normalised form, through miekg/dns alone: owner
// decoded and lower-cased, class IN, SOA serial zero, rdata as miekg/dns
// prints it (names in rdata lower-cased).
func Line(rr dns.RR) string {
	rr = dns.Copy(rr)
	h := rr.Header()
	h.Name = NormName(h.Name)
	h.Class = dns.ClassINET
	switch r := rr.(type) {
	case *dns.SOA:
		r.Serial = 0
		r.Ns, r.Mbox = NormName(r.Ns), NormName(r.Mbox)
	case *dns.NS:
		r.Ns = NormName(r.Ns)
	case *dns.CNAME:
		r.Target = NormName(r.Target)
	case *dns.MX:
		r.Mx = NormName(r.Mx)
	case *dns.SRV:
		r.Target = NormName(r.Target)
	}
	return rr.String()
}

// NormName returns name decoded from its presentation escapes and printed
// again, lower-cased and absolute ("\052.a.example." is "*.a.example.").
func NormName(name string) string {
	name = dns.Fqdn(name)
	buf := make([]byte, 256)
	off, err := dns.PackDomainName(name, buf, 0, nil, false)
	if err != nil {
		return strings.ToLower(name)
	}
	back, _, err := dns.UnpackDomainName(buf[:off], 0)
	if err != nil {
		return strings.ToLower(name)
	}
	return strings.ToLower(back)
}

// Verdict is what zonecast must decide for one step at one provider.
type Verdict struct {
	Creates, Updates, Deletes int
	Current                   int  // RRsets the provider served that zonecast manages
	Restore                   bool // it served nothing of the zone but its apex
	Refused                   bool // the safety check refuses the step without --force
}

// Changes is the number of RRset changes of the step.
func (v Verdict) Changes() int { return v.Creates + v.Updates + v.Deletes }

// Judge computes the verdict of going from prev (what the provider serves;
// nil when it does not serve the zone) to next at a provider of profile p,
// with the safety limit in percent. It restates internal/plan's rule as the
// README documents it: refused when updates plus deletes exceed limit% of
// the RRsets served (zones of ten or more), or, whatever the size, when
// deletes are more than half of them or leave only the SOA and apex NS;
// never for a restore.
func Judge(prev, next *Zone, p Profile, limit int) (Verdict, error) {
	var v Verdict
	nextLines := map[Key][]string{}
	for _, k := range next.Keys() {
		if p.Managed(k, next.Origin) {
			l, err := p.setLines(next.Sets[k])
			if err != nil {
				return v, err
			}
			nextLines[k] = l
		}
	}
	apexSets := 0
	if prev != nil {
		for _, k := range prev.Keys() {
			if !p.Managed(k, prev.Origin) {
				continue
			}
			v.Current++
			if k.Name == prev.Origin && (k.Type == dns.TypeSOA || k.Type == dns.TypeNS) {
				apexSets++
			}
			want, ok := nextLines[k]
			if !ok {
				v.Deletes++
				continue
			}
			have, err := p.setLines(prev.Sets[k])
			if err != nil {
				return v, err
			}
			if !slices.Equal(have, want) {
				v.Updates++
			}
		}
	}
	for k := range nextLines {
		if prev == nil || !p.Managed(k, prev.Origin) || prev.Sets[k] == nil {
			v.Creates++
		}
	}
	v.Restore = prev == nil || v.Current == 0 || v.Current == apexSets
	if !v.Restore {
		v.Refused = v.Deletes*2 > v.Current || (v.Deletes > 0 && v.Current-v.Deletes+v.Creates <= apexSets) ||
			(v.Current >= 10 && (v.Updates+v.Deletes)*100 > limit*v.Current)
	}
	return v, nil
}

// setLines returns the normalised lines of s, sorted. Parsing dominates
// the generator's and the test's time (more so under the race detector), so
// lines are kept by the set's content, for every sequence of the process.
func setLines(s *RRset) ([]string, error) {
	var key strings.Builder
	fmt.Fprintf(&key, "%s %d %d", s.Name, s.Type, s.TTL)
	for _, d := range s.Data {
		key.WriteByte(0)
		key.WriteString(d)
	}
	if l, ok := linesCache.Load(key.String()); ok {
		return l.([]string), nil
	}
	out := make([]string, 0, len(s.Data))
	for _, d := range s.Data {
		rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", s.Name, s.TTL, dns.TypeToString[s.Type], d))
		if err != nil || rr == nil {
			return nil, fmt.Errorf("generated record %s %s %q does not parse: %v", s.Name, dns.TypeToString[s.Type], d, err)
		}
		out = append(out, Line(rr))
	}
	slices.Sort(out)
	out = slices.Compact(out)
	linesCache.Store(key.String(), out)
	return out, nil
}

var linesCache sync.Map // RRset content -> []string
