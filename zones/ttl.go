package zones

import (
	"fmt"
	"math"
	"strings"
)

// TTLs are read by miekg/dns more loosely than by BIND: its stringToTTL adds
// up digits and units in any order ("1h30" is 3630, "5mm" 300, "h" 0) and
// wraps past 2^32. BIND 9.18 (lib/dns/ttl.c, bind_ttl) refuses those, so
// zonecast checks each TTL miekg/dns accepted against BIND's rules.

// bindTTL reads s as BIND 9.18's dns_ttl_fromtext does: a number of seconds,
// or one or more number-unit pairs (w, d, h, m, s, either case) such as
// 1h30m or 1W2D, each number at most 2^32-1 and the sum too. A bare number
// may end the text only when it is all of it ("1h30" is refused, but as in
// BIND "0h30" reads as 30). why is empty when s is a TTL, else says why not.
func bindTTL(s string) (ttl uint32, why string) {
	if s == "" {
		return 0, "it is empty"
	}
	if len(s) > 63 {
		return 0, "it is longer than 63 characters"
	}
	var total uint64
	for i := 0; i < len(s); {
		j := i
		var n uint64
		for j < len(s) && isDigit(s[j]) {
			n = n*10 + uint64(s[j]-'0')
			if n > math.MaxUint32 {
				return 0, "a number in it is over 4294967295"
			}
			j++
		}
		if j == i {
			if i == 0 {
				return 0, "it does not start with a number"
			}
			return 0, fmt.Sprintf("the unit %q after %q has no number before it", s[i:i+1], s[:i])
		}
		if j == len(s) {
			if total != 0 {
				return 0, fmt.Sprintf("the trailing number %s has no unit", s[i:])
			}
			total = n
			break
		}
		unit := ttlUnit(s[j])
		if unit == 0 {
			return 0, fmt.Sprintf("%q is not a unit (w, d, h, m or s)", s[j:j+1])
		}
		total += n * unit
		i = j + 1
	}
	if total > math.MaxUint32 {
		return 0, "it adds up to more than 4294967295 seconds"
	}
	return uint32(total), ""
}

// ttlUnit is the number of seconds of a TTL unit letter (w, d, h, m, s in
// either case), or 0 for any other byte.
func ttlUnit(c byte) uint64 {
	switch c | 0x20 {
	case 's':
		return 1
	case 'm':
		return 60
	case 'h':
		return 3600
	case 'd':
		return 86400
	case 'w':
		return 7 * 86400
	}
	return 0
}

// miekgTTL tells whether miekg/dns's stringToTTL reads s as a TTL: digits
// and the letters of the units in any order, adding up to at most 2^32-1.
func miekgTTL(s string) bool {
	if s == "" {
		return false
	}
	var total, n uint64
	for i := 0; i < len(s); i++ {
		unit := ttlUnit(s[i])
		if unit == 0 {
			if !isDigit(s[i]) {
				return false
			}
			n = n*10 + uint64(s[i]-'0')
			continue
		}
		total += n * unit
		n = 0
	}
	return total+n <= math.MaxUint32
}

// ttlProblem is the diagnostic for a TTL BIND refuses.
func ttlProblem(pos Pos, token, why string) *Diagnostic {
	fix := "write seconds (5400) or number-unit pairs (1h30m, 1w2d)"
	switch {
	case strings.Contains(why, "trailing number"):
		fix = fmt.Sprintf("give the last number its unit (%sm or %ss) or write the TTL in seconds", token, token)
	case strings.Contains(why, "over 4294967295"), strings.Contains(why, "more than 4294967295"):
		fix = "use a TTL of at most 2147483647 seconds (RFC 2181 §8)"
	}
	return &Diagnostic{Pos: pos, Severity: Error, Code: CodeTTLSyntax,
		Message: fmt.Sprintf("TTL %s is not one BIND reads: %s", quoteToken(token), why), Hint: fix}
}

// posIn returns the position of raw[off:], raw starting at start's line,
// column 1.
func posIn(raw []byte, start Pos, off int) Pos {
	p := Pos{File: start.File, Line: start.Line, Col: off + 1}
	for i := 0; i < off && i < len(raw); i++ {
		if raw[i] == '\n' {
			p.Line++
			p.Col = off - i
		}
	}
	return p
}

