package zones

import (
	"bytes"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// This file holds what BIND refuses and the ZoneParser reads without
// complaint, checked as each record is added to the zone.

// bindRefuses tells whether BIND refuses rr, which was read from raw (nil
// for a record rescue or $GENERATE made) without complaint, and why:
// generic rdata that does not decode exactly, a LOC with more than three
// precisions (the ZoneParser ignores the rest), a digest or a hash of the
// wrong length. It returns an empty msg for the everyday record, cheaply.
func bindRefuses(rr dns.RR, raw []byte) (msg, hint string) {
	if ds, ok := dsOf(rr); ok {
		if n, ok := digestLen[ds.DigestType]; ok && len(ds.Digest) != 2*n {
			return "has a digest of " + strconv.Itoa(len(ds.Digest)/2) + " octets, not the " + strconv.Itoa(n) + " of its digest type",
				"check the digest (RFC 4034 §5.1.4); BIND refuses it"
		}
	}
	// NSEC3 next hashed owner names: nsec3NextProblem (bindchecks.go),
	// which add runs first.
	if raw == nil {
		return "", ""
	}
	if bytes.Contains(raw, genericMark) && !genericExact(rr, raw) {
		return "in RFC 3597 generic form does not decode as its type",
			"correct the length or the octets; BIND refuses such data (RFC 3597 §5)"
	}
	switch rr.Header().Rrtype {
	case dns.TypeLOC:
		toks := rdataTokens(raw)
		for i, t := range toks {
			if isHemisphere(t, "nsew") {
				return "gives a hemisphere in lower case",
					"write N, S, E or W (RFC 1876 §3); BIND refuses lower case"
			}
			if isHemisphere(t, "EW") && len(toks)-i-1 > 4 {
				return "has more than size, horizontal and vertical precision after its altitude",
					"remove the extra fields (RFC 1876 §3); BIND refuses them"
			}
		}
	case dns.TypeRRSIG, dns.TypeSIG, dns.TypeDS, dns.TypeCDS, dns.TypeDLV, dns.TypeTA:
		// miekg/dns knows algorithm names BIND does not
		// (DSA-NSEC3-SHA1, RSASHA1-NSEC3-SHA1, ECC-GOST).
		if toks := rdataTokens(raw); len(toks) > 1 {
			alg := toks[1]
			if _, known := secAlgs[strings.ToUpper(alg.text)]; !known && !isDigits(alg.text) {
				return "names its algorithm " + quoteToken(alg.text) + ", a name BIND does not know",
					"write the algorithm's number (RFC 4034 appendix A.1) or BIND's name for it"
			}
		}
	}
	return "", ""
}

// digestLen is the digest length of the DS digest types whose length BIND
// checks: SHA-1, SHA-256, SHA-384 (GOST's it does not).
var digestLen = map[uint8]int{1: 20, 2: 32, 4: 48}

// dsOf returns the DS rdata of a DS, CDS, DLV or TA record.
func dsOf(rr dns.RR) (dns.DS, bool) {
	switch r := rr.(type) {
	case *dns.DS:
		return *r, true
	case *dns.CDS:
		return r.DS, true
	case *dns.DLV:
		return r.DS, true
	case *dns.TA:
		return dns.DS{DigestType: r.DigestType, Digest: r.Digest}, true
	}
	return dns.DS{}, false
}

// rdataTokens returns the tokens of a raw record entry after its type.
func rdataTokens(raw []byte) []rtoken {
	toks := lexEntry(raw)
	i := 0
	if raw[0] != ' ' && raw[0] != '\t' {
		i++
	}
	for n := 0; n < 2 && i < len(toks) && !toks[i].quoted; n++ {
		if _, ok := parseTTL(toks[i].text); !ok && !isClass(toks[i].text) {
			break
		}
		i++
	}
	if i >= len(toks) {
		return nil
	}
	return toks[i+1:]
}

// genericMark starts RFC 3597 generic rdata.
var genericMark = []byte(`\#`)

// genericExact reports whether rr, which the ZoneParser read from raw,
// holds exactly the octets raw gives in RFC 3597 generic form, if it does.
// The ZoneParser decodes generic rdata of a type it knows leniently (it
// takes "A \# 0" as an empty A, drops octets past the end of an MX); BIND
// refuses what does not decode exactly.
func genericExact(rr dns.RR, raw []byte) bool {
	toks := rdataTokens(raw)
	if len(toks) == 0 || toks[0].quoted || toks[0].text != `\#` {
		return true // \# stands elsewhere: not generic rdata
	}
	wire, ok := genericWire(toks[1:])
	return ok && wireValid(rr.Header().Rrtype, wire) && sameWire(rr, wire)
}

// sameWire reports whether rr's rdata packs to wire.
func sameWire(rr dns.RR, wire []byte) bool {
	var g dns.RFC3597
	if err := g.ToRFC3597(rr); err != nil {
		return false
	}
	return strings.EqualFold(g.Rdata, hex.EncodeToString(wire))
}

// sortBitmap puts the type bitmap of an NSEC, NSEC3 or CSYNC record in
// order, each type once, as BIND stores it whatever order it was written in
// (RFC 4034 §4.1.2: the bitmap is a set); miekg/dns keeps the order written
// and then refuses to encode it.
func sortBitmap(rr dns.RR) {
	var types *[]uint16
	switch r := rr.(type) {
	case *dns.NSEC:
		types = &r.TypeBitMap
	case *dns.NSEC3:
		types = &r.TypeBitMap
	case *dns.CSYNC:
		types = &r.TypeBitMap
	default:
		return
	}
	if !slices.IsSorted(*types) || len(slices.Compact(slices.Clone(*types))) != len(*types) {
		slices.Sort(*types)
		*types = slices.Compact(*types)
	}
}
