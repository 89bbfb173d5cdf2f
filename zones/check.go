package zones

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// check runs the zone-wide checks: SOA and apex NS, CNAME and DNAME rules,
// NS/MX/SRV targets, glue, occluded data, DS at the apex and DNSSEC records;
// what BIND refuses beyond those (bindChecks); then the lints (lint).
//
// sets is every RRset of the zone (in any order) and names the kinds of
// RRsets at each owner (typeBit), gathered while parsing, so the checks need
// no second index of the zone. The per-RRset checks run on every core.
func check(z *Zone, sets []*RRset, names map[string]uint8) Diagnostics {
	var ds Diagnostics
	add := func(pos Pos, sev Severity, code, msg, hint string) {
		ds = append(ds, Diagnostic{Pos: pos, Severity: sev, Code: code, Message: msg, Hint: hint})
	}
	top := Pos{File: z.File, Line: 1, Col: 1}
	apex := z.Origin

	// The delegations and DNAMEs.
	c := &checker{z: z, names: names,
		cuts:   make(map[string]bool), // names below the apex with NS: delegation points
		dnames: make(map[string]bool), // names with DNAME
		glue:   make(map[string]bool), // NS targets: address records there are glue
	}
	for _, s := range sets {
		switch s.Type {
		case dns.TypeNS:
			if s.Name != apex {
				c.cuts[s.Name] = true
			}
			for _, t := range s.Data {
				c.glue[t] = true
			}
		case dns.TypeDNAME:
			c.dnames[s.Name] = true
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
	ds = append(ds, bindChecks(z, sets)...)

	parts := parallel(sets, c.checkSets)
	dnssec := make(map[uint16][]*RRset)
	for _, part := range parts {
		ds = append(ds, part.diags...)
		for t, sets := range part.dnssec {
			dnssec[t] = append(dnssec[t], sets...)
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
	return append(ds, lint(z, sets)...)
}

// checker holds what the per-RRset checks share; they only read it.
type checker struct {
	z                  *Zone
	names              map[string]uint8
	cuts, dnames, glue map[string]bool
}

// checked is what checkSets found in one part of the zone.
type checked struct {
	diags  Diagnostics
	dnssec map[uint16][]*RRset
}

// checkSets runs the checks of single RRsets: SOA place, CNAME and DNAME
// rules, NS/MX/SRV targets, occluded data; it counts DNSSEC sets.
func (c *checker) checkSets(sets []*RRset) checked {
	r := checked{dnssec: make(map[uint16][]*RRset)}
	add := func(pos Pos, sev Severity, code, msg, hint string) {
		r.diags = append(r.diags, Diagnostic{Pos: pos, Severity: sev, Code: code, Message: msg, Hint: hint})
	}
	apex := c.z.Origin
	for _, s := range sets {
		name := s.Name
		switch s.Type {
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
				if c.names[name]&bitOther != 0 {
					add(s.Pos, Error, CodeCNAMEAndOther, fmt.Sprintf("CNAME at %s alongside other data (%s)", name, typeList(otherTypesAt(c.z, name))),
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
			checkTargets(c.z, s, add)
		}
		if IsDNSSEC(s.Type) {
			r.dnssec[s.Type] = append(r.dnssec[s.Type], s)
		}
		if len(c.cuts)+len(c.dnames) == 0 {
			continue
		}
		if occluder := occludedBy(name, s.Type, apex, c.cuts, c.dnames, c.glue); occluder != "" {
			add(s.Pos, Warning, CodeOccluded, fmt.Sprintf("%s %s is below %s and will not be served", name, s.TypeString(), occluder),
				"remove it, or move it into the delegated zone")
		}
	}

	return r
}

// parallel splits sets into one part per core, runs fn on each part at the
// same time and returns the results in part order.
func parallel[T any](sets []*RRset, fn func([]*RRset) T) []T {
	n := min(runtime.GOMAXPROCS(0), max(1, len(sets)/4096))
	out := make([]T, n)
	var wg sync.WaitGroup
	for i := range n {
		lo, hi := len(sets)*i/n, len(sets)*(i+1)/n
		wg.Go(func() { out[i] = fn(sets[lo:hi]) })
	}
	wg.Wait()
	return out
}

// checkTargets checks the targets of an NS, MX or SRV RRset against the
// zone's own data: no CNAME there, and address records for in-zone
// nameservers.
func checkTargets(z *Zone, s *RRset, add func(Pos, Severity, string, string, string)) {
	for _, rd := range s.Data {
		target := targetOf(rd)
		if target == "" || target == "." || !inZone(target, z.Origin) {
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