// checkTTLDirective refuses, as BIND does, a $TTL value that miekg/dns
// reads (it reports the rest itself). raw is the entry, "$TTL value ...".
func (s *source) checkTTLDirective(raw []byte) {
	start, _, next := nextToken(raw, 0) // $TTL
	if start < 0 || s.quiet {
		return
	}
	start, end, _ := nextToken(raw, next)
	if start < 0 {
		return
	}
	tok := string(raw[start:end])
	if !miekgTTL(tok) {
		return
	}
	if _, why := bindTTL(tok); why != "" {
		s.p.diags = append(s.p.diags, *ttlProblem(posIn(raw, s.entry, start), tok, why))
	}
}

// recordTTLProblem finds the TTL field of a raw record entry that
// miekg/dns read and tells whether BIND refuses it; for an SOA, the four
// fields after the serial too, which BIND reads as TTLs. The header is
// [owner] then up to two of TTL and class, then the type: a header token
// that is neither a class nor a type is what miekg/dns took for the TTL. It
// allocates nothing for the usual entries.
func recordTTLProblem(raw []byte, at Pos, soa bool) *Diagnostic {
	i := 0
	if len(raw) > 0 && raw[0] != ' ' && raw[0] != '\t' {
		_, _, i = nextToken(raw, 0) // owner
	}
	for n := 0; n < 3; n++ {
		start, end, next := nextToken(raw, i)
		if start < 0 {
			return nil
		}
		t := raw[start:end]
		i = next
		if n < 2 && isClassBytes(t) {
			continue
		}
		if n == 2 || (!isDigit(t[0]) && (!unitLettersOnly(t) || isTypeName(string(t)))) {
			// The type (MD is spelled with unit letters only).
			if soa {
				return soaTTLProblem(raw, at, i)
			}
			return nil
		}
		if allDigits(t) && len(t) <= 9 {
			continue
		}
		tok := string(t)
		if _, why := bindTTL(tok); why != "" {
			return ttlProblem(posIn(raw, at, start), tok, why)
		}
	}
	return nil
}

// soaTTLProblem checks the REFRESH, RETRY, EXPIRE and MINIMUM fields of
// the SOA rdata at raw[i:].
func soaTTLProblem(raw []byte, at Pos, i int) *Diagnostic {
	for n := 0; n < 7; n++ {
		start, end, next := nextToken(raw, i)
		if start < 0 {
			return nil
		}
		i = next
		t := raw[start:end]
		if n < 3 || (allDigits(t) && len(t) <= 9) || !miekgTTL(string(t)) {
			continue
		}
		tok := string(t)
		if _, why := bindTTL(tok); why != "" {
			d := ttlProblem(posIn(raw, at, start), tok, why)
			d.Message = fmt.Sprintf("SOA %s %s", soaField[n-3], strings.TrimPrefix(d.Message, "TTL "))
			return d
		}
	}
	return nil
}

var soaField = [4]string{"REFRESH", "RETRY", "EXPIRE", "MINIMUM"}

func isClassBytes(t []byte) bool {
	switch len(t) {
	case 2, 3, 4:
		return isClass(string(t))
	}
	return len(t) > 5 && (t[0]|0x20) == 'c' && isClass(string(t))
}

func unitLettersOnly(t []byte) bool {
	for _, c := range t {
		switch c | 0x20 {
		case 's', 'm', 'h', 'd', 'w':
		default:
			return false
		}
	}
	return len(t) > 0
}

func allDigits(t []byte) bool {
	for _, c := range t {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

func isTypeName(s string) bool {
	_, ok := genType(s)
	return ok
}

// hasTTLField reports whether a raw record entry that miekg/dns read has a
// TTL in its header, as recordTTLProblem tells the header's tokens apart.
func hasTTLField(raw []byte) bool {
	i := 0
	if len(raw) > 0 && raw[0] != ' ' && raw[0] != '\t' {
		_, _, i = nextToken(raw, 0) // owner
	}
	for n := 0; n < 2; n++ {
		start, end, next := nextToken(raw, i)
		if start < 0 {
			return false
		}
		t := raw[start:end]
		i = next
		if isClassBytes(t) {
			continue
		}
		return isDigit(t[0]) || (unitLettersOnly(t) && !isTypeName(string(t)))
	}
	return false
}
