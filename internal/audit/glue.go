package audit

import (
	"slices"

	"github.com/miekg/dns"
)

// Bailiwick is where a nameserver name lives, seen from the zone and the
// parent that delegates it (the terms of RFC 9471, section 2).
type Bailiwick string

// Bailiwicks.
const (
	// InDomain: the name is inside the zone (ns1.example.com for
	// example.com). The parent must give its address as glue: there is no
	// other way to find it.
	InDomain Bailiwick = "in-domain"
	// Sibling: the name is inside the parent zone but not inside the zone
	// (ns1.b.com for example.com, both in com). The parent may give sibling
	// glue; resolvers differ in whether they use it (siblingGlueUse).
	Sibling Bailiwick = "sibling"
	// OutOfBailiwick: the name is outside the parent zone (ns1.example.net
	// for example.com). No glue from the parent is used by any resolver:
	// the name's own zone must resolve.
	OutOfBailiwick Bailiwick = "out-of-bailiwick"
)

func bailiwickOf(zone, parent, ns string) Bailiwick {
	switch {
	case dns.IsSubDomain(zone, ns):
		return InDomain
	case parent != "" && dns.IsSubDomain(parent, ns):
		return Sibling
	}
	return OutOfBailiwick
}

// GlueState says what the parent's referral carries for one nameserver
// name, compared with what the name's own zone serves.
type GlueState string

// Glue states.
const (
	// GlueRight: the referral carries glue, and every glue address is one
	// the name's own zone serves for it.
	GlueRight GlueState = "right"
	// GlueAbsent: the referral carries no address for the name.
	GlueAbsent GlueState = "absent"
	// GlueWrong: the referral carries an address the name's own zone does
	// not serve for it (stale glue at the registry).
	GlueWrong GlueState = "wrong"
	// GlueUnverified: the referral carries glue, but the name's own zone
	// gave no address to compare it with.
	GlueUnverified GlueState = "unverified"
)

// glueState compares the parent's glue for a name with the addresses its
// own zone serves (both host:port).
func glueState(glue, addrs []string) GlueState {
	switch {
	case len(glue) == 0:
		return GlueAbsent
	case len(addrs) == 0:
		return GlueUnverified
	}
	for _, g := range glue {
		if !slices.Contains(addrs, g) {
			return GlueWrong
		}
	}
	return GlueRight
}

// siblingGlueUsers, siblingGlueNonUsers and siblingGlueUse say which
// resolver families use sibling glue from a
// referral, as the audit tells its users. It is kept modest on purpose:
// what was read in a resolver's code or docs is "from its code", what was
// seen on the loopback lab is "seen", and nothing here is tested in CI.
//
//   - Unbound: uses it. iterator/iter_scrub.c (scrub_sanitize) keeps
//     additional A/AAAA records inside the zone of the server asked
//     (pkt_sub(..., zonename)), which sibling glue from the parent is;
//     harden-glue (default yes) only drops glue outside it. Seen: with
//     Unbound 1.17 and sibling glue added to test., example.test resolved
//     with the only provider of b.test down (zonecast's outage-drill
//     notes). harden-unverified-glue (1.21+, default no) resolves such
//     glue first and falls back to it.
//   - Knot Resolver: uses it in its default "normal" mode. lib/layer/mode.rst
//     lists "in-bailiwick glue" (ns1.example2.org from org for example.org)
//     as accepted in normal and permissive mode; lib/layer/iterate.c
//     (update_cut) fetches glue for NS names inside the current zone cut.
//     "strict" mode takes only mandatory (in-domain) glue. From its code
//     and docs; not tried here.
//   - PowerDNS Recursor: probably uses it. pdns/recursordist/syncres.cc
//     (sanitizeRecords) keeps additional A/AAAA inside the zone of the
//     server asked for the referral's NS names; they are cached as
//     non-authoritative, and getAddrs looks in the cache first with
//     d_requireAuthData off. From its code (2026 master) only; not tried,
//     and not checked for older releases.
//   - BIND 9: does not, from 9.18.41, 9.20.15 and 9.21.14 on (commit
//     a41054e9e6, "Further restrict addresses that are cached when
//     processing referrals", August 2025): name_external takes the NS
//     owner (the delegated zone) as the bailiwick, so glue for a sibling
//     name is external and not cached. Earlier releases took the
//     delegating zone and cached it. The 9.21 development branch's
//     parent-centric delegations (9.21.22+, merge 48d098467f) accept
//     sibling glue again. From its code; not tried here.
const (
	siblingGlueUsers    = "Unbound, Knot Resolver and probably PowerDNS Recursor"
	siblingGlueNonUsers = "BIND 9.18.41+ and 9.20.15+"
	siblingGlueUse      = "sibling glue is used by Unbound (seen on a lab) and Knot Resolver (documented), probably by PowerDNS Recursor (from its code, untried), not by BIND 9.18.41+ or 9.20.15+ (earlier releases did)"
)
