// Package audit walks a zone's live delegation from the root and looks for
// single points of failure: the parent's NS set and glue, each nameserver
// name's own resolution path (its zone and that zone's nameservers,
// recursively, bounded), and the providers behind them.
package audit

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/net/publicsuffix"
)

// Severity of a finding.
type Severity string

// Severities: a single point of failure fails the audit.
const (
	SPOF    Severity = "single-point-of-failure"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// Finding is one thing the audit saw.
type Finding struct {
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	Message  string   `json:"message"`
}

// Host is one nameserver of the zone and what answering for it depends on.
type Host struct {
	Name      string   `json:"name"`
	Addresses []string `json:"addresses"`
	Glue      []string `json:"glue,omitempty"`
	Provider  string   `json:"provider"`
	// Zone is the zone the name itself lives in, and ZoneProviders who
	// serve that zone: resolving the name needs one of them.
	Zone          string   `json:"zone"`
	ZoneProviders []string `json:"zone_providers"`
	// DependsOn is every provider this host's answers need.
	DependsOn []string `json:"depends_on"`
	Serial    uint32   `json:"serial,omitempty"`
	Lame      bool     `json:"lame,omitempty"`
}

// Report is the audit of one zone.
type Report struct {
	Zone      string    `json:"zone"`
	Parent    string    `json:"parent"`
	ParentNS  []string  `json:"parent_ns"`
	ParentTTL uint32    `json:"parent_ns_ttl"`
	ChildNS   []string  `json:"child_ns"`
	ChildTTL  uint32    `json:"child_ns_ttl"`
	Hosts     []Host    `json:"hosts"`
	Findings  []Finding `json:"findings"`
}

// Failed reports whether a single point of failure was found.
func (r *Report) Failed() bool {
	return slices.ContainsFunc(r.Findings, func(f Finding) bool { return f.Severity == SPOF })
}

// Options tune an audit.
type Options struct {
	// Roots are the root servers' addresses (host:port); nil means the
	// IANA root servers.
	Roots   []string
	Timeout time.Duration
	// Providers maps nameserver names to configured provider names; other
	// names are grouped by their registered domain (public suffix list).
	Providers map[string]string
}

// ReadRootHints reads a root hints file (BIND's named.root format) and
// returns the addresses of the root servers.
func ReadRootHints(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	zp := dns.NewZoneParser(bufio.NewReader(f), ".", path)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		switch a := rr.(type) {
		case *dns.A:
			out = append(out, net.JoinHostPort(a.A.String(), "53"))
		case *dns.AAAA:
			out = append(out, net.JoinHostPort(a.AAAA.String(), "53"))
		}
	}
	if err := zp.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no root server addresses", path)
	}
	return out, nil
}

var ianaRoots = []string{"198.41.0.4:53", "199.9.14.201:53", "192.33.4.12:53", "199.7.91.13:53", "192.203.230.10:53",
	"192.5.5.241:53", "192.112.36.4:53", "198.97.190.53:53", "192.36.148.17:53", "192.58.128.30:53",
	"193.0.14.129:53", "199.7.83.42:53", "202.12.27.33:53"}

// walker resolves iteratively from the root, caching delegations.
type walker struct {
	opts  Options
	cache map[string]*delegation
	depth int
}

// delegation is what a parent said about a zone: its NS set and glue.
type delegation struct {
	zone   string
	parent string
	ns     []string
	ttl    uint32
	glue   map[string][]string // name → addresses (host:port)
}

