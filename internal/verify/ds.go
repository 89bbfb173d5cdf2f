package verify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/resolve"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// DSCheck is a zone's DS set at its parent compared with the keys its
// signers publish (CheckDS): every provider's DNSKEY set must be signed by
// a key the parent has a DS for, or validating resolvers that ask that
// provider reject the zone; a DS for a key nobody publishes is left from a
// signer that left.
type DSCheck struct {
	Zone   string `json:"zone"`
	Parent string `json:"parent,omitempty"`
	// Source says where the DS set was asked: "the walk from the root",
	// or "parent provider NAME".
	Source string `json:"source"`
	// Checked: the parent's servers answered. When false, Err says why
	// (a warning, like an unchecked delegation).
	Checked bool   `json:"checked"`
	Err     string `json:"error,omitempty"`
	// DS is the parent's DS set as zone-file lines, sorted.
	DS       []string  `json:"ds"`
	Problems []Problem `json:"problems"`
	// Add are the DS records the parent lacks for the signers' KSKs
	// (digest SHA-256), as zone-file lines: what to ask the registrar
	// (or the parent's operator) for.
	Add []string `json:"add,omitempty"`
}

// Errors reports whether a problem is an error.
func (c *DSCheck) Errors() bool {
	return slices.ContainsFunc(c.Problems, func(p Problem) bool { return p.Severity == SeverityError })
}

// DSOptions tune CheckDS.
type DSOptions struct {
	// Parent are the servers of the parent zone (its configured
	// provider's nameservers); when empty the DS set is found by walking
	// from Roots.
	Parent []providers.Nameserver
	// ParentZone names the parent zone when Parent is given.
	ParentZone string
	// Source is DSCheck.Source when Parent is given.
	Source string
	// Roots are the root servers' addresses; nil means the IANA ones.
	Roots   []string
	Timeout time.Duration
	// Now is the time signatures must be valid at (default time.Now).
	Now func() time.Time
	// Resolver resolves Parent's names (nil: the system resolver).
	Resolver *resolve.Resolver
}

// CheckDS asks the parent of desired for the zone's DS set and compares it
// with the keys that reports (made with Options.DNSSEC, for every provider
// of the zone) found. It does not validate the DS set's own signature:
// that needs the parent's keys, which are not the zone's concern.
func CheckDS(ctx context.Context, desired *zones.Zone, reports []Provider, opts DSOptions) DSCheck {
	origin := desired.Origin
	c := DSCheck{Zone: origin, Source: cmp.Or(opts.Source, "the walk from the root"), DS: []string{}, Problems: []Problem{}}
	timeout := cmp.Or(opts.Timeout, 2*time.Second)
	var ds []*dns.DS
	var err error
	if len(opts.Parent) > 0 {
		c.Parent = opts.ParentZone
		var servers []server
		if servers, _, err = resolveAll(ctx, opts.Resolver, opts.Parent); err == nil {
			var addrs []string
			for _, s := range servers {
				addrs = append(addrs, s.addr)
			}
			ds, err = askDS(ctx, addrs, origin, timeout)
		}
	} else {
		roots := opts.Roots
		if roots == nil {
			roots = ianaRoots
		}
		wctx, cancel := context.WithTimeout(ctx, walkBudget*timeout)
		defer cancel()
		w := &dsWalk{roots: roots, timeout: timeout}
		c.Parent, ds, err = w.ds(wctx, origin)
	}
	if err != nil {
		c.Err = err.Error()
		return c
	}
	c.Checked = true
	compareDS(&c, desired, reports, ds, now(Options{Now: opts.Now}))
	return c
}

