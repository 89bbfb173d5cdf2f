package zones

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// The refusals of BIND 9.18 (named-compilezone, named) that miekg/dns does
// not make. A zone BIND refuses would not load on a BIND secondary, and a
// provider that checks as BIND does may refuse it too, so zonecast refuses it
// before anything is pushed. Each check was set against named-compilezone
// 9.18 with the corpus and with the cases of bindchecks_test.go.
//
// Two kinds: checks of one record's data, made as the record is added
// (bindRdataCheck: BIND refuses those in dns_rdata_fromtext, at the
// record's line), and checks of RRsets against the zone (bindChecks: BIND's
// refusal of NS at a wildcard owner, and its CDS/CDNSKEY consistency check
// once the zone is loaded). The first need the record as the ZoneParser
// returned it: miekg/dns reads RFC 3597 rdata of a known type into the
// typed record and drops the octets past its data, and it normalises an
// NSEC3 next hash when packed, so the canonical RRsets no longer show either.

// bindRdataCheck checks one record as BIND reads its data: rdata in RFC 3597
// form that does not decode exactly as its type, an NSEC3 next hashed owner
// name that is not base32hex or not the length of a SHA-1 hash, a ZONEMD
// digest of the wrong length for its hash algorithm. raw is the record's
// entry in the file, nil for records $GENERATE makes.
//
// It returns the diagnostic and true when BIND would refuse the record. The
// caller calls it only for records bindRdataSuspect picks, so the everyday
// records cost three comparisons of their header.
func bindRdataCheck(rr dns.RR, pos Pos, raw []byte) (Diagnostic, bool) {
	h := rr.Header()
	d := Diagnostic{Pos: pos, Severity: Error}
	if h.Rdlength != 0 {
		// The ZoneParser leaves Rdlength at zero but for a known type
		// written in RFC 3597 form (\# length hex), where it is the
		// length given.
		if used, n, bad := genericTrailing(rr, raw); bad {
			d.Code = CodeGenericRdataLength
			d.Message = fmt.Sprintf("%s %s in RFC 3597 form (\\# %d) holds %d octets, but %s data ends after %d: BIND refuses it (extra input data)",
				h.Name, TypeString(h.Rrtype), n, n, TypeString(h.Rrtype), used)
			d.Hint = fmt.Sprintf("write the record in its usual form, or give \\# exactly the %d octets of its data", used)
			return d, true
		}
	}
	switch r := rr.(type) {
	case *dns.NSEC3:
		if msg, bad := nsec3NextProblem(r); bad {
			d.Code = CodeNSEC3NextHash
			d.Message = fmt.Sprintf("%s NSEC3 next hashed owner name %s %s: BIND refuses it", h.Name, r.NextDomain, msg)
			d.Hint = "copy the record again from the signer's output, or remove the NSEC3 records: providers sign the zone themselves"
			return d, true
		}
	case *dns.ZONEMD:
		if msg, hint, bad := zonemdDigestProblem(r); bad {
			d.Code = CodeZONEMDDigestLength
			d.Message = fmt.Sprintf("%s ZONEMD %s: BIND refuses it", h.Name, msg)
			d.Hint = hint
			return d, true
		}
	}
	return Diagnostic{}, false
}

// bindRdataSuspect reports whether bindRdataCheck has anything to check in
// rr: a record in RFC 3597 form, an NSEC3 or a ZONEMD.
func bindRdataSuspect(h *dns.RR_Header) bool {
	return h.Rdlength != 0 || h.Rrtype == dns.TypeNSEC3 || h.Rrtype == dns.TypeZONEMD
}

