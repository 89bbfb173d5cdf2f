package zones

import (
	"fmt"
	"strings"
)

// leave passes the TTL state of an $INCLUDEd file that has ended on to the
// file that included it. BIND restores only the origin after an $INCLUDE:
// a $TTL set in the included file (or, with no $TTL, the last TTL written
// there) stays in force in the including file. miekg/dns restores both, so
// the parent is shown a "$TTL n" line before its next octet, which moves no
// position; a last TTL without $TTL is set on the parent's ZoneParser when
// zonecast started it; a parent itself included is read by a ZoneParser of
// miekg/dns's own, out of reach, so take gives its records that TTL instead
// (forceTTL) until one has a TTL of its own.
//
// A file that ends without a line end is left with its last entry unread:
// a $TTL there is noted here, a record's TTL when take passes it on again.
//
// BIND refuses a $TTL, $ORIGIN or $GENERATE ended by the end of the file
// rather than a line end ("extra input text"), in any file; miekg/dns reads
// it. That is reported here too.
func (s *source) leave() {
	s.left = true
	if !s.bol && s.entryDirective {
		s.endEntry()
		if f := strings.Fields(stripComment(string(s.data[s.entryOff:]))); len(f) > 1 && !strings.EqualFold(f[0], "$INCLUDE") {
			s.p.diags = append(s.p.diags, Diagnostic{Pos: s.entry, Severity: Error, Code: CodeSyntax,
				Message: fmt.Sprintf("%s ends the file without a line end (BIND: extra input text)", strings.ToUpper(f[0])),
				Hint:    "end the file with a line end"})
		}
	}
	if s.parent != nil {
		s.passTTL()
	}
}

// passTTL gives the parent the TTL state of s, an included file that has
// ended, where it differs.
func (s *source) passTTL() {
	par := s.parent
	if !s.ttlSet || (par.ttlSet && par.ttl == s.ttl && par.ttlByDirective == s.ttlByDirective) {
		return
	}
	par.ttl, par.ttlSet, par.ttlByDirective = s.ttl, true, s.ttlByDirective
	switch {
	case s.ttlByDirective:
		par.prefix = fmt.Appendf(par.prefix, "$TTL %d\n", s.ttl)
		par.prefixLines++
		par.forceTTL = false
	case par.zp != nil:
		par.zp.SetDefaultTTL(s.ttl)
	default:
		par.forceTTL = true
	}
}
