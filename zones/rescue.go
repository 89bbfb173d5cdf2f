package zones

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// rescue reads again, the way BIND reads it, an entry the ZoneParser
// refused, for the forms BIND loads and miekg/dns v1.1.73 does not:
//
//   - types miekg/dns does not implement (WKS, NSAP, A6, SINK, DSYNC, HHIT,
//     BRID, DOA, WALLET), kept in RFC 3597 generic form, wire-exact;
//   - GPOS in its quoted RFC 1712 form, X25 quoted;
//   - LOC with minutes or seconds left out (RFC 1876 §3 defaults them to 0);
//   - NAPTR with unquoted flags, services or regexp;
//   - NID and L64 locators whose groups have fewer than four hex digits;
//   - key flags, protocols, algorithms and digest types written as BIND's
//     mnemonics (DNSKEY, CDNSKEY, KEY, DS, CDS, RRSIG, SIG);
//   - type bitmaps (NSEC, NSEC3, CSYNC, NXT) naming a type miekg/dns has
//     no name for or out of order, NXT's by number too, and RRSIG/SIG
//     covering such a type;
//   - the RFC 3597 \# form of a type known only to BIND, and BIND's reading
//     of "TXT \# text" (a \# not followed by a length is the string "#");
//   - an IPSECKEY followed by another line, which the ZoneParser reads as
//     part of the record (it eats the newline) and refuses.
//
// err is the ZoneParser's error and src the file it was reading. When the
// entry is one of these and BIND would load it, rescue returns the record,
// moves src to where reading resumes and keeps src's state as take does.
// When the ZoneParser read on into the next entry for data the failed one
// lacks, rescue reports the failed one at its line and returns no record
// (rr nil) but true: reading resumes at the next entry. Otherwise it changes
// nothing and the caller reports err. It runs only after an error, so the
// everyday path pays nothing for it.
func (p *parser) rescue(err error, src *source) (record, bool) {
	var pe *dns.ParseError
	if !errors.As(err, &pe) || src.entry.Line == 0 || p.records >= p.limits.MaxRecords {
		// (A zone at its limit of records gets no more: the entry is
		// reported, and the zone refused, as the limit would.)
		return record{}, false
	}
	m := parseErrRe.FindStringSubmatch(err.Error())
	if m == nil || m[1] != src.name {
		return record{}, false
	}
	line, _ := strconv.Atoi(m[4])
	if line <= src.prefixLines {
		return record{}, false
	}
	line += src.startLine - 1 - src.prefixLines
	token, _ := strconv.Unquote(m[3])

	// Which entry failed: the current one, or the one before when the
	// ZoneParser went on into this one (the IPSECKEY parser eats the
	// newline, so does "TXT \#"; what they find next is this entry's first
	// token) and did not return it.
	start, resume := src.entryOff, -1
	readPast := line < src.entry.Line || (line == src.entry.Line && firstToken(src.data[src.entryOff:]) == token)
	switch {
	case readPast && src.prevEntryOff < src.entryOff && src.taken != src.prevEntryOff+1 &&
		posOf(src, src.prevEntryOff).Line >= src.startLine:
		// (and this ZoneParser read that entry: one started after it
		// was reported and skipped knows nothing of it)
		start, resume = src.prevEntryOff, src.entryOff
	case line < src.entry.Line || src.entryDirective || src.taken == src.entryOff+1:
		// The error is not in this entry, or this entry's record has
		// been read already (a resume found nothing new after it).
		return record{}, false
	}
	end := entryEnd(src, start)
	if resume >= 0 && end > resume {
		return record{}, false
	}
	text := src.data[start:end]
	if len(text) > 0 && text[0] == '$' {
		return record{}, false
	}
	rr := reread(text, src)
	if rr == nil && resume >= 0 && line == src.entry.Line {
		// The ZoneParser went on into this entry looking for data the
		// one before lacks: that one is wrong (BIND says so at its line),
		// this one may well be right.
		p.diag(posOf(src, start), Error, CodeSyntax, "the record's data ends too soon",
			"complete the record's data; zonecast skipped it and read on")
		src.rewind(resume)
		return record{}, true
	}
	if rr == nil {
		return record{}, false
	}
	pos := src.entry
	if resume >= 0 {
		pos = posOf(src, start)
	}
	switch {
	case resume >= 0:
		src.rewind(resume)
	case end <= src.off:
		src.rewind(end)
	default:
		src.prefix = nil
		for src.off < end {
			src.off++
			src.step(src.data[src.off-1])
		}
	}
	if resume < 0 {
		skipBlankLines(src)
	}
	// As take does for a record the ZoneParser returns.
	h := rr.Header()
	src.records++
	src.lastOwner, src.taken = h.Name, start+1
	if !src.ttlByDirective {
		src.ttl, src.ttlSet = h.Ttl, true
	}
	return record{rr: rr, pos: pos}, true
}