// genericTrailing decodes again the RFC 3597 rdata of rr's entry raw and
// reports whether rr's type, unpacked from it, leaves octets over: miekg/dns
// ignores them (it keeps the record as read up to there), BIND refuses the
// record ("extra input data"). used is the octets the type's data takes, n
// the octets given. An entry that cannot be read here (none, or not in this
// form) is not judged.
func genericTrailing(rr dns.RR, raw []byte) (used, n int, bad bool) {
	if raw == nil {
		return 0, 0, false
	}
	toks := tokens(raw)
	i := headerLen(raw, toks) + 1 // past the owner, TTL, class and type
	for i < len(toks) && toks[i] != `\#` {
		i++
	}
	if i+1 >= len(toks) {
		return 0, 0, false
	}
	n, err := strconv.Atoi(toks[i+1])
	if err != nil || n <= 0 {
		return 0, 0, false
	}
	data, err := hex.DecodeString(strings.Join(toks[i+2:], ""))
	if err != nil || len(data) != n {
		return 0, 0, false
	}
	h := *rr.Header()
	h.Rdlength = uint16(n)
	if _, _, err := dns.UnpackRRWithHeader(h, data, 0); err == nil {
		return 0, 0, false
	}
	// The ZoneParser unpacked the same octets without checking that it
	// reached their end, so the error is octets left over. Packed again,
	// the record says how many its data takes.
	buf := make([]byte, 1<<16+512) // rare: only a record that will be refused
	if _, err := dns.PackRR(rr, buf, 0, nil, false); err != nil {
		return 0, 0, false
	}
	used = int(rr.Header().Rdlength)
	return used, n, used < n
}

// nsec3NextProblem checks an NSEC3 next hashed owner name as BIND does: it
// must be base32hex without padding (RFC 5155 §3.3, RFC 4648 §7) whose unused
// trailing bits are zero, and for hash algorithm 1 (SHA-1, the only one
// defined) it must hold 20 octets. It returns what is wrong.
func nsec3NextProblem(r *dns.NSEC3) (string, bool) {
	s := r.NextDomain
	if s == "" {
		// At least one octet (RFC 5155 §3.3); miekg/dns reads a
		// zero-length hash from generic data.
		return "is empty", true
	}
	bits := 0
	last := 0
	for i := 0; i < len(s); i++ {
		v := base32HexValue(s[i])
		if v < 0 {
			return fmt.Sprintf("holds %q, not a base32hex digit", s[i]), true
		}
		last = v
		bits += 5
	}
	// Each 8 digits make 5 octets; a last group of 1, 3 or 6 digits
	// makes no whole octet.
	switch len(s) % 8 {
	case 1, 3, 6:
		return fmt.Sprintf("has %d base32hex digits, a length no octet string encodes to", len(s)), true
	}
	if spare := bits % 8; spare > 0 && last&(1<<spare-1) != 0 {
		return fmt.Sprintf("ends in %q, whose last %d bits must be zero in base32hex", s[len(s)-1], spare), true
	}
	if n := bits / 8; r.Hash == dns.SHA1 && n != 20 {
		return fmt.Sprintf("has %d base32hex digits (%d octets), but a SHA-1 hash (hash algorithm 1) is 20 octets, 32 digits", len(s), n), true
	}
	return "", false
}

// base32HexValue returns the value of a base32hex digit (0-9, A-V in either
// case), or -1.
func base32HexValue(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'A' <= c && c <= 'V':
		return int(c-'A') + 10
	case 'a' <= c && c <= 'v':
		return int(c-'a') + 10
	}
	return -1
}

// zonemdDigestProblem checks a ZONEMD digest's length as BIND does (RFC 8976
// §2.2.3-4): 48 octets for SHA-384 (hash algorithm 1), 64 for SHA-512 (2),
// at least 12 for any other hash algorithm.
func zonemdDigestProblem(r *dns.ZONEMD) (msg, hint string, bad bool) {
	n := len(r.Digest) / 2
	want := 0
	switch r.Hash {
	case dns.ZoneMDHashAlgSHA384:
		want = 48
	case dns.ZoneMDHashAlgSHA512:
		want = 64
	}
	switch {
	case want != 0 && n != want:
		name := "SHA-384"
		if want == 64 {
			name = "SHA-512"
		}
		return fmt.Sprintf("%d %d %d has a digest of %d octets, but a %s digest (hash algorithm %d) is %d octets",
				r.Serial, r.Scheme, r.Hash, n, name, r.Hash, want),
			fmt.Sprintf("recompute the digest (%d hex digits, RFC 8976 §2.2.4), or remove the ZONEMD record", 2*want), true
	case want == 0 && n < 12:
		return fmt.Sprintf("%d %d %d has a digest of %d octets, fewer than the 12 any digest must have", r.Serial, r.Scheme, r.Hash, n),
			"a ZONEMD digest is at least 12 octets (RFC 8976 §2.2.4); correct it or remove the record", true
	}
	return "", "", false
}

