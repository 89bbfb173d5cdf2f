package zones

import (
	"fmt"
	"sort"
	"strings"

	"github.com/miekg/dns"
)

// check runs the zone-wide checks: SOA and apex NS, CNAME and DNAME rules,
// NS/MX/SRV targets, glue, occluded data, DS at the apex and DNSSEC records.
//
// names holds the kinds of RRsets at each owner (typeBit), gathered while
// parsing, so the checks need no second index of the zone.
func check(z *Zone, names map[string]uint8) Diagnostics {
	var ds Diagnostics
	add := func(pos Pos, sev Severity, code, msg, hint string) {
		ds = append(ds, Diagnostic{Pos: pos, Severity: sev, Code: code, Message: msg, Hint: hint})
	}
	top := Pos{File: z.File, Line: 1, Col: 1}
	apex := z.Origin

	// The delegations and DNAMEs.
	cuts := make(map[string]bool)   // names below the apex with NS: delegation points
	dnames := make(map[string]bool) // names with DNAME
	glue := make(map[string]bool)   // NS targets: address records there are glue
	for k, s := range z.Sets {
		switch k.Type {
		case dns.TypeNS:
			if k.Name != apex {
				cuts[k.Name] = true
			}
			for _, t := range s.Data {
				glue[t] = true
			}
		case dns.TypeDNAME:
			dnames[k.Name] = true
		}
	}

	soa := z.Lookup(apex, dns.TypeSOA)
	switch {
	case soa == nil:
		add(top, Error, CodeMissingSOA, fmt.Sprintf("the zone %s (origin from %s) has no SOA record at its apex", apex, z.OriginFrom),
			"add one SOA record at the apex, or pass the right --origin")
	case len(soa.Data) > 1:
		add(soa.Pos, Error, CodeMultipleSOA, fmt.Sprintf("the zone %s has %d different SOA records", apex, len(soa.Data)),
			"keep exactly one SOA record")
	}
	if z.Lookup(apex, dns.TypeNS) == nil {
		add(top, Error, CodeMissingApexNS, fmt.Sprintf("the zone %s has no NS records at its apex", apex),
			"add the NS records of every provider that serves the zone")
	}
	if ds := z.Lookup(apex, dns.TypeDS); ds != nil {
		add(ds.Pos, Error, CodeDSAtApex, fmt.Sprintf("DS at the apex %s", apex),
			"a zone's DS records belong in its parent zone; remove them here")
	}

	dnssec := make(map[uint16][]*RRset)
	for k, s := range z.Sets {
		name := k.Name
		switch k.Type {
		case dns.TypeSOA:
			if name != apex {
				add(s.Pos, Error, CodeSOANotAtApex, fmt.Sprintf("SOA at %s, not at the apex %s", name, apex),
					"a zone has one SOA, at its apex; remove this one")
			}
		case dns.TypeCNAME:
			switch {
			case name == apex:
				add(s.Pos, Error, CodeCNAMEAtApex, fmt.Sprintf("CNAME at the apex %s", apex),
					"the apex must hold SOA and NS, which a CNAME forbids (RFC 1034 §3.6.2); use A/AAAA records or a provider's flattening")
			default:
				if names[name]&bitOther != 0 {
					add(s.Pos, Error, CodeCNAMEAndOther, fmt.Sprintf("CNAME at %s alongside other data (%s)", name, typeList(otherTypesAt(z, name))),
						"a name with a CNAME can have no other records (RFC 1034 §3.6.2); remove the CNAME or the others")
				}
			}
			if len(s.Data) > 1 {
				add(s.Pos, Error, CodeMultipleCNAMEs, fmt.Sprintf("%d CNAME records at %s", len(s.Data), name),
					"a name has at most one CNAME; keep one")
			}
		case dns.TypeDNAME:
			if len(s.Data) > 1 {
				add(s.Pos, Error, CodeMultipleDNAMEs, fmt.Sprintf("%d DNAME records at %s", len(s.Data), name),
					"a name has at most one DNAME (RFC 6672 §2.4); keep one")
			}
		case dns.TypeNS, dns.TypeMX, dns.TypeSRV:
			checkTargets(z, s, add)
		}
		if IsDNSSEC(k.Type) {
			dnssec[k.Type] = append(dnssec[k.Type], s)
		}
		if len(cuts)+len(dnames) == 0 {
			continue
		}
		if occluder := occludedBy(name, k.Type, apex, cuts, dnames, glue); occluder != "" {
			add(s.Pos, Warning, CodeOccluded, fmt.Sprintf("%s %s is below %s and will not be served", name, s.TypeString(), occluder),
				"remove it, or move it into the delegated zone")
		}
	}

	for t, sets := range dnssec {
		first := sets[0]
		for _, s := range sets[1:] {
			if posLess(s.Pos, first.Pos) {
				first = s
			}
		}
		add(first.Pos, Info, CodeDNSSECNotReplicas, fmt.Sprintf("%d %s RRsets kept in the file, not replicated: providers sign for themselves", len(sets), TypeString(t)),
			"nothing to do; remove them if the file is not also served signed as it is")
	}
	return ds
}

