package zones

import (
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// idnToASCII rewrites the names of the zone written in raw UTF-8 (owner
// names, and names in the rdata of the types nameFields lists) to their
// A-labels (punycode, RFC 5891), the origin too, for Options.IDN. A name
// that is no valid internationalised name, or whose A-label form is too
// long for the DNS, is kept as it is (and the utf8-label lint says so).
// RRsets that become one are merged: the first keeps its TTL and position.
// DNSSEC records are left alone: their names are the signer's.
//
// It returns the zone's RRsets and the kinds of RRsets at each name
// (typeBit), rebuilt when a name changed, as check needs them.
func idnToASCII(z *Zone, sets []*RRset, names map[string]uint8) ([]*RRset, map[string]uint8) {
	if a, ok := asciiName(z.Origin); ok {
		z.Origin = a
	}
	changed := false
	for _, s := range sets {
		if IsDNSSEC(s.Type) {
			continue
		}
		if a, ok := asciiName(s.Name); ok {
			s.Name, changed = a, true
		}
		if fields, ok := nameFields[s.Type]; ok {
			dataChanged := false
			for i, rd := range s.Data {
				if rd2, ok := asciiRdata(rd, fields); ok {
					s.Data[i], dataChanged = rd2, true
				}
			}
			if dataChanged {
				slices.Sort(s.Data)
				s.Data = slices.Compact(s.Data)
			}
		}
	}
	if !changed {
		return sets, names
	}
	out := sets[:0]
	z.Sets = make(map[Key]*RRset, len(sets))
	names = make(map[string]uint8, len(names))
	for _, s := range sets {
		if have := z.Sets[s.Key()]; have != nil {
			have.Data = slices.Compact(slices.Sorted(slices.Values(append(have.Data, s.Data...))))
			if posLess(s.Pos, have.Pos) {
				have.Pos = s.Pos
			}
			continue
		}
		z.Sets[s.Key()] = s
		names[s.Name] |= typeBit(s.Type)
		out = append(out, s)
	}
	return out, names
}

// asciiName returns name with its UTF-8 labels as A-labels, when it has
// any and they convert to a valid name.
func asciiName(name string) (string, bool) {
	a, _, ok := aLabel(name)
	if !ok || a == "" {
		return "", false
	}
	if _, ok := dns.IsDomainName(a); !ok {
		return "", false
	}
	var buf [256]byte
	if _, err := dns.PackDomainName(a, buf[:], 0, nil, false); err != nil {
		return "", false // over 63 octets a label or 255 a name
	}
	return CanonicalName(a), true
}

// asciiRdata rewrites the names at fields (as in nameFields) of canonical
// rdata rd with asciiName.
func asciiRdata(rd string, fields []int) (string, bool) {
	if !strings.Contains(rd, `\`) {
		return "", false
	}
	f := strings.Split(rd, " ")
	changed := false
	for _, i := range fields {
		if i < 0 {
			i += len(f)
		}
		if i < 0 || i >= len(f) {
			continue
		}
		if a, ok := asciiName(f[i]); ok {
			f[i], changed = a, true
		}
	}
	if !changed {
		return "", false
	}
	return strings.Join(f, " "), true
}