// bindChecks runs BIND's checks of RRsets against the zone: NS at a
// wildcard owner, and the apex CDS and CDNSKEY against the apex DNSKEYs. It
// looks only at RRsets of those types, once each.
func bindChecks(z *Zone, sets []*RRset) Diagnostics {
	var ds Diagnostics
	for _, s := range sets {
		switch s.Type {
		case dns.TypeNS:
			if isWildcard(s.Name) {
				// BIND: "invalid NS owner name (wildcard)". A wildcard
				// cannot delegate (RFC 4592 §4.2); other types at a
				// wildcard, DNAME and DS included, BIND loads.
				ds = append(ds, Diagnostic{Pos: s.Pos, Severity: Error, Code: CodeWildcardNS,
					Message: fmt.Sprintf("NS at the wildcard %s: BIND refuses it (invalid NS owner name)", s.Name),
					Hint:    "a wildcard cannot delegate (RFC 4592 §4.2); write the NS records at each delegated name instead"})
			}
		case dns.TypeCDS, dns.TypeCDNSKEY:
			if s.Name == z.Origin {
				ds = append(ds, checkCDS(z, s)...)
			}
		}
	}
	return ds
}

// isWildcard reports whether name's first label is "*".
func isWildcard(name string) bool { return len(name) >= 2 && name[0] == '*' && name[1] == '.' }

// The delete forms of CDS and CDNSKEY (RFC 8078 §4), in canonical data.
const (
	cdsDelete     = "0 0 0 00"
	cdnskeyDelete = "0 3 0 AA=="
)

// checkCDS checks the apex CDS or CDNSKEY RRset s as BIND 9.18 does (its
// "CDS/CDNSKEY consistency checks"): the delete form stands alone, and
// otherwise every record's algorithm is the algorithm of an apex DNSKEY.
// BIND checks no more: a CDS digest or a CDNSKEY key that matches no DNSKEY
// is loaded (a double-DS rollover publishes such a CDS on purpose).
func checkCDS(z *Zone, s *RRset) Diagnostics {
	typ, code, del, algField := s.TypeString(), CodeCDSMismatch, cdsDelete, 1 // CDS: key tag, algorithm, digest type, digest
	if s.Type == dns.TypeCDNSKEY {
		code, del, algField = CodeCDNSKEYMismatch, cdnskeyDelete, 2 // CDNSKEY: flags, protocol, algorithm, key
	}
	bad := func(msg, hint string) Diagnostics {
		return Diagnostics{{Pos: s.Pos, Severity: Error, Code: code, Message: msg + ": BIND refuses the zone (CDS/CDNSKEY consistency)", Hint: hint}}
	}
	for _, rd := range s.Data {
		if rd == del {
			if len(s.Data) == 1 {
				return nil
			}
			others := "1 other record"
			if len(s.Data) > 2 {
				others = fmt.Sprintf("%d other records", len(s.Data)-1)
			}
			return bad(fmt.Sprintf("the %s RRset at %s holds the delete record %s beside %s", typ, s.Name, del, others),
				fmt.Sprintf("to ask the parent to remove the DS records, keep only %s %s (RFC 8078 §4); otherwise remove the delete record", typ, del))
		}
	}
	var algs [256]bool
	keys := z.Lookup(z.Origin, dns.TypeDNSKEY)
	if keys != nil {
		for _, rd := range keys.Data {
			if a, ok := rdataNumber(rd, 2); ok {
				algs[a] = true
			}
		}
	}
	for _, rd := range s.Data {
		a, ok := rdataNumber(rd, algField)
		if !ok || algs[a] {
			continue
		}
		if keys == nil {
			return bad(fmt.Sprintf("%s %s at %s, but the zone has no DNSKEY at its apex", typ, shortRdata(rd), s.Name),
				fmt.Sprintf("publish the zone's DNSKEY records with the %s, or remove the %s records; only the delete form %s stands without keys",
					typ, typ, del))
		}
		return bad(fmt.Sprintf("%s %s at %s has algorithm %d (%s), but no apex DNSKEY has that algorithm", typ, shortRdata(rd), s.Name, a, dns.AlgorithmToString[uint8(a)]),
			fmt.Sprintf("a %s must name a key of the zone's DNSKEY RRset (RFC 7344 §4.1); correct it from the signer's output or remove it", typ))
	}
	return unmatchedCDS(z, s, keys)
}

