package zones

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
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
	for start, end, next := nextToken(raw, 0); start >= 0; start, end, next = nextToken(raw, next) {
		t := raw[start:end]
		if t[0] != '"' {
			out = append(out, rtoken{text: string(t)})
			continue
		}
		// nextToken keeps the quotes; a string the entry does not close
		// runs to its end.
		t = t[1:]
		if closed(t) {
			t = t[:len(t)-1]
		}
		out = append(out, rtoken{text: string(t), quoted: true})
	}
	return out
}

// closed reports whether the text after an opening quote ends with the
// closing one: a final '"' not escaped by an odd run of backslashes.
func closed(t []byte) bool {
	if len(t) == 0 || t[len(t)-1] != '"' {
		return false
	}
	n := 0
	for i := len(t) - 2; i >= 0 && t[i] == '\\'; i-- {
		n++
	}
	return n%2 == 0
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
				if len(t) <= 5 || !isDigits(t[5:]) {
					return nil // CS, or CLASS without a number
				}
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
			rdata[0].text = TypeString(c)
		}
	case dns.TypeNSEC, dns.TypeNXT, dns.TypeCSYNC, dns.TypeNSEC3:
		fixed := map[uint16]int{dns.TypeNSEC: 1, dns.TypeNXT: 1, dns.TypeCSYNC: 2, dns.TypeNSEC3: 5}[t]
		if len(rdata) < fixed || !bitmap(rdata[fixed:], t == dns.TypeNXT) {
			return nil
		}
	case dns.TypeIPSECKEY:
		// The ZoneParser reads it right when it ends the text. BIND
		// 9.18 requires the public key, whatever the algorithm (RFC 4025
		// lets it be left out): without one the record is refused.
		if len(rdata) < 5 {
			return nil
		}
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
	b.WriteString(" " + strconv.FormatUint(uint64(h.Ttl), 10) + " CLASS" + strconv.Itoa(int(h.Class)) + " " + TypeString(h.Rrtype))
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
