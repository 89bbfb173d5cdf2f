package audit

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/miekg/dns"
	"golang.org/x/net/publicsuffix"
)

// Codes of the findings Layout returns; all are warnings.
const (
	// CodeOneProvider: every nameserver of the zone is at one provider.
	CodeOneProvider = "ns-one-provider"
	// CodeOneDomain: every nameserver name lives outside the zone, under
	// one domain: that domain's DNS (and registration) is on every path.
	CodeOneDomain = "ns-one-domain"
	// CodeDomainOneProvider: some nameserver names live in a domain that
	// only one provider serves.
	CodeDomainOneProvider = "ns-domain-one-provider"
	// CodeSharedProvider: one provider is on every path to the zone
	// because the nameserver names live in domains only it serves, though
	// other providers answer for the zone (the seed's outage).
	CodeSharedProvider = "ns-shared-provider"
)

const layoutHint = "use nameserver names under at least two domains, each served by a different provider (each provider's own names, such as ns1.a-dns.example. at provider a), or names inside the zone with glue at the parent"

// Layout checks a zone's nameserver layout without asking the network: the
// part of Run's audit that validate and plan can do from the zone file and
// the configuration. It returns warnings, each with a code (the Code*
// constants), a message naming the zone, the names and the providers, and a
// Hint saying what to do instead; nil when it finds nothing.
//
// Inputs:
//   - origin is the zone (any case; the final dot may be left out).
//   - ns is the zone's apex NS set: its nameserver names, without those of
//     providers out of service (failover drop). Names are compared
//     case-insensitively; duplicates count once. An empty set returns nil
//     (the zones package reports a missing apex NS).
//   - providerOf(name) names the provider that answers at a nameserver
//     name (the configured provider whose nameservers list it), "" when
//     none does. A name no provider claims is grouped by its registered
//     domain (public suffix list), as if that domain were its provider, as
//     Run does. providerOf may be nil.
//   - servedBy(domain) lists the providers that serve a domain (an FQDN,
//     lower case), nil when the caller does not know (the domain is not one
//     of its zones). For each nameserver name outside origin, Layout asks
//     for the name itself and its ancestors, deepest first, down to the
//     name's registered domain; the first non-nil answer says which zone
//     the name lives in and who serves it. When every answer is nil, the
//     name is taken to live in its registered domain, served by providers
//     Layout cannot name. Leave providers out of service out of the answer.
//     servedBy may be nil.
//
// Names inside origin need glue at the parent and then no other zone, so
// they depend only on the provider that answers at them.
//
// The findings come in a fixed order: CodeOneProvider; CodeOneDomain;
// CodeDomainOneProvider per domain, sorted (not for a domain CodeOneDomain
// already named); CodeSharedProvider per provider, sorted (not for the
// provider CodeOneProvider already named). Layout is pure: no I/O, the
// same input gives the same output.
func Layout(origin string, ns []string, providerOf func(ns string) string, servedBy func(domain string) []string) []Finding {
	origin = dns.Fqdn(strings.ToLower(origin))
	type nameInfo struct {
		name     string
		provider string
		domain   string   // the zone the name lives in; origin for names inside it
		served   []string // who serves domain: sorted, distinct; nil when unknown
	}
	var names []nameInfo
	seen := map[string]bool{}
	for _, n := range ns {
		n = dns.Fqdn(strings.ToLower(n))
		if seen[n] {
			continue
		}
		seen[n] = true
		ni := nameInfo{name: n, domain: origin}
		if providerOf != nil {
			ni.provider = providerOf(n)
		}
		if ni.provider == "" {
			ni.provider = strings.TrimSuffix(registeredDomain(n), ".")
		}
		if !dns.IsSubDomain(origin, n) {
			ni.domain = registeredDomain(n)
			if servedBy != nil {
				for _, a := range ancestors(n, ni.domain) {
					if s := servedBy(a); s != nil {
						ni.domain, ni.served = a, distinct(s)
						break
					}
				}
			}
		}
		names = append(names, ni)
	}
	if len(names) == 0 {
		return nil
	}
	slices.SortFunc(names, func(a, b nameInfo) int { return strings.Compare(a.name, b.name) })

	var out []Finding
	warn := func(code, hint, format string, a ...any) {
		out = append(out, Finding{Severity: Warning, Code: code, Message: fmt.Sprintf(format, a...), Hint: hint})
	}
	list := func(ns []nameInfo) string {
		var s []string
		for _, n := range ns {
			s = append(s, n.name)
		}
		return strings.Join(s, ", ")
	}

	// Who answers.
	providers := map[string][]nameInfo{}
	for _, n := range names {
		providers[n.provider] = append(providers[n.provider], n)
	}
	oneProvider := ""
	if len(providers) == 1 {
		oneProvider = names[0].provider
		warn(CodeOneProvider, "add a second provider's nameservers to the zone's NS set and to the parent's delegation",
			"every nameserver of %s is at %s (%s): if %s fails, %s stops resolving", origin, oneProvider, list(names), oneProvider, origin)
	}

	// Where the names live.
	domains := map[string][]nameInfo{}
	for _, n := range names {
		if n.domain != origin {
			domains[n.domain] = append(domains[n.domain], n)
		}
	}
	oneDomain := ""
	if len(domains) == 1 && len(domains[names[0].domain]) == len(names) {
		oneDomain = names[0].domain
		d, who := oneDomain, resolverWho(origin, oneDomain)
		switch s := names[0].served; len(s) {
		case 0:
			warn(CodeOneDomain, layoutHint,
				"every nameserver name of %s is under %s: if its DNS fails or its registration lapses, no resolver %scan find any nameserver of %s",
				origin, d, who, origin)
		case 1:
			warn(CodeOneDomain, layoutHint,
				"every nameserver name of %s is under %s, which only %s serves: if %s fails, no resolver %scan find any nameserver of %s",
				origin, d, s[0], s[0], who, origin)
		default:
			warn(CodeOneDomain, layoutHint,
				"every nameserver name of %s is under %s (served by %s): if its registration lapses or its delegation breaks, no resolver %scan find any nameserver of %s",
				origin, d, strings.Join(s, ", "), who, origin)
		}
	}
	for _, d := range slices.Sorted(maps.Keys(domains)) {
		in := domains[d]
		if d == oneDomain || len(in[0].served) != 1 {
			continue
		}
		// A domain only its own names' provider serves (ns1.a-dns.example
		// at a) adds no dependency: those names fail with a anyway.
		p := in[0].served[0]
		if !slices.ContainsFunc(in, func(n nameInfo) bool { return n.provider != p }) {
			continue
		}
		warn(CodeDomainOneProvider, "serve "+d+" from a second provider too, or "+layoutHint,
			"%s %s in %s, which only %s serves: if %s fails, resolvers %scannot find %s",
			list(in), verb(len(in), "lives", "live"), d, p, p, resolverWho(origin, d), verb(len(in), "it", "them"))
	}

	// Who is on every path: the provider answering at a name, and the only
	// provider of the domain it lives in.
	var common map[string]bool
	for _, n := range names {
		deps := map[string]bool{n.provider: true}
		if n.domain != origin && len(n.served) == 1 {
			deps[n.served[0]] = true
		}
		if common == nil {
			common = deps
			continue
		}
		for p := range common {
			if !deps[p] {
				delete(common, p)
			}
		}
	}
	for _, p := range slices.Sorted(maps.Keys(common)) {
		if p == oneProvider {
			continue
		}
		var through []nameInfo
		for _, n := range names {
			if n.provider != p {
				through = append(through, n)
			}
		}
		warn(CodeSharedProvider, layoutHint,
			"every nameserver of %s depends on %s: %s %s in domains only %s serves, so if %s fails no resolver %scan find %s, and %s stops resolving though other providers answer for it",
			origin, p, list(through), verb(len(through), "lives", "live"), p, p, resolverWho(origin, through[0].domain), verb(len(through), "it", "them"), origin)
	}
	return out
}

// resolverWho qualifies "no resolver can find" for names in domain: names
// under the zone's parent domain may have sibling glue, which some
// resolvers use (siblingGlueUse); names elsewhere have no glue at all.
func resolverWho(origin, domain string) string {
	if i, end := dns.NextLabel(origin, 0); !end && dns.IsSubDomain(origin[i:], domain) {
		return "that ignores sibling glue "
	}
	return ""
}

// registeredDomain returns the registered domain (public suffix plus one
// label) of name as an FQDN, or name itself when it has none.
func registeredDomain(name string) string {
	d, err := publicsuffix.EffectiveTLDPlusOne(strings.TrimSuffix(name, "."))
	if err != nil {
		return name
	}
	return dns.Fqdn(d)
}

// ancestors lists name and its ancestors down to stop (included), deepest
// first; just name when stop is not an ancestor.
func ancestors(name, stop string) []string {
	out := []string{name}
	if !dns.IsSubDomain(stop, name) {
		return out
	}
	for n := name; n != stop; {
		i, end := dns.NextLabel(n, 0)
		if end {
			break
		}
		n = n[i:]
		out = append(out, n)
	}
	return out
}

// verb picks the singular or plural form for n things.
func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func distinct(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return slices.Compact(c)
}
