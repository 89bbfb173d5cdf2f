package zones

import "fmt"

// leave passes the TTL state of an $INCLUDEd file that has ended on to the
// file that included it. BIND restores only the origin after an $INCLUDE:
// a $TTL set in the included file (or, with no $TTL, the last TTL written
// there) stays in force in the including file. miekg/dns restores both, so
// the parent is shown a "$TTL n" line before its next octet, which moves no
// position; a last TTL without $TTL is set on the parent's ZoneParser when
// zonecast started it (a parent itself included is read by a ZoneParser of
// miekg/dns's own, out of reach).
func (s *source) leave() {
	s.left = true
	par := s.parent
	if !s.ttlSet || (par.ttlSet && par.ttl == s.ttl && par.ttlByDirective == s.ttlByDirective) {
		return
	}
	par.ttl, par.ttlSet, par.ttlByDirective = s.ttl, true, s.ttlByDirective
	switch {
	case s.ttlByDirective:
		par.prefix = fmt.Appendf(par.prefix, "$TTL %d\n", s.ttl)
		par.prefixLines++
	case par.zp != nil:
		par.zp.SetDefaultTTL(s.ttl)
	}
}