// skipBlankLines moves src past the lines after it that hold only blanks
// and comments: a ZoneParser resumed at a line starting with a blank takes
// it for a record of the previous owner.
func skipBlankLines(src *source) {
	for src.off < len(src.data) {
		i := src.off
		for i < len(src.data) && (src.data[i] == ' ' || src.data[i] == '\t' || src.data[i] == '\r') {
			i++
		}
		if i < len(src.data) && src.data[i] == ';' {
			for i < len(src.data) && src.data[i] != '\n' {
				i++
			}
		}
		if i < len(src.data) && src.data[i] != '\n' {
			return
		}
		for src.off < min(i+1, len(src.data)) {
			src.off++
			src.step(src.data[src.off-1])
		}
	}
}

// firstToken returns the first token of raw.
func firstToken(raw []byte) string {
	start, end, _ := nextToken(raw, 0)
	if start < 0 {
		return ""
	}
	return string(raw[start:end])
}

// entryEnd returns the offset just past the entry of src that starts at
// start: past the newline that ends it outside parentheses, or the end of
// the file. It follows the lexical rules of source.step.
func entryEnd(src *source, start int) int {
	look := &source{p: src.p, data: src.data, off: start, line: 1, bol: true}
	for look.off < len(look.data) {
		look.off++
		look.step(look.data[look.off-1])
		if look.bol && look.entry.Line > 0 {
			return look.off
		}
	}
	return len(look.data)
}

// posOf returns the position of the entry of src that starts at off, a line
// start before src.off.
func posOf(src *source, off int) Pos {
	line := src.line
	for _, c := range src.data[off:src.off] {
		if c == '\n' {
			line--
		}
	}
	col := 1
	for i := off; i < len(src.data) && (src.data[i] == ' ' || src.data[i] == '\t'); i++ {
		col++
	}
	return Pos{File: src.display, Line: line, Col: col}
}

// rtoken is one token of an entry, as BIND's lexer splits it: its text as
// written (escapes kept) and whether it was quoted (quotes removed).
type rtoken struct {
	text   string
	quoted bool
}

// lexEntry splits an entry into tokens: blanks and parentheses outside
// quotes separate them, a ';' outside quotes starts a comment, a backslash
// escapes the next octet.
func lexEntry(raw []byte) []rtoken {
	var out []rtoken
	for i := 0; i < len(raw); {
		switch c := raw[i]; c {
		case ' ', '\t', '\r', '\n', '(', ')':
			i++
			continue
		case ';':
			for i < len(raw) && raw[i] != '\n' {
				i++
			}
			continue
		case '"':
			j := i + 1
			for j < len(raw) && raw[j] != '"' {
				if raw[j] == '\\' {
					j++
				}
				j++
			}
			out = append(out, rtoken{text: string(raw[i+1 : min(j, len(raw))]), quoted: true})
			i = j + 1
			continue
		}
		j := i
	word:
		for j < len(raw) {
			switch raw[j] {
			case '\\':
				j += 2
				continue
			case ' ', '\t', '\r', '\n', '(', ')', ';', '"':
				break word
			}
			j++
		}
		j = min(j, len(raw))
		out = append(out, rtoken{text: string(raw[i:j])})
		i = j
	}
	return out
}

// bindTypes are the types BIND 9.18 reads that miekg/dns v1.1.73 has no
// name for, with their IANA codes.
var bindTypes = map[string]uint16{
	"WKS": 11, "NSAP": 22, "A6": 38, "SINK": 40, "DSYNC": 66, "HHIT": 67, "BRID": 68, "DOA": 259, "WALLET": 262,
}

