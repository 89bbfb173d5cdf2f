package audit

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// Severity of a finding.
type Severity string

// Severities: a failure or a single point of failure fails the audit.
const (
	// Failure: the zone does not resolve now.
	Failure Severity = "failure"
	// SPOF: one provider's failure would stop the zone resolving.
	SPOF    Severity = "single-point-of-failure"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// Finding is one thing the audit saw: a stable code, a message naming the
// zone, names and providers concerned, and what to do about it.
type Finding struct {
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	Message  string   `json:"message"`
	Hint     string   `json:"hint,omitempty"`
}

// Host is one nameserver of the zone and what answering for it depends on.
type Host struct {
	Name string `json:"name"`
	// Addresses are the ones the name's own zone serves; when it serves
	// none, the parent's glue, which the audit then asks.
	Addresses []string `json:"addresses"`
	Glue      []string `json:"glue,omitempty"`
	// Bailiwick says whether the parent must (in-domain), may (sibling) or
	// cannot (out-of-bailiwick) give glue for the name; GlueState, what
	// its referral carries (not set out of bailiwick).
	Bailiwick Bailiwick `json:"bailiwick"`
	GlueState GlueState `json:"glue_state,omitempty"`
	Provider  string    `json:"provider"`
	// Zone is the zone the name itself lives in, and ZoneProviders who
	// serve that zone: resolving the name needs one of them.
	Zone          string   `json:"zone"`
	ZoneProviders []string `json:"zone_providers"`
	// DependsOn is every provider this host's answers need.
	DependsOn []string `json:"depends_on"`
	Serial    uint32   `json:"serial,omitempty"`
	Lame      bool     `json:"lame,omitempty"`
	// OutOfService: the host's provider is out of service for the zone
	// (Options.Dropped). Such a host is not asked and is on no path.
	OutOfService bool `json:"out_of_service,omitempty"`
}

// Report is the audit of one zone.
type Report struct {
	Zone      string   `json:"zone"`
	Parent    string   `json:"parent"`
	ParentNS  []string `json:"parent_ns"`
	ParentTTL uint32   `json:"parent_ns_ttl"`
	ChildNS   []string `json:"child_ns"`
	ChildTTL  uint32   `json:"child_ns_ttl"`
	Hosts     []Host   `json:"hosts"`
	// OutOfService are the providers taken out of service for the zone
	// (Options.Dropped), sorted.
	OutOfService []string `json:"out_of_service,omitempty"`
	// SinglePointsOfFailure are the providers on every path to the zone,
	// sorted; see SinglePoints.
	SinglePointsOfFailure []string  `json:"single_points_of_failure"`
	Findings              []Finding `json:"findings"`
	// Zonecast are zonecast's own dependencies for the zone (the caller
	// fills them from its configuration): the names it must resolve to
	// reach or check the zone's providers, and what going dark would cut
	// it off from each.
	Zonecast []SelfDependency `json:"zonecast_dependencies,omitempty"`
}

// SelfDependency is one name zonecast needs to reach or check a provider.
type SelfDependency struct {
	Provider string `json:"provider"`
	// What is "server", "api_url", "endpoint" or "nameserver".
	What string `json:"what"`
	Host string `json:"host"`
	// DarkIf are what going dark makes the name unresolvable: "zone
	// example.com.", "provider b"; empty when it hangs on no zone
	// zonecast manages.
	DarkIf []string `json:"dark_if,omitempty"`
	// Fallback says what zonecast does then ("its last-known address").
	Fallback string `json:"fallback,omitempty"`
}

// Failed reports whether the zone does not resolve or a single point of
// failure was found.
func (r *Report) Failed() bool {
	return slices.ContainsFunc(r.Findings, func(f Finding) bool { return f.Severity == SPOF || f.Severity == Failure })
}

// Resolves reports whether the zone resolves: it is delegated and at least
// one of its nameservers in service answers for it with authority.
func (r *Report) Resolves() bool {
	return !slices.ContainsFunc(r.Findings, func(f Finding) bool { return f.Severity == Failure })
}

// SinglePoints is the number of providers whose failure alone would stop
// the zone resolving: each answers at every nameserver in service, or
// serves the only domain a nameserver name lives in for every nameserver
// (the value of the metric zonecast_single_points_of_failure for the zone).
// It is counted from the layout the audit saw (names, providers, the
// domains the names live in), not from which servers answered, and
// counts conservatively: sibling glue that some resolvers use does not
// remove a provider from a path, since others do not (siblingGlueUse). 0
// means no provider alone can take the zone down; it does not mean the zone
// resolves (see Resolves), and a zone with no nameserver in service counts 0.
func (r *Report) SinglePoints() int { return len(r.SinglePointsOfFailure) }

// Options tune an audit.
type Options struct {
	// Roots are the root servers' addresses (host:port); nil means the
	// IANA root servers.
	Roots   []string
	Timeout time.Duration
	// Providers maps nameserver names to configured provider names; other
	// names are grouped by their registered domain (public suffix list).
	Providers map[string]string
	// Dropped are the providers out of service for the zone (zonecast
	// failover drop): their nameservers, named in Providers, are expected
	// to be absent from the NS sets. They are not asked, not counted as a
	// path, and not reported unreachable; the audit says they are out of
	// service, and warns if the parent or the zone still lists them.
	Dropped []string
}

// Run audits the zone. It returns an error only when the delegation cannot
// be walked (the root or the parent's servers do not answer); a zone that
// is not delegated, or whose nameservers do not answer for it, is a report
// with a Failure finding.
func Run(ctx context.Context, zone string, opts Options) (*Report, error) {
	zone = dns.Fqdn(strings.ToLower(zone))
	if opts.Roots == nil {
		opts.Roots = ianaRoots
	}
	if opts.Timeout == 0 {
		opts.Timeout = 2 * time.Second
	}
	dropped := map[string]bool{}
	for _, p := range opts.Dropped {
		dropped[p] = true
	}
	w := &walker{opts: opts, cache: map[string]*delegation{}}
	// Lists are [] rather than null in JSON when empty.
	r := &Report{Zone: zone, ParentNS: []string{}, Hosts: []Host{}, OutOfService: slices.Sorted(maps.Keys(dropped)),
		SinglePointsOfFailure: []string{}, Findings: []Finding{}}
	add := func(sev Severity, code, hint, format string, a ...any) {
		r.Findings = append(r.Findings, Finding{sev, code, fmt.Sprintf(format, a...), hint})
	}

	d, err := w.delegation(ctx, zone)
	var nd *notDelegatedError
	if errors.As(err, &nd) {
		r.Parent = nd.parent
		add(Failure, "not-delegated", "delegate the zone at its registrar (or the parent's provider) to the providers' nameservers",
			"%s does not resolve: the servers of the parent %s answer %s for it", zone, nd.parent, nd.rcode)
		return r, nil
	}
	if err != nil {
		return nil, fmt.Errorf("walk the delegation of %s: %w", zone, err)
	}
	r.Parent, r.ParentNS, r.ParentTTL = d.parent, d.ns, d.ttl

	var answers []soaAnswer                 // authoritative SOA answers, in service
	signing := map[string]map[string]bool{} // provider → keys signing its SOA
	for _, ns := range d.ns {
		h := Host{Name: ns, Provider: w.provider(ns), Addresses: []string{}, ZoneProviders: []string{},
			Bailiwick: bailiwickOf(zone, d.parent, ns)}
		glue := d.glue[ns]
		for _, g := range glue {
			h.Glue = append(h.Glue, hostOf(g))
		}
		if dropped[h.Provider] {
			// Not asked: what a provider out of service answers is not
			// the zone's concern, and a dead one costs a timeout a question.
			h.OutOfService, h.DependsOn = true, []string{}
			add(Warning, "dropped-still-delegated", "finish the drop at the parent: with parent: configured, run `zonecast failover drop "+h.Provider+"` again; otherwise ask the registrar to remove "+ns,
				"%s is out of service, but the parent %s still lists its nameserver %s: resolvers keep asking it until the delegation changes and its NS TTL (%ds) runs out",
				h.Provider, d.parent, ns, d.ttl)
			r.Hosts = append(r.Hosts, h)
			continue
		}
		addrs, nsZone, zoneHosts, rerr := w.resolveHost(ctx, ns)
		probe := addrs
		if rerr != nil {
			if len(glue) > 0 {
				probe = glue
				add(Warning, "unresolvable-nameserver", "",
					"%s: its own zone %s gives no address for it; only the parent's glue does", ns, cmpOr(nsZone, "(unknown)"))
			} else {
				add(Warning, "unresolvable-nameserver", "", "%s: %v", ns, rerr)
			}
		}
		h.Zone = nsZone
		for _, a := range probe {
			h.Addresses = append(h.Addresses, hostOf(a))
		}
		if h.Bailiwick != OutOfBailiwick {
			h.GlueState = glueState(glue, addrs)
		}
		deps := map[string]bool{h.Provider: true}
		if nsZone != "" && nsZone != zone {
			for _, zh := range zoneHosts {
				p := w.provider(zh)
				if !slices.Contains(h.ZoneProviders, p) {
					h.ZoneProviders = append(h.ZoneProviders, p)
				}
			}
			slices.Sort(h.ZoneProviders)
			// Resolving the name needs one of the providers of its zone:
			// with only one, that provider is on the path. Sibling glue
			// does not take it off: not every resolver uses it.
			if len(h.ZoneProviders) == 1 {
				deps[h.ZoneProviders[0]] = true
			}
		}
		h.DependsOn = slices.Sorted(maps.Keys(deps))

		// Ask the host itself.
		for _, a := range probe {
			m, err := w.ask(ctx, a, zone, dns.TypeSOA)
			if err != nil {
				add(Warning, "unreachable", "", "%s (%s) does not answer: %s", ns, hostOf(a), describe(err))
				continue
			}
			if !m.Authoritative {
				h.Lame = true
				add(Warning, "lame", "", "%s (%s) is lame: it answers for %s without the AA bit", ns, hostOf(a), zone)
				continue
			}
			for _, rr := range m.Answer {
				if soa, ok := rr.(*dns.SOA); ok {
					h.Serial = soa.Serial
					answers = append(answers, soaAnswer{h.Provider, ns, hostOf(a), soa.Serial})
				}
			}
			w.signingKeys(ctx, a, zone, h.Provider, signing)
			if r.ChildNS == nil {
				if m2, err := w.ask(ctx, a, zone, dns.TypeNS); err == nil {
					for _, rr := range m2.Answer {
						if n, ok := rr.(*dns.NS); ok {
							r.ChildNS = append(r.ChildNS, strings.ToLower(n.Ns))
							r.ChildTTL = n.Hdr.Ttl
						}
					}
					slices.Sort(r.ChildNS)
				}
			}
		}
		w.glueFindings(ctx, add, zone, d, &h, glue, addrs)
		r.Hosts = append(r.Hosts, h)
	}

	pathFindings(add, r)
	if r.ChildNS != nil && !slices.Equal(r.ChildNS, sorted(r.ParentNS)) {
		add(Warning, "ns-mismatch", "", "the parent lists %s, the zone itself %s", strings.Join(sorted(r.ParentNS), " "), strings.Join(r.ChildNS, " "))
	}
	for _, ns := range r.ChildNS {
		if p := w.provider(ns); dropped[p] {
			add(Warning, "dropped-in-ns-set", "run `zonecast apply` (or `zonecast failover drop "+p+"` again) so the providers in service stop listing it",
				"%s is out of service, but the zone's own NS set still lists its nameserver %s", p, ns)
		}
	}
	for _, p := range r.OutOfService {
		add(Info, "out-of-service", "run `zonecast failover restore "+p+"` once it serves the zone again",
			"%s is out of service for %s (failover drop): its nameservers are expected to be absent from the NS sets, and are not asked", p, zone)
	}
	serialFindings(add, answers)
	signerFindings(add, zone, signing)
	if prefix, ok := onePrefix(r.Hosts); ok {
		add(Warning, "one-network", "", "all nameserver addresses are in %s", prefix)
	}
	if r.ChildNS != nil {
		add(Info, "ns-ttl", "", "a change of nameservers takes effect once the parent's NS TTL (%ds) and the zone's own (%ds) have run out", r.ParentTTL, r.ChildTTL)
	} else {
		add(Info, "ns-ttl", "", "a change of nameservers takes effect once the parent's NS TTL (%ds) has run out", r.ParentTTL)
	}
	if len(answers) == 0 {
		// First: it is what matters most.
		f := Finding{Failure, "zone-does-not-resolve",
			fmt.Sprintf("%s does not resolve: none of its nameservers in service answers for it with authority", zone),
			"check that the providers serve the zone (`zonecast verify`) and that the parent's delegation names their nameservers"}
		r.Findings = append([]Finding{f}, r.Findings...)
	}
	return r, nil
}

// glueFindings says what the parent's glue for one host means.
func (w *walker) glueFindings(ctx context.Context, add func(Severity, string, string, string, ...any), zone string, d *delegation, h *Host, glue, addrs []string) {
	ns := h.Name
	switch h.Bailiwick {
	case InDomain:
		if len(glue) == 0 {
			add(Warning, "missing-glue", "add the glue at the registrar (or the parent's provider)",
				"%s is inside %s but the parent %s gives no glue for it", ns, zone, d.parent)
		}
		for _, g := range glue {
			if len(addrs) > 0 && !slices.Contains(addrs, g) {
				add(Warning, "wrong-glue", "correct the glue at the registrar (or the parent's provider)",
					"the parent's glue for %s (%s) is not an address the name has", ns, hostOf(g))
			}
		}
	case Sibling:
		// Whether the glue matters: resolving the name needs a provider
		// other than the one answering at it. A name in its own
		// provider's domain (ns1.a-dns.example at a) fails with that
		// provider, glue or not.
		others := slices.ContainsFunc(h.ZoneProviders, func(p string) bool { return p != h.Provider })
		switch h.GlueState {
		case GlueAbsent:
			if !others {
				break
			}
			add(Info, "sibling-glue-absent", "",
				"the parent %s gives no glue for %s: every resolver looks its address up at the servers of %s", d.parent, ns, cmpOr(h.Zone, "its own zone"))
		case GlueRight:
			if !others {
				break
			}
			add(Info, "sibling-glue", "",
				"the parent %s gives sibling glue for %s (%s), the address(es) %s serves: resolvers that use it reach %s without %s's servers (%s)",
				d.parent, ns, strings.Join(h.Glue, " "), h.Zone, ns, h.Zone, siblingGlueUse)
		case GlueUnverified:
			add(Warning, "sibling-glue-unverified", "check that "+cmpOr(h.Zone, "the name's zone")+" serves the name's address",
				"the parent %s gives sibling glue for %s (%s), but its own zone %s gives no address to compare: only resolvers that use sibling glue can reach it (%s)",
				d.parent, ns, strings.Join(h.Glue, " "), cmpOr(h.Zone, "(unknown)"), siblingGlueUse)
		case GlueWrong:
			var wrong []string
			for _, g := range glue {
				if slices.Contains(addrs, g) {
					continue
				}
				// Where resolvers that use the glue are sent: does it
				// answer for the zone?
				what := "which does not answer for " + zone
				if m, err := w.ask(ctx, g, zone, dns.TypeSOA); err == nil && m.Authoritative && len(m.Answer) > 0 {
					what = "which answers for " + zone + " too"
				}
				wrong = append(wrong, hostOf(g)+", "+what)
			}
			add(Warning, "sibling-glue-wrong", "correct the glue for "+ns+" at the parent's registry (through the registrar of "+cmpOr(h.Zone, "the name's domain")+")",
				"the parent %s gives sibling glue for %s that %s does not serve: %s; %s serves %s. Resolvers that use sibling glue are sent there (%s)",
				d.parent, ns, cmpOr(h.Zone, "its own zone"), strings.Join(wrong, "; "), cmpOr(h.Zone, "its own zone"), strings.Join(hostsOf(addrs), " "), siblingGlueUse)
		}
	}
	if len(h.ZoneProviders) == 1 && h.ZoneProviders[0] != h.Provider && h.Zone != zone {
		p := h.ZoneProviders[0]
		var tail string
		switch h.GlueState {
		case GlueAbsent:
			tail = fmt.Sprintf("no resolver can find %s's address (the parent %s gives no glue for it)", ns, d.parent)
		case GlueRight:
			tail = fmt.Sprintf("only resolvers that use the parent's sibling glue can find %s's address (see sibling-glue)", ns)
		case GlueWrong:
			tail = fmt.Sprintf("resolvers cannot find %s's address, or are sent by the parent's wrong sibling glue to %s", ns, strings.Join(wrongGlue(glue, addrs), " "))
		case GlueUnverified:
			tail = fmt.Sprintf("only resolvers that use the parent's sibling glue can find %s's address", ns)
		default:
			tail = fmt.Sprintf("no resolver can find %s's address (no glue can help: the name is outside %s)", ns, d.parent)
		}
		add(Warning, "single-provider-ns-domain", "serve "+h.Zone+" from a second provider too, or "+layoutHint,
			"%s lives in %s, which only %s serves: if %s fails, %s", ns, h.Zone, p, p, tail)
	}
}

// pathFindings reports the providers on every path, fewer than two
// providers, and the dark domain.
func pathFindings(add func(Severity, string, string, string, ...any), r *Report) {
	providers := map[string]bool{}
	var common map[string]bool
	var live []Host
	for _, h := range r.Hosts {
		if h.OutOfService {
			continue
		}
		live = append(live, h)
		providers[h.Provider] = true
		deps := map[string]bool{}
		for _, p := range h.DependsOn {
			deps[p] = true
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
	// Sorted: the report must not depend on map order.
	r.SinglePointsOfFailure = slices.Sorted(maps.Keys(common))
	if r.SinglePointsOfFailure == nil {
		r.SinglePointsOfFailure = []string{}
	}

	// The dark domain: every nameserver name lives outside the zone in
	// domains one provider alone serves. However many providers answer
	// for the zone, that one's failure hides them all.
	// With every name also answered by that provider, it is the one
	// provider (one-provider), not a dark domain.
	dark, elsewhere := "", false
	for i, h := range live {
		if h.Zone == "" || h.Zone == r.Zone || len(h.ZoneProviders) != 1 || i > 0 && h.ZoneProviders[0] != dark {
			dark = ""
			break
		}
		dark = h.ZoneProviders[0]
		elsewhere = elsewhere || h.Provider != dark
	}
	if !elsewhere {
		dark = ""
	}
	if dark != "" {
		domains := map[string]bool{}
		glue := map[GlueState][]string{}
		for _, h := range live {
			domains[h.Zone] = true
			glue[h.GlueState] = append(glue[h.GlueState], h.Name)
		}
		var says []string
		if n := glue[""]; len(n) > 0 {
			says = append(says, fmt.Sprintf("no glue can help %s, outside %s", strings.Join(n, ", "), r.Parent))
		}
		if n := glue[GlueAbsent]; len(n) > 0 {
			says = append(says, fmt.Sprintf("the parent %s gives no glue for %s, so no resolver can find %s", r.Parent, strings.Join(n, ", "), verb(len(n), "it", "them")))
		}
		if n := glue[GlueRight]; len(n) > 0 {
			says = append(says, fmt.Sprintf("the parent %s gives right sibling glue for %s: resolvers that use it (%s) can still reach %s, those that do not (%s) cannot", r.Parent, strings.Join(n, ", "), siblingGlueUsers, verb(len(n), "it", "them"), siblingGlueNonUsers))
		}
		if n := glue[GlueWrong]; len(n) > 0 {
			says = append(says, fmt.Sprintf("the parent %s gives wrong sibling glue for %s: resolvers that use it (%s) are sent to addresses the name's own zone does not serve, those that do not (%s) cannot find %s", r.Parent, strings.Join(n, ", "), siblingGlueUsers, siblingGlueNonUsers, verb(len(n), "it", "them")))
		}
		if n := glue[GlueUnverified]; len(n) > 0 {
			says = append(says, fmt.Sprintf("the parent %s gives sibling glue for %s that could not be compared with %s's own zone", r.Parent, strings.Join(n, ", "), verb(len(n), "its", "their")))
		}
		add(SPOF, "dark-domain", layoutHint,
			"every nameserver name of %s lives in %s, which only %s serves: if %s fails, %s stops resolving however many providers answer for it; %s",
			r.Zone, strings.Join(slices.Sorted(maps.Keys(domains)), ", "), dark, dark, r.Zone, strings.Join(says, "; "))
	}
	for _, p := range r.SinglePointsOfFailure {
		if p == dark {
			continue
		}
		add(SPOF, "single-point-of-failure", "", "every nameserver of %s depends on %s: if %s fails, %s stops resolving", r.Zone, p, p, r.Zone)
	}
	if len(live) > 0 && len(providers) < 2 {
		add(SPOF, "one-provider", "", "%s is served by %d independent provider(s) in service; two or more are needed", r.Zone, len(providers))
	}
}

// serialFindings reports SOA serials that differ among one provider's own
// servers. Independent providers keep serials of their own (each bumps its
// serial on its own changes), so serials that differ between providers are
// normal and not reported.
func serialFindings(add func(Severity, string, string, string, ...any), answers []soaAnswer) {
	byProvider := map[string][]soaAnswer{}
	for _, a := range answers {
		byProvider[a.provider] = append(byProvider[a.provider], a)
	}
	for _, p := range slices.Sorted(maps.Keys(byProvider)) {
		serials := map[uint32]bool{}
		var who []string
		for _, a := range byProvider[p] {
			serials[a.serial] = true
			who = append(who, fmt.Sprintf("%s (%s) %d", a.host, a.addr, a.serial))
		}
		if len(serials) > 1 {
			add(Warning, "serial-divergence", "a server of "+p+" has not caught up: check its replication (NOTIFY, transfers), then `zonecast verify`",
				"%s's servers answer with %d different SOA serials: %s", p, len(serials), strings.Join(who, ", "))
		}
	}
}

// soaAnswer is one authoritative SOA answer from a nameserver in service.
type soaAnswer struct {
	provider, host, addr string
	serial               uint32
}

// describe says why a server did not answer, without the local address and
// port a net.OpError carries (they differ each run).
func describe(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	}
	return err.Error()
}

func sorted(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

func cmpOr(s, or string) string {
	if s == "" {
		return or
	}
	return s
}

// wrongGlue lists the glue addresses the name's own zone does not serve.
func wrongGlue(glue, addrs []string) []string {
	var out []string
	for _, g := range glue {
		if !slices.Contains(addrs, g) {
			out = append(out, hostOf(g))
		}
	}
	return out
}

func hostsOf(addrs []string) []string {
	var out []string
	for _, a := range addrs {
		out = append(out, hostOf(a))
	}
	return out
}

// onePrefix reports whether every address is in one /24 (IPv4) or /48.
func onePrefix(hosts []Host) (string, bool) {
	var first netip.Prefix
	n := 0
	for _, h := range hosts {
		for _, a := range h.Addresses {
			ip, err := netip.ParseAddr(a)
			if err != nil {
				continue
			}
			bits := 24
			if ip.Is6() {
				bits = 48
			}
			p, _ := ip.Prefix(bits)
			if n == 0 {
				first = p
			} else if p != first {
				return "", false
			}
			n++
		}
	}
	return first.String(), n > 1
}

func hostOf(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}

// provider names the provider behind a nameserver name: a configured one,
// else its registered domain.
func (w *walker) provider(ns string) string {
	if p, ok := w.opts.Providers[ns]; ok {
		return p
	}
	return strings.TrimSuffix(registeredDomain(ns), ".")
}

// signingKeys asks addr for the zone's SOA with the DO bit and records the
// keys (algorithm and tag) of its RRSIGs under provider; an unsigned
// answer records an empty set.
func (w *walker) signingKeys(ctx context.Context, addr, zone, provider string, signing map[string]map[string]bool) {
	m := new(dns.Msg)
	m.SetQuestion(zone, dns.TypeSOA)
	m.RecursionDesired = false
	m.SetEdns0(4096, true)
	c := &dns.Client{Net: "udp", Timeout: w.opts.Timeout}
	r, _, err := c.ExchangeContext(ctx, m, addr)
	if err == nil && r.Truncated {
		c.Net = "tcp"
		r, _, err = c.ExchangeContext(ctx, m, addr)
	}
	if err != nil || !r.Authoritative {
		return
	}
	if signing[provider] == nil {
		signing[provider] = map[string]bool{}
	}
	for _, rr := range r.Answer {
		if sig, ok := rr.(*dns.RRSIG); ok && sig.TypeCovered == dns.TypeSOA {
			signing[provider][fmt.Sprintf("%d (%s)", sig.KeyTag, algorithmName(sig.Algorithm))] = true
		}
	}
}

func algorithmName(a uint8) string {
	if s, ok := dns.AlgorithmToString[a]; ok {
		return s
	}
	return fmt.Sprintf("algorithm %d", a)
}

// signerFindings reports a signed zone whose providers all serve
// signatures made by one signer's keys: providers that share a signing
// key are one signer (a hidden primary signing for its secondaries, one
// key copied to all). However many providers serve the zone, that signer's
// failure (it stops re-signing, its keys must be withdrawn) makes every
// provider's signatures expire together, and the zone goes dark for
// validating resolvers: a single point of failure of its own kind. RFC
// 8901's model 2 (every provider signs with its own keys) has none.
func signerFindings(add func(Severity, string, string, string, ...any), zone string, signing map[string]map[string]bool) {
	if len(signing) < 2 {
		return
	}
	for _, keys := range signing {
		if len(keys) == 0 {
			return // unsigned somewhere: not a multi-signer question
		}
	}
	// Group the providers that share a key (union-find over keys).
	group := map[string]string{}
	var find func(string) string
	find = func(p string) string {
		if g, ok := group[p]; ok && g != p {
			g = find(g)
			group[p] = g
			return g
		}
		group[p] = p
		return p
	}
	owner := map[string]string{}
	for _, p := range slices.Sorted(maps.Keys(signing)) {
		find(p)
		for k := range signing[p] {
			if o, ok := owner[k]; ok {
				group[find(p)] = find(o)
			} else {
				owner[k] = p
			}
		}
	}
	roots := map[string]bool{}
	for p := range signing {
		roots[find(p)] = true
	}
	if len(roots) != 1 {
		return
	}
	keys := map[string]bool{}
	for _, ks := range signing {
		for k := range ks {
			keys[k] = true
		}
	}
	providers := slices.Sorted(maps.Keys(signing))
	add(SPOF, "single-signer", "make the zone multi-signer (RFC 8901 model 2): each provider signs with its own keys, every provider's DNSKEY set carries the others' ZSKs, and the parent has a DS for each provider's KSK; check it with `zonecast verify --dnssec`",
		"every provider of %s (%s) serves signatures by the same signer's keys (%s): if that signer stops signing or its keys must be withdrawn, every provider's signatures expire together and the zone fails validation everywhere, however many providers serve it",
		zone, strings.Join(providers, ", "), strings.Join(slices.Sorted(maps.Keys(keys)), ", "))
}
