package zones

import (
	"fmt"
	"slices"

	"github.com/miekg/dns"
)

// Packable reports why rr cannot be put on the wire (rdata that parsed as
// text but does not encode, such as SSHFP with a fingerprint that is not
// hex), or nil: FromRRs refuses such records, so a driver that reads a
// provider checks each with it first and protects its set instead of
// failing the whole listing.
func Packable(rr dns.RR) error {
	if plainPresentation(rr.Header().Rrtype) {
		return nil
	}
	var wire [65535]byte
	if _, err := dns.PackRR(rr, wire[:], 0, nil, false); err != nil {
		return fmt.Errorf("%s %s: %w", rr.Header().Name, TypeString(rr.Header().Rrtype), err)
	}
	return nil
}

// FromRRs groups records read from a server (an AXFR, say) into canonical
// RRsets of the zone origin, as ParseFile would from a file: canonical names
// and rdata, duplicates collapsed, the first TTL of an RRset kept. Records
// outside the origin or of a class other than IN are left out; the second
// SOA that closes an AXFR is a duplicate and collapses. The result is in
// canonical order.
func FromRRs(origin string, rrs []dns.RR) ([]RRset, error) {
	z := NewZone(origin)
	var wire [65535]byte
	for _, rr := range rrs {
		h := rr.Header()
		if h.Class != dns.ClassINET || isMeta(h.Rrtype) {
			continue
		}
		name := CanonicalName(h.Name)
		if !inZone(name, z.Origin) {
			continue
		}
		if !plainPresentation(h.Rrtype) {
			end, err := dns.PackRR(rr, wire[:], 0, nil, false)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", h.Name, TypeString(h.Rrtype), err)
			}
			if back, _, err := dns.UnpackRR(wire[:end], 0); err == nil {
				rr = back
			}
		}
		key := Key{Name: name, Type: h.Rrtype}
		if sig, ok := rr.(*dns.RRSIG); ok {
			key.Covers = sig.TypeCovered
		}
		data := Rdata(rr)
		if s := z.Sets[key]; s != nil {
			s.Data = append(s.Data, data)
			continue
		}
		z.Sets[key] = &RRset{Name: name, Type: h.Rrtype, Covers: key.Covers, TTL: h.Ttl, Data: []string{data}}
	}
	out := make([]RRset, 0, len(z.Sets))
	for _, s := range z.RRsets() {
		if len(s.Data) > 1 {
			slices.Sort(s.Data)
			s.Data = slices.Compact(s.Data)
		}
		out = append(out, *s)
	}
	return out, nil
}

// RRs turns an RRset back into miekg/dns records.
func (s *RRset) RRs() ([]dns.RR, error) {
	out := make([]dns.RR, 0, len(s.Data))
	for _, d := range s.Data {
		rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", s.Name, s.TTL, s.TypeString(), d))
		if err != nil {
			return nil, fmt.Errorf("%s %s %q: %w", s.Name, s.TypeString(), d, err)
		}
		if rr == nil {
			return nil, fmt.Errorf("%s %s %q: no record", s.Name, s.TypeString(), d)
		}
		out = append(out, rr)
	}
	return out, nil
}