// typeCode reads a type mnemonic (BIND's or miekg/dns's) or TYPEnnn.
func typeCode(s string) (uint16, bool) {
	u := strings.ToUpper(s)
	if t, ok := dns.StringToType[u]; ok {
		return t, true
	}
	if t, ok := bindTypes[u]; ok {
		return t, true
	}
	if len(u) > 4 && strings.HasPrefix(u, "TYPE") && isDigits(u[4:]) {
		if n, err := strconv.ParseUint(u[4:], 10, 16); err == nil {
			return uint16(n), true
		}
	}
	return 0, false
}

// typeText is the type as miekg/dns reads it: its mnemonic or TYPEnnn.
func typeText(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return "TYPE" + strconv.Itoa(int(t))
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// reread builds the record of one entry's text as BIND reads it, or nil.
func reread(text []byte, src *source) dns.RR {
	toks := lexEntry(text)
	h := dns.RR_Header{Class: dns.ClassINET}
	i := 0
	if text[0] != ' ' && text[0] != '\t' {
		if len(toks) == 0 || toks[0].quoted {
			return nil
		}
		h.Name = absolute(toks[0].text, src.origin)
		i++
	} else {
		h.Name = src.lastOwner
	}
	if _, ok := dns.IsDomainName(h.Name); !ok || h.Name == "" {
		return nil
	}
	ttlSet := false
	for n := 0; n < 2 && i < len(toks) && !toks[i].quoted; n++ {
		t := toks[i].text
		if ttl, ok := parseTTL(t); ok && !ttlSet {
			h.Ttl, ttlSet = ttl, true
			i++
			continue
		}
		if isClass(t) {
			c, ok := dns.StringToClass[strings.ToUpper(t)]
			if !ok {
				n, err := strconv.ParseUint(t[5:], 10, 16)
				if err != nil {
					return nil
				}
				c = uint16(n)
			}
			h.Class = c
			i++
			continue
		}
		break
	}
	if !ttlSet {
		if !src.ttlSet {
			return nil
		}
		h.Ttl = src.ttl
	}
	if i >= len(toks) || toks[i].quoted {
		return nil
	}
	t, ok := typeCode(toks[i].text)
	if !ok {
		return nil
	}
	h.Rrtype = t
	rdata := toks[i+1:]
	if len(rdata) > 0 && !rdata[0].quoted && rdata[0].text == `\#` {
		if t == dns.TypeTXT && (len(rdata) < 2 || rdata[1].quoted || !isDigits(rdata[1].text)) {
			// BIND takes \# as generic rdata only before a length;
			// in TXT it is otherwise the string "#".
			rdata[0] = rtoken{text: "#", quoted: true}
			return viaParser(h, rdata, src.origin)
		}
		wire, ok := genericWire(rdata[1:])
		if !ok || t == typeWKS && len(wire) > 5 && wire[len(wire)-1] == 0 {
			// BIND refuses a WKS bitmap that ends in a zero octet
			// from the wire (though its text form makes one).
			return nil
		}
		return fromWire(h, wire)
	}
	switch t {
	case typeWKS:
		return fromWire(h, wksWire(rdata))
	case 22: // NSAP
		return fromWire(h, nsapWire(rdata))
	case 66: // DSYNC
		return fromWire(h, dsyncWire(rdata, src.origin))
	case 38: // A6
		return fromWire(h, a6Wire(rdata, src.origin))
	case 40: // SINK: meaning, coding, subcoding, data in base64
		if len(rdata) < 3 {
			return nil
		}
		w, ok := uints(rdata[:3], 8)
		data, ok2 := base64Tokens(rdata[3:])
		if !ok || !ok2 {
			return nil
		}
		return fromWire(h, append(w, data...))
	case 259: // DOA: enterprise, type, location, media type, data in base64 or "-"
		if len(rdata) < 5 {
			return nil
		}
		w, ok := uints(rdata[:2], 32)
		loc, ok2 := uints(rdata[2:3], 8)
		media := stringsWire(rdata[3:4])
		var data []byte
		ok3 := true
		if len(rdata) != 5 || rdata[4].quoted || rdata[4].text != "-" {
			data, ok3 = base64Tokens(rdata[4:])
		}
		if !ok || !ok2 || !ok3 || media == nil {
			return nil
		}
		return fromWire(h, slices.Concat(w, loc, media, data))
	case 67, 68: // HHIT, BRID
		if len(rdata) != 1 || rdata[0].quoted {
			return nil
		}
		b, err := base64.StdEncoding.DecodeString(rdata[0].text)
		if err != nil || len(b) == 0 {
			return nil
		}
		return fromWire(h, b)
	case 262, dns.TypeGPOS: // WALLET, GPOS: character-strings
		if len(rdata) == 0 || (t == dns.TypeGPOS && len(rdata) != 3) {
			return nil
		}
		return fromWire(h, stringsWire(rdata))
	case dns.TypeX25:
		// RFC 1183 §3.1: a PSDN address of at least four digits
		// (BIND); miekg/dns refuses it quoted.
		if len(rdata) != 1 || len(rdata[0].text) < 4 || !isDigits(rdata[0].text) {
			return nil
		}
		return fromWire(h, stringsWire(rdata))
	case dns.TypeNID, dns.TypeL64:
		// Four groups of one to four hex digits (RFC 6742 §2.1.2 writes
		// them in full; BIND reads them as IPv6 groups).
		if len(rdata) != 2 || rdata[1].quoted {
			return nil
		}
		groups := strings.Split(rdata[1].text, ":")
		if len(groups) != 4 {
			return nil
		}
		for i, g := range groups {
			if g == "" || len(g) > 4 {
				return nil
			}
			groups[i] = strings.Repeat("0", 4-len(g)) + g
		}
		rdata[1].text = strings.Join(groups, ":")
	case dns.TypeLOC:
		rdata = locDefaults(rdata)
		if len(rdata) > 12 { // 8 for the position, altitude, 3 precisions
			return nil
		}
	case dns.TypeNAPTR:
		for j := 2; j < 5 && j < len(rdata); j++ {
			rdata[j].quoted = true
		}
	case dns.TypeDNSKEY, dns.TypeCDNSKEY, dns.TypeKEY:
		if len(rdata) < 3 || !flagsMnemonic(&rdata[0]) || !mnemonic(&rdata[1], keyProtocols) || !mnemonic(&rdata[2], secAlgs) {
			return nil
		}
	case dns.TypeDS, dns.TypeCDS, dns.TypeDLV, dns.TypeTA:
		if len(rdata) < 3 || !mnemonic(&rdata[1], secAlgs) || !mnemonic(&rdata[2], digestTypes) {
			return nil
		}
	case dns.TypeRRSIG, dns.TypeSIG:
		if len(rdata) < 2 || rdata[0].quoted || !mnemonic(&rdata[1], secAlgs) {
			return nil
		}
		if c, ok := bindTypes[strings.ToUpper(rdata[0].text)]; ok {
			rdata[0].text = typeText(c)
		}
	case dns.TypeNSEC, dns.TypeNXT, dns.TypeCSYNC, dns.TypeNSEC3:
		fixed := map[uint16]int{dns.TypeNSEC: 1, dns.TypeNXT: 1, dns.TypeCSYNC: 2, dns.TypeNSEC3: 5}[t]
		if len(rdata) < fixed || !bitmap(rdata[fixed:], t == dns.TypeNXT) {
			return nil
		}
	case dns.TypeIPSECKEY:
		// The ZoneParser reads it right when it ends the text.
	default:
		return nil
	}
	return viaParser(h, rdata, src.origin)
}

// viaParser reads the record, its rdata rewritten into a form miekg/dns
// reads as BIND reads the original, with a ZoneParser of its own.
func viaParser(h dns.RR_Header, rdata []rtoken, origin string) dns.RR {
	var b strings.Builder
	b.WriteString(h.Name)
	b.WriteString(" " + strconv.FormatUint(uint64(h.Ttl), 10) + " CLASS" + strconv.Itoa(int(h.Class)) + " " + typeText(h.Rrtype))
	for _, t := range rdata {
		b.WriteByte(' ')
		if t.quoted {
			b.WriteString(`"` + t.text + `"`)
		} else {
			b.WriteString(t.text)
		}
	}
	zp := dns.NewZoneParser(strings.NewReader(b.String()), origin, "")
	rr, ok := zp.Next()
	if !ok || zp.Err() != nil {
		return nil
	}
	if _, more := zp.Next(); more {
		return nil
	}
	return rr
}

// fromWire makes the record of rdata wire: the miekg/dns type when it has
// one, else RFC 3597 generic data. It returns nil for rdata BIND refuses.
func fromWire(h dns.RR_Header, wire []byte) dns.RR {
	if wire == nil || !wireValid(h.Rrtype, wire) {
		return nil
	}
	g := &dns.RFC3597{Hdr: h, Rdata: hex.EncodeToString(wire)}
	if _, known := dns.TypeToRR[h.Rrtype]; !known {
		return g
	}
	buf := make([]byte, len(h.Name)+12+len(wire))
	end, err := dns.PackRR(g, buf, 0, nil, false)
	if err != nil {
		return nil
	}
	rr, _, err := dns.UnpackRR(buf[:end], 0)
	if err != nil || !sameWire(rr, wire) {
		return nil
	}
	return rr
}

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
	if n, ok := rr.(*dns.NSEC3); ok {
		// The next hashed owner is base32hex without padding (RFC 5155
		// §3.3), of at least one octet; a SHA-1 hash has 20. miekg/dns
		// takes any text, a single digit as no octets at all.
		l := len(n.NextDomain)
		if l == 0 || l%8 == 1 || l%8 == 3 || l%8 == 6 || strings.ContainsRune(n.NextDomain, '=') ||
			n.Hash == dns.SHA1 && l*5/8 != 20 {
			return "has a next hashed owner name BIND refuses",
				"write the hash in base32hex without padding (RFC 5155 §3.3): 32 digits for SHA-1"
		}
	}
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

// wireValid checks generic rdata as BIND does on reading it: BIND decodes
// it as it would from the wire and refuses what does not decode.
func wireValid(t uint16, w []byte) bool {
	switch t {
	case typeWKS: // address, protocol, bitmap of at most 65536 ports
		return len(w) >= 5 && len(w) <= 5+8192
	case 22, 67, 68: // NSAP, HHIT, BRID
		return len(w) >= 1
	case 38: // A6 (RFC 2874 §3.1): prefix length, address suffix, prefix name
		if len(w) == 0 || w[0] > 128 {
			return false
		}
		off := 1 + (128-int(w[0])+7)/8
		if w[0] == 0 || off > len(w) {
			return off == len(w)
		}
		_, end, err := dns.UnpackDomainName(w, off)
		return err == nil && end == len(w)
	case 40: // SINK: meaning, coding, subcoding, data
		return len(w) >= 3
	case 259: // DOA: enterprise, type, location, media type, data
		return len(w) >= 10 && 10+int(w[9]) <= len(w)
	case 66: // DSYNC: type, scheme, port, target
		if len(w) < 6 {
			return false
		}
		_, off, err := dns.UnpackDomainName(w, 5)
		return err == nil && off == len(w)
	case 262, dns.TypeTXT: // WALLET, TXT: character-strings
		if len(w) == 0 {
			return false
		}
		for i := 0; i < len(w); i += int(w[i]) + 1 {
			if i+int(w[i]) >= len(w) {
				return false
			}
		}
		return true
	case dns.TypeNULL, dns.TypeAPL:
		return true
	}
	_, known := dns.TypeToRR[t]
	return !known || len(w) > 0
}

// genericWire reads RFC 3597 rdata after its \#: a decimal length and that
// many octets in hex, in one or more tokens.
func genericWire(toks []rtoken) ([]byte, bool) {
	if len(toks) == 0 || toks[0].quoted || !isDigits(toks[0].text) {
		return nil, false
	}
	n, err := strconv.ParseUint(toks[0].text, 10, 16)
	if err != nil {
		return nil, false
	}
	var h strings.Builder
	for _, t := range toks[1:] {
		if t.quoted {
			return nil, false
		}
		h.WriteString(t.text)
	}
	w, err := hex.DecodeString(h.String())
	if err != nil || len(w) != int(n) {
		return nil, false
	}
	return w, true
}

// wksWire reads WKS rdata (RFC 1035 §3.4.2): an IPv4 address, a protocol
// and the services offered, by number or name (RFC 1010 names, as BIND reads
// them through getprotobyname and getservbyname, from wksProtocols and
// wksServices). The bitmap is as long as its highest port needs, as BIND
// writes it.
func wksWire(toks []rtoken) []byte {
	if len(toks) < 2 || toks[0].quoted || toks[1].quoted {
		return nil
	}
	a, err := netip.ParseAddr(toks[0].text)
	if err != nil || !a.Is4() {
		return nil
	}
	var proto uint64
	if isDigits(toks[1].text) {
		if proto, err = strconv.ParseUint(toks[1].text, 10, 8); err != nil {
			return nil
		}
	} else {
		n, ok := wksProtocols[toks[1].text]
		if !ok || n > 255 {
			return nil
		}
		proto = uint64(n)
	}
	ps := ""
	switch proto {
	case 6:
		ps = "tcp"
	case 17:
		ps = "udp"
	}
	var bitmap [8192]byte
	maxPort := 0
	for _, t := range toks[2:] {
		if t.quoted {
			return nil
		}
		var port int
		if isDigits(t.text) {
			n, err := strconv.ParseUint(t.text, 10, 16)
			if err != nil {
				return nil
			}
			port = int(n)
		} else {
			n, ok := wksServices[ps+"/"+strings.ToLower(t.text)]
			if !ok {
				n, ok = wksServices[ps+"/"+t.text]
			}
			if !ok {
				return nil
			}
			port = int(n)
		}
		maxPort = max(maxPort, port)
		bitmap[port/8] |= 0x80 >> (port % 8)
	}
	a4 := a.As4()
	w := append(a4[:], byte(proto))
	return append(w, bitmap[:maxPort/8+1]...)
}

// typeWKS is WKS's type code; miekg/dns has no constant for it.
const typeWKS = 11

// wksPresentation returns how Write prints one WKS record, typ and data
// (generic). BIND writes a WKS without services with a bitmap of one zero
// octet, and refuses that same rdata in generic form (a bitmap may not end
// in a zero octet on the wire): such a record is written in WKS's own text
// form, which both BIND and zonecast read back as these octets. Any other
// is written as it is.
func wksPresentation(typ, data string) (string, string) {
	const prefix = `\# 6 `
	if len(data) != len(prefix)+12 || !strings.HasPrefix(data, prefix) || !strings.HasSuffix(data, "00") {
		return typ, data
	}
	w, err := hex.DecodeString(data[len(prefix):])
	if err != nil {
		return typ, data
	}
	return "WKS", netip.AddrFrom4([4]byte(w[:4])).String() + " " + strconv.Itoa(int(w[4]))
}

// uints reads decimal numbers of the given bits, in network order.
func uints(toks []rtoken, bits int) ([]byte, bool) {
	var w []byte
	for _, t := range toks {
		if t.quoted || !isDigits(t.text) {
			return nil, false
		}
		n, err := strconv.ParseUint(t.text, 10, bits)
		if err != nil {
			return nil, false
		}
		for i := bits - 8; i >= 0; i -= 8 {
			w = append(w, byte(n>>i))
		}
	}
	return w, true
}

// base64Tokens decodes base64 written over any number of tokens.
func base64Tokens(toks []rtoken) ([]byte, bool) {
	var b strings.Builder
	for _, t := range toks {
		if t.quoted {
			return nil, false
		}
		b.WriteString(t.text)
	}
	w, err := base64.StdEncoding.DecodeString(b.String())
	return w, err == nil
}

// a6Wire reads A6 rdata (RFC 2874 §3.1.1): a prefix length, the address
// suffix (unless the length is 128) as an IPv6 address whose prefix bits are
// dropped, and the prefix name (unless the length is 0).
func a6Wire(toks []rtoken, origin string) []byte {
	if len(toks) == 0 || toks[0].quoted || !isDigits(toks[0].text) {
		return nil
	}
	plen, err := strconv.ParseUint(toks[0].text, 10, 8)
	if err != nil || plen > 128 {
		return nil
	}
	want := 1
	if plen < 128 {
		want++
	}
	if plen > 0 {
		want++
	}
	if len(toks) != want {
		return nil
	}
	w := []byte{byte(plen)}
	if plen < 128 {
		a, err := netip.ParseAddr(toks[1].text)
		if err != nil || !a.Is6() || a.Zone() != "" || toks[1].quoted {
			return nil
		}
		a16 := a.As16()
		suffix := a16[plen/8:]
		suffix[0] &= 0xff >> (plen % 8)
		w = append(w, suffix...)
	}
	if plen > 0 {
		name := make([]byte, 256)
		n, err := dns.PackDomainName(absolute(toks[want-1].text, origin), name, 0, nil, false)
		if err != nil || toks[want-1].quoted {
			return nil
		}
		w = append(w, name[:n]...)
	}
	return w
}

// nsapWire reads NSAP rdata (RFC 1706 §5): "0x" and an even number of hex
// digits, dots anywhere after the "0x" for readability.
func nsapWire(toks []rtoken) []byte {
	if len(toks) != 1 || toks[0].quoted {
		return nil
	}
	s := toks[0].text
	if len(s) < 3 || s[0] != '0' || s[1]|0x20 != 'x' {
		return nil
	}
	w, err := hex.DecodeString(strings.ReplaceAll(s[2:], ".", ""))
	if err != nil || len(w) == 0 {
		return nil
	}
	return w
}

// dsyncWire reads DSYNC rdata (draft-ietf-dnsop-generalized-notify): a
// type, a scheme (NOTIFY or a number), a port and a target name.
func dsyncWire(toks []rtoken, origin string) []byte {
	if len(toks) != 4 {
		return nil
	}
	for _, t := range toks {
		if t.quoted {
			return nil
		}
	}
	var typ uint16
	if isDigits(toks[0].text) {
		n, err := strconv.ParseUint(toks[0].text, 10, 16)
		if err != nil {
			return nil
		}
		typ = uint16(n)
	} else if t, ok := typeCode(toks[0].text); ok {
		typ = t
	} else {
		return nil
	}
	var scheme uint64 = 1
	if !strings.EqualFold(toks[1].text, "NOTIFY") {
		n, err := strconv.ParseUint(toks[1].text, 10, 8)
		if err != nil || !isDigits(toks[1].text) {
			return nil
		}
		scheme = n
	}
	port, err := strconv.ParseUint(toks[2].text, 10, 16)
	if err != nil || !isDigits(toks[2].text) {
		return nil
	}
	w := []byte{byte(typ >> 8), byte(typ), byte(scheme), byte(port >> 8), byte(port)}
	name := make([]byte, 256)
	n, err := dns.PackDomainName(absolute(toks[3].text, origin), name, 0, nil, false)
	if err != nil {
		return nil
	}
	return append(w, name[:n]...)
}

// stringsWire makes each token a character-string (RFC 1035 §3.3).
func stringsWire(toks []rtoken) []byte {
	var w []byte
	for _, t := range toks {
		s, ok := unescape(t.text)
		if !ok || len(s) > 255 {
			return nil
		}
		w = append(w, byte(len(s)))
		w = append(w, s...)
	}
	return w
}

// unescape resolves the \X and \DDD escapes of a presentation string.
func unescape(s string) (string, bool) {
	if strings.IndexByte(s, '\\') < 0 {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(s) {
			return "", false
		}
		if isDigit(s[i+1]) {
			if i+3 >= len(s) || !isDigit(s[i+2]) || !isDigit(s[i+3]) {
				return "", false
			}
			n := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
			if n > 255 {
				return "", false
			}
			b.WriteByte(byte(n))
			i += 3
			continue
		}
		b.WriteByte(s[i+1])
		i++
	}
	return b.String(), true
}

// locDefaults fills in the minutes and seconds a LOC record leaves out
// (RFC 1876 §3: "if omitted, minutes and seconds default to zero"), which
// the ZoneParser requires once minutes are given. Text it cannot make sense
// of is returned as it is, for the ZoneParser to refuse.
func locDefaults(toks []rtoken) []rtoken {
	out := make([]rtoken, 0, len(toks)+4)
	i := 0
	for _, hemis := range []string{"NS", "EW"} {
		n := 0
		for i < len(toks) && !isHemisphere(toks[i], hemis) {
			if n == 3 {
				return toks
			}
			out = append(out, toks[i])
			i++
			n++
		}
		if i == len(toks) || n == 0 {
			return toks
		}
		for ; n < 3; n++ {
			out = append(out, rtoken{text: "0"})
		}
		out = append(out, toks[i])
		i++
	}
	return append(out, toks[i:]...)
}

// isHemisphere reports whether t is one of letters; BIND takes them in
// upper case only.
func isHemisphere(t rtoken, letters string) bool {
	return !t.quoted && len(t.text) == 1 && strings.IndexByte(letters, t.text[0]) >= 0
}

// BIND's mnemonics (lib/dns/rcode.c), looked up without regard to case.
var (
	secAlgs = map[string]uint64{
		"RSAMD5": 1, "DH": 2, "DSA": 3, "RSASHA1": 5, "NSEC3DSA": 6, "NSEC3RSASHA1": 7, "RSASHA256": 8,
		"RSASHA512": 10, "ECCGOST": 12, "ECDSAP256SHA256": 13, "ECDSAP384SHA384": 14, "ED25519": 15,
		"ED448": 16, "INDIRECT": 252, "PRIVATEDNS": 253, "PRIVATEOID": 254,
	}
	keyProtocols = map[string]uint64{"NONE": 0, "TLS": 1, "EMAIL": 2, "DNSSEC": 3, "IPSEC": 4, "ALL": 255}
	digestTypes  = map[string]uint64{"SHA-1": 1, "SHA1": 1, "SHA-256": 2, "SHA256": 2, "GOST": 3, "SHA-384": 4, "SHA384": 4}
	// keyFlags are combined with "|".
	keyFlags = map[string]uint64{
		"NOCONF": 0x4000, "NOAUTH": 0x8000, "NOKEY": 0xC000, "FLAG2": 0x2000, "EXTEND": 0x1000,
		"FLAG4": 0x0800, "FLAG5": 0x0400, "USER": 0x0000, "ZONE": 0x0100, "HOST": 0x0200,
		"NTYP3": 0x0300, "FLAG8": 0x0080, "FLAG9": 0x0040, "FLAG10": 0x0020, "FLAG11": 0x0010,
		"SIG0": 0, "SIG1": 1, "SIG2": 2, "SIG3": 3, "SIG4": 4, "SIG5": 5, "SIG6": 6, "SIG7": 7,
		"SIG8": 8, "SIG9": 9, "SIG10": 10, "SIG11": 11, "SIG12": 12, "SIG13": 13, "SIG14": 14, "SIG15": 15,
		"KSK": 0x0001,
	}
)

// mnemonic rewrites *t, a number or one of names, into its decimal value.
// It reports false for a name BIND does not know or a value over 255.
func mnemonic(t *rtoken, names map[string]uint64) bool {
	if t.quoted || t.text == "" {
		return false
	}
	v, ok := names[strings.ToUpper(t.text)]
	if isDigit(t.text[0]) {
		n, err := strconv.ParseUint(t.text, 10, 8)
		v, ok = n, err == nil
	}
	t.text = strconv.FormatUint(v, 10)
	return ok
}

// flagsMnemonic rewrites *t, key flags as BIND reads them (a number in C
// notation, as strtoul reads it, or flag names joined by "|"), into their
// decimal value.
func flagsMnemonic(t *rtoken) bool {
	if t.quoted || t.text == "" {
		return false
	}
	if isDigit(t.text[0]) {
		n, err := strconv.ParseUint(t.text, 0, 16)
		t.text = strconv.FormatUint(n, 10)
		return err == nil
	}
	var v uint64
	for _, f := range strings.Split(t.text, "|") {
		b, ok := keyFlags[strings.ToUpper(f)]
		if !ok {
			return false
		}
		v |= b
	}
	t.text = strconv.FormatUint(v, 10)
	return true
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

// bitmap rewrites the types of a type bitmap as miekg/dns reads them: in
// order, each once (BIND takes them in any order, RFC 4034 §4.1.2 stores a
// set), named by TYPEnnn when miekg/dns has no name for them (WKS, NSAP…).
// numbers: an NXT bitmap, where plain numbers are types too and no type is
// over 127.
func bitmap(toks []rtoken, numbers bool) bool {
	types := make([]uint16, 0, len(toks))
	for _, tok := range toks {
		t, ok := typeCode(tok.text)
		if numbers && isDigits(tok.text) {
			n, err := strconv.ParseUint(tok.text, 10, 16)
			t, ok = uint16(n), err == nil
		}
		if numbers && t > 127 {
			return false // NXT's bitmap (RFC 2535 §5.2) ends at 127
		}
		if tok.quoted || !ok {
			return false
		}
		types = append(types, t)
	}
	slices.Sort(types)
	types = slices.Compact(types)
	for i, t := range types {
		toks[i] = rtoken{text: typeText(t)}
	}
	clear(toks[len(types):])
	return true
}