// compareDS fills c's problems from the DS set and the servers' keys.
func compareDS(c *DSCheck, desired *zones.Zone, reports []Provider, ds []*dns.DS, now time.Time) {
	origin := desired.Origin
	for _, d := range ds {
		c.DS = append(c.DS, strings.Join(strings.Fields(d.String()), " "))
	}
	slices.Sort(c.DS)
	var members []member
	var unseen []string // providers none of whose servers answered
	for i := range reports {
		if reports[i].Zone != origin {
			continue
		}
		seen := false
		for j := range reports[i].Servers {
			if s := &reports[i].Servers[j]; s.DNSSEC != nil && s.DNSSEC.ev != nil {
				members = append(members, member{reports[i].Provider, s})
				seen = true
			}
		}
		if !seen {
			unseen = append(unseen, reports[i].Provider)
		}
	}
	all := map[string]*dns.DNSKEY{}
	for _, m := range members {
		for _, k := range m.server.DNSSEC.ev.keys {
			all[keyID(k)] = k
		}
	}
	matches := func(d *dns.DS, k *dns.DNSKEY) bool {
		if k.KeyTag() != d.KeyTag || k.Algorithm != d.Algorithm {
			return false
		}
		x := k.ToDS(d.DigestType)
		return x != nil && strings.EqualFold(x.Digest, d.Digest)
	}
	for _, d := range ds {
		if !slices.ContainsFunc(slices.Collect(maps.Values(all)), func(k *dns.DNSKEY) bool { return matches(d, k) }) {
			c.Problems = append(c.Problems, Problem{SeverityWarning, "ds-without-key", origin, "DS",
				fmt.Sprintf("the parent's DS for key %d (%s, digest type %d) matches no DNSKEY any provider publishes: a signer has left; remove the DS at the parent%s",
					d.KeyTag, algName(d.Algorithm), d.DigestType, unanswered(unseen))})
		}
	}
	add := map[string]bool{}
	for _, m := range members {
		ev := m.server.DNSSEC.ev
		own := ownKeys(ev.keys)
		var signers []*dns.DNSKEY
		for _, s := range ev.sets {
			if s.typ != dns.TypeDNSKEY {
				continue
			}
			for _, sig := range s.sigs {
				for _, id := range own.candidates(sig, origin) {
					if sig.Verify(own.all[id], s.rrs) == nil && sig.ValidityPeriod(now) {
						signers = append(signers, own.all[id])
					}
				}
			}
		}
		anchored := slices.ContainsFunc(signers, func(k *dns.DNSKEY) bool {
			return slices.ContainsFunc(ds, func(d *dns.DS) bool { return matches(d, k) })
		})
		if anchored || len(signers) == 0 {
			continue // no valid DNSKEY signature at all is the server's own error
		}
		var names []string
		for _, k := range signers {
			names = append(names, keyOf(k).String())
			if x := k.ToDS(dns.SHA256); x != nil {
				add[strings.Join(strings.Fields(x.String()), " ")] = true
			}
		}
		who := m.server.Addr
		if m.server.Name != "" {
			who = m.server.Name + " (" + m.server.Addr + ")"
		}
		if len(ds) == 0 {
			continue // said once below
		}
		c.Problems = append(c.Problems, Problem{SeverityError, "dnskey-not-anchored", origin, "DNSKEY",
			fmt.Sprintf("%s at %s signs its DNSKEY set with %s, for which the parent has no DS: validating resolvers that ask it reject the zone; add the DS to the parent",
				who, m.provider, strings.Join(slices.Compact(names), ", "))})
	}
	if len(ds) == 0 {
		c.Problems = append(c.Problems, Problem{SeverityWarning, "no-ds", origin, "DS",
			fmt.Sprintf("%s has no DS for the zone: validating resolvers treat it as unsigned; add the DS records below to make it secure", cmp.Or(c.Parent, "the parent"))})
	}
	for l := range add {
		c.Add = append(c.Add, l)
	}
	slices.Sort(c.Add)
}

// askDS asks the servers, in order, for the zone's DS set until one
// answers with authority.
func askDS(ctx context.Context, servers []string, zone string, timeout time.Duration) ([]*dns.DS, error) {
	var last error = errors.New("no server to ask")
	for _, s := range servers {
		m, err := query(ctx, s, zone, dns.TypeDS, Options{Timeout: timeout, DNSSEC: true})
		switch {
		case err != nil:
			last = err
		case !m.Authoritative || m.Rcode != dns.RcodeSuccess:
			last = fmt.Errorf("%s answers %s for the DS set of %s without authority", s, dns.RcodeToString[m.Rcode], zone)
		default:
			return dsOf(m.Answer, zone), nil
		}
	}
	return nil, last
}