// Run audits the zone.
func Run(ctx context.Context, zone string, opts Options) (*Report, error) {
	zone = dns.Fqdn(strings.ToLower(zone))
	if opts.Roots == nil {
		opts.Roots = ianaRoots
	}
	if opts.Timeout == 0 {
		opts.Timeout = 2 * time.Second
	}
	w := &walker{opts: opts, cache: map[string]*delegation{}}
	d, err := w.delegation(ctx, zone)
	if err != nil {
		return nil, fmt.Errorf("walk the delegation of %s: %w", zone, err)
	}
	r := &Report{Zone: zone, Parent: d.parent, ParentNS: d.ns, ParentTTL: d.ttl, Findings: []Finding{}}
	add := func(sev Severity, code, format string, a ...any) {
		r.Findings = append(r.Findings, Finding{sev, code, fmt.Sprintf(format, a...)})
	}
	for _, ns := range d.ns {
		// Lists are [] rather than null in JSON when empty.
		h := Host{Name: ns, Provider: w.provider(ns), Addresses: []string{}, ZoneProviders: []string{}}
		glue := d.glue[ns]
		for _, g := range glue {
			h.Glue = append(h.Glue, hostOf(g))
		}
		inBailiwick := dns.IsSubDomain(zone, ns)
		if inBailiwick && len(glue) == 0 {
			add(Warning, "missing-glue", "%s is inside %s but the parent %s gives no glue for it", ns, zone, d.parent)
		}
		addrs, nsZone, zoneHosts, err := w.resolveHost(ctx, ns, glue)
		if err != nil {
			add(Warning, "unresolvable-nameserver", "%s: %v", ns, err)
		}
		h.Zone = nsZone
		for _, a := range addrs {
			h.Addresses = append(h.Addresses, hostOf(a))
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
			// with only one, that provider is on the path.
			if len(h.ZoneProviders) == 1 {
				deps[h.ZoneProviders[0]] = true
				add(Warning, "single-provider-ns-domain", "%s lives in %s, which only %s serves: if %s fails, %s cannot be resolved (unless resolvers use the glue)",
					ns, nsZone, h.ZoneProviders[0], h.ZoneProviders[0], ns)
			}
		}
		for p := range deps {
			h.DependsOn = append(h.DependsOn, p)
		}
		slices.Sort(h.DependsOn)
		// Ask the host itself.
		for _, a := range addrs {
			m, err := w.ask(ctx, a, zone, dns.TypeSOA)
			if err != nil {
				add(Warning, "unreachable", "%s (%s) does not answer: %v", ns, hostOf(a), err)
				continue
			}
			if !m.Authoritative {
				h.Lame = true
				add(Warning, "lame", "%s (%s) is lame: it answers for %s without the AA bit", ns, hostOf(a), zone)
				continue
			}
			for _, rr := range m.Answer {
				if soa, ok := rr.(*dns.SOA); ok {
					h.Serial = soa.Serial
				}
			}
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
		for _, g := range glue {
			if len(addrs) > 0 && !slices.Contains(addrs, g) && inBailiwick {
				add(Warning, "wrong-glue", "the parent's glue for %s (%s) is not an address the name has", ns, hostOf(g))
			}
		}
		r.Hosts = append(r.Hosts, h)
	}

	// Providers and paths.
	providers := map[string]bool{}
	var common map[string]bool
	for _, h := range r.Hosts {
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
	for _, p := range slices.Sorted(maps.Keys(common)) {
		add(SPOF, "single-point-of-failure", "every nameserver of %s depends on %s: if %s fails, %s stops resolving", zone, p, p, zone)
	}
	if len(providers) < 2 {
		add(SPOF, "one-provider", "%s is served by %d independent provider(s); two or more are needed", zone, len(providers))
	}
	if r.ChildNS != nil && !slices.Equal(r.ChildNS, sorted(r.ParentNS)) {
		add(Warning, "ns-mismatch", "the parent lists %s, the zone itself %s", strings.Join(sorted(r.ParentNS), " "), strings.Join(r.ChildNS, " "))
	}
	serials := map[uint32]bool{}
	for _, h := range r.Hosts {
		if h.Serial != 0 {
			serials[h.Serial] = true
		}
	}
	if len(serials) > 1 {
		add(Warning, "serial-divergence", "the nameservers answer with %d different SOA serials", len(serials))
	}
	if prefix, ok := onePrefix(r.Hosts); ok {
		add(Warning, "one-network", "all nameserver addresses are in %s", prefix)
	}
	add(Info, "ns-ttl", "a change of nameservers takes effect once the parent's NS TTL (%ds) and the zone's own (%ds) have run out", r.ParentTTL, r.ChildTTL)
	return r, nil
}

func sorted(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
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
	d, err := publicsuffix.EffectiveTLDPlusOne(strings.TrimSuffix(ns, "."))
	if err != nil {
		return ns
	}
	return d
}

// ask sends one non-recursive question.
func (w *walker) ask(ctx context.Context, addr, name string, t uint16) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(name, t)
	m.RecursionDesired = false
	var last error
	for try := 0; try < 2; try++ {
		c := &dns.Client{Net: "udp", Timeout: w.opts.Timeout}
		r, _, err := c.ExchangeContext(ctx, m, addr)
		if err == nil && r.Truncated {
			c.Net = "tcp"
			r, _, err = c.ExchangeContext(ctx, m, addr)
		}
		if err == nil {
			return r, nil
		}
		last = err
	}
	return nil, last
}

// delegation walks from the root to the parent of zone and returns what the
// parent says about zone.
func (w *walker) delegation(ctx context.Context, zone string) (*delegation, error) {
	if d, ok := w.cache[zone]; ok {
		return d, nil
	}
	w.depth++
	defer func() { w.depth-- }()
	if w.depth > 8 {
		return nil, errors.New("delegation chain too deep")
	}
	servers := w.opts.Roots
	parent := "."
	for {
		var m *dns.Msg
		var err error
		for _, s := range servers {
			if m, err = w.ask(ctx, s, zone, dns.TypeNS); err == nil {
				break
			}
		}
		if err != nil {
			return nil, fmt.Errorf("ask the servers of %s: %w", parent, err)
		}
		// A referral: NS in the authority section for a zone at or above ours.
		var ns []string
		var cut string
		var ttl uint32
		for _, rr := range m.Ns {
			if n, ok := rr.(*dns.NS); ok {
				ns = append(ns, strings.ToLower(n.Ns))
				cut, ttl = strings.ToLower(n.Hdr.Name), n.Hdr.Ttl
			}
		}
		if len(ns) == 0 || m.Authoritative && cut == "" {
			if m.Authoritative && len(m.Answer) > 0 {
				// The parent is authoritative for zone itself: no cut.
				return nil, fmt.Errorf("%s is not delegated: %s answers for it", zone, parent)
			}
			return nil, fmt.Errorf("no delegation for %s from the servers of %s (%s)", zone, parent, dns.RcodeToString[m.Rcode])
		}
		glue := map[string][]string{}
		for _, rr := range m.Extra {
			switch a := rr.(type) {
			case *dns.A:
				n := strings.ToLower(a.Hdr.Name)
				glue[n] = append(glue[n], net.JoinHostPort(a.A.String(), "53"))
			case *dns.AAAA:
				n := strings.ToLower(a.Hdr.Name)
				glue[n] = append(glue[n], net.JoinHostPort(a.AAAA.String(), "53"))
			}
		}
		d := &delegation{zone: cut, parent: parent, ns: ns, ttl: ttl, glue: glue}
		w.cache[cut] = d
		if cut == zone {
			return d, nil
		}
		// Go one level down: ask the servers of cut.
		var next []string
		for _, n := range ns {
			if g := glue[n]; len(g) > 0 {
				next = append(next, g...)
				continue
			}
			if addrs, _, _, err := w.resolveHost(ctx, n, nil); err == nil {
				next = append(next, addrs...)
			}
		}
		if len(next) == 0 {
			return nil, fmt.Errorf("cannot reach any server of %s", cut)
		}
		servers, parent = next, cut
	}
}

// resolveHost finds a host name's addresses by walking from the root, and
// says which zone the name lives in and that zone's nameservers.
func (w *walker) resolveHost(ctx context.Context, host string, glue []string) (addrs []string, zone string, zoneNS []string, err error) {
	// Find the zone of the host: the deepest delegation above it.
	labels := dns.SplitDomainName(host)
	for i := 0; i < len(labels); i++ {
		candidate := dns.Fqdn(strings.Join(labels[i:], "."))
		d, derr := w.delegation(ctx, candidate)
		if derr != nil {
			continue
		}
		zone, zoneNS = d.zone, d.ns
		// Ask the zone's servers for the host's addresses.
		var servers []string
		for _, n := range d.ns {
			if g := d.glue[n]; len(g) > 0 {
				servers = append(servers, g...)
			} else if n != host && w.depth < 6 {
				if a, _, _, e := w.resolveHost(ctx, n, nil); e == nil {
					servers = append(servers, a...)
				}
			}
		}
		for _, s := range servers {
			for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
				m, e := w.ask(ctx, s, host, t)
				if e != nil {
					continue
				}
				for _, rr := range m.Answer {
					switch a := rr.(type) {
					case *dns.A:
						addrs = append(addrs, net.JoinHostPort(a.A.String(), "53"))
					case *dns.AAAA:
						addrs = append(addrs, net.JoinHostPort(a.AAAA.String(), "53"))
					}
				}
			}
			if len(addrs) > 0 {
				break
			}
		}
		break
	}
	if len(addrs) == 0 && len(glue) > 0 {
		return glue, zone, zoneNS, errors.New("resolves only through the parent's glue")
	}
	if len(addrs) == 0 {
		return nil, zone, zoneNS, fmt.Errorf("no address found")
	}
	slices.Sort(addrs)
	return slices.Compact(addrs), zone, zoneNS, nil
}