// checkTargets checks the targets of an NS, MX or SRV RRset against the
// zone's own data: no CNAME there, and address records for in-zone
// nameservers.
func checkTargets(z *Zone, s *RRset, add func(Pos, Severity, string, string, string)) {
	for _, rd := range s.Data {
		target := targetOf(rd)
		if target == "" || target == "." || !dns.IsSubDomain(z.Origin, target) {
			continue
		}
		if z.Lookup(target, dns.TypeCNAME) != nil {
			switch s.Type {
			case dns.TypeNS:
				add(s.Pos, Error, CodeNSTargetCNAME, fmt.Sprintf("NS %s at %s is a CNAME", target, s.Name),
					"an NS record must name a host with address records, not an alias (RFC 2181 §10.3)")
			case dns.TypeMX:
				add(s.Pos, Warning, CodeMXTargetCNAME, fmt.Sprintf("MX %s at %s is a CNAME", target, s.Name),
					"point the MX at the host's canonical name (RFC 2181 §10.3)")
			case dns.TypeSRV:
				add(s.Pos, Warning, CodeSRVTargetCNAME, fmt.Sprintf("SRV target %s at %s is a CNAME", target, s.Name),
					"point the SRV at the host's canonical name (RFC 2782)")
			}
			continue
		}
		if s.Type == dns.TypeNS && z.Lookup(target, dns.TypeA) == nil && z.Lookup(target, dns.TypeAAAA) == nil {
			// At the apex the zone's own servers cannot be found: an
			// error, as in BIND. Below it, the delegated zone is lame but
			// this one is sound: a warning, as in BIND.
			sev := Error
			if s.Name != z.Origin {
				sev = Warning
			}
			add(s.Pos, sev, CodeMissingGlue, fmt.Sprintf("NS %s at %s is inside the zone but has no A or AAAA record", target, s.Name),
				"add address records (glue) for "+target)
		}
	}
}

// targetOf returns the host name in canonical NS, MX or SRV rdata.
func targetOf(rd string) string {
	return rd[strings.LastIndexByte(rd, ' ')+1:]
}

// occludedBy returns the delegation point or DNAME owner that hides name's
// data of type t, or "" when the data is served. Below a zone cut only glue
// (addresses of the delegation's nameservers) belongs; at a cut only NS, DS
// and DNSSEC records; nothing belongs below a DNAME (RFC 6672 §2.4).
func occludedBy(name string, t uint16, apex string, cuts, dnames, glue map[string]bool) string {
	if name == apex {
		return ""
	}
	if cuts[name] && t != dns.TypeNS && t != dns.TypeDS && !IsDNSSEC(t) {
		return name + " (a delegation)"
	}
	for n := parent(name); len(n) > len(apex); n = parent(n) {
		if dnames[n] {
			return n + " (a DNAME)"
		}
		if cuts[n] {
			if (t == dns.TypeA || t == dns.TypeAAAA) && glue[name] {
				return ""
			}
			return n + " (a delegation)"
		}
	}
	return ""
}

// parent returns the name one label up, or "" above the root.
func parent(name string) string {
	if name == "." || name == "" {
		return ""
	}
	i, end := dns.NextLabel(name, 0)
	if end {
		return "."
	}
	return name[i:]
}

// Kinds of RRsets at a name, for the CNAME rule (RFC 1034 §3.6.2 with RFC
// 4035 §2.5: RRSIG and NSEC may stand beside a CNAME).
const (
	bitCNAME  uint8 = 1 << iota
	bitOther        // any type but CNAME, RRSIG and NSEC
	bitSigned       // RRSIG or NSEC
)

func typeBit(t uint16) uint8 {
	switch t {
	case dns.TypeCNAME:
		return bitCNAME
	case dns.TypeRRSIG, dns.TypeNSEC:
		return bitSigned
	}
	return bitOther
}

// otherTypesAt lists the types other than CNAME, RRSIG and NSEC at name; it
// is for messages, so it may be slow.
func otherTypesAt(z *Zone, name string) []uint16 {
	var out []uint16
	for t := range dns.TypeToString {
		if typeBit(t) == bitOther && z.Lookup(name, t) != nil {
			out = append(out, t)
		}
	}
	return out
}

func typeList(ts []uint16) string {
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = TypeString(t)
	}
	return strings.Join(names, ", ")
}

func posLess(a, b Pos) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	return a.Col < b.Col
}