func dsOf(section []dns.RR, zone string) []*dns.DS {
	var out []*dns.DS
	for _, rr := range section {
		if d, ok := rr.(*dns.DS); ok && zones.CanonicalName(d.Hdr.Name) == zone {
			out = append(out, d)
		}
	}
	return out
}

// dsWalk follows referrals from the root, as a resolver does without a
// cache: first for the zone's DS set, which the parent answers, and for
// the addresses of nameservers that come without glue.
type dsWalk struct {
	roots   []string
	timeout time.Duration
	depth   int
}

// ds returns the parent zone and the zone's DS set as its servers serve it.
func (w *dsWalk) ds(ctx context.Context, zone string) (string, []*dns.DS, error) {
	m, cut, err := w.iterate(ctx, zone, dns.TypeDS)
	if err != nil {
		return "", nil, err
	}
	if m.Rcode == dns.RcodeNameError {
		return cut, nil, fmt.Errorf("%s is not delegated: the servers of %s answer NXDOMAIN for it", zone, cut)
	}
	if m.Authoritative {
		return cut, dsOf(m.Answer, zone), nil
	}
	return cut, dsOf(m.Ns, zone), nil // a referral to the zone itself carries the DS set
}

// iterate asks from the root down for name/t and returns the first
// authoritative answer (or a referral to name itself) and the zone whose
// servers gave it.
func (w *dsWalk) iterate(ctx context.Context, name string, t uint16) (*dns.Msg, string, error) {
	w.depth++
	defer func() { w.depth-- }()
	if w.depth > 4 {
		return nil, "", errors.New("nameserver names too deeply nested to resolve")
	}
	servers, zone := w.roots, "."
	for step := 0; step < 16; step++ {
		var m *dns.Msg
		var err error = errors.New("no address for its servers")
		for _, s := range servers {
			if m, err = query(ctx, s, name, t, Options{Timeout: w.timeout, DNSSEC: true}); err == nil {
				break
			}
		}
		if err != nil {
			return nil, zone, fmt.Errorf("ask the servers of %s: %w", zone, err)
		}
		if m.Authoritative {
			return m, zone, nil
		}
		var ns []string
		cut := ""
		for _, rr := range m.Ns {
			if n, ok := rr.(*dns.NS); ok {
				ns = append(ns, zones.CanonicalName(n.Ns))
				cut = zones.CanonicalName(n.Hdr.Name)
			}
		}
		if len(ns) == 0 || !dns.IsSubDomain(cut, name) || !dns.IsSubDomain(zone, cut) || cut == zone {
			return nil, zone, fmt.Errorf("the servers of %s answer %s for %s %s without authority or a referral down", zone, dns.RcodeToString[m.Rcode], name, dns.TypeToString[t])
		}
		if cut == name && t == dns.TypeDS {
			return m, zone, nil
		}
		glue := map[string][]string{}
		for _, rr := range m.Extra {
			switch a := rr.(type) {
			case *dns.A:
				n := zones.CanonicalName(a.Hdr.Name)
				glue[n] = append(glue[n], net.JoinHostPort(a.A.String(), "53"))
			case *dns.AAAA:
				n := zones.CanonicalName(a.Hdr.Name)
				glue[n] = append(glue[n], net.JoinHostPort(a.AAAA.String(), "53"))
			}
		}
		var next []string
		for _, n := range ns {
			if g := glue[n]; len(g) > 0 {
				next = append(next, g...)
			}
		}
		if len(next) == 0 {
			for _, n := range ns {
				if a, _, err := w.iterate(ctx, n, dns.TypeA); err == nil {
					for _, rr := range a.Answer {
						if r, ok := rr.(*dns.A); ok {
							next = append(next, net.JoinHostPort(r.A.String(), "53"))
						}
					}
				}
				if len(next) > 0 {
					break
				}
			}
		}
		servers, zone = next, cut
	}
	return nil, zone, fmt.Errorf("too many referrals asking for %s %s", name, dns.TypeToString[t])
}

// unanswered qualifies a finding made without some providers' keys.
func unanswered(unseen []string) string {
	if len(unseen) == 0 {
		return ""
	}
	return " (unless it is a key of " + strings.Join(unseen, ", ") + ", whose servers did not answer)"
}