// unmatchedCDS warns of the records of the apex CDS or CDNSKEY RRset s that
// match no apex DNSKEY (keys): BIND loads them, but the parent would publish
// a DS of no key of the zone. A CDS of a digest type miekg/dns cannot compute
// (other than SHA-1, SHA-256, SHA-384) is not judged.
func unmatchedCDS(z *Zone, s *RRset, keys *RRset) Diagnostics {
	var parsed []*dns.DNSKEY
	if s.Type == dns.TypeCDS {
		for _, rd := range keys.Data {
			if rr, err := dns.NewRR(z.Origin + " DNSKEY " + rd); err == nil {
				if k, ok := rr.(*dns.DNSKEY); ok {
					parsed = append(parsed, k)
				}
			}
		}
	}
	var ds Diagnostics
	for _, rd := range s.Data {
		matched := false
		if s.Type == dns.TypeCDNSKEY {
			matched = slices.Contains(keys.Data, rd)
		} else {
			digestType, ok := rdataNumber(rd, 2)
			switch {
			case !ok:
				continue
			case digestType != int(dns.SHA1) && digestType != int(dns.SHA256) && digestType != int(dns.SHA384):
				continue
			}
			for _, k := range parsed {
				if d := k.ToDS(uint8(digestType)); d != nil &&
					strings.EqualFold(fmt.Sprintf("%d %d %d %s", d.KeyTag, d.Algorithm, d.DigestType, d.Digest), rd) {
					matched = true
					break
				}
			}
		}
		if !matched {
			ds = append(ds, Diagnostic{Pos: s.Pos, Severity: Warning, Code: CodeCDSUnmatched,
				Message: fmt.Sprintf("%s %s at %s matches no apex DNSKEY: the parent would publish a DS of no key of the zone", s.TypeString(), shortRdata(rd), s.Name),
				Hint: "correct it from the signer's output; ignore this while the parent is to publish the DS of a key " +
					"not yet in the DNSKEY RRset (a double-DS rollover, RFC 6781 §4.1.2)"})
		}
	}
	return ds
}

// rdataNumber returns the n-th (from 0) space-separated field of rd as a number
// of at most 255.
func rdataNumber(rd string, n int) (int, bool) {
	for ; n > 0; n-- {
		i := strings.IndexByte(rd, ' ')
		if i < 0 {
			return 0, false
		}
		rd = rd[i+1:]
	}
	if i := strings.IndexByte(rd, ' '); i >= 0 {
		rd = rd[:i]
	}
	v, err := strconv.Atoi(rd)
	if err != nil || v < 0 || v > 255 {
		return 0, false
	}
	return v, true
}

// shortRdata cuts long rdata (a key, a digest) for a message.
func shortRdata(rd string) string {
	if len(rd) <= 48 {
		return rd
	}
	return rd[:40] + "..."
}
