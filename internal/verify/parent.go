package verify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/audit"
	"github.com/zonecast/zonecast/internal/failover"
	"github.com/zonecast/zonecast/zones"
)

// Referral is a zone's delegation at its parent: the NS set and the glue
// for the nameserver names inside the zone (in-domain names, whose glue is
// the only way resolvers find them).
type Referral struct {
	// NS are the nameserver names, canonical and sorted.
	NS []string `json:"ns"`
	// Glue maps each in-domain nameserver name to its addresses, sorted.
	Glue map[string][]string `json:"glue,omitempty"`
}

// Delegation is a zone's delegation as the parent's servers serve it (Got),
// compared with the one the zone wants (Want: its apex NS set as zonecast
// serves it, without the nameservers of providers out of service, and the
// addresses the zone gives its in-domain nameserver names). Sibling glue
// (names in the parent zone but outside this one) is another zone's data:
// `zonecast audit` reports it.
type Delegation struct {
	Zone string `json:"zone"`
	// Parent is the parent zone, when the walk from the root found it.
	Parent string `json:"parent,omitempty"`
	// Checked: the parent's servers answered for the zone. When false,
	// Err says why the delegation could not be checked (the root or the
	// parent unreachable, answers without authority): not a mismatch.
	Checked bool      `json:"checked"`
	Err     string    `json:"error,omitempty"`
	Want    Referral  `json:"want"`
	Got     *Referral `json:"got,omitempty"`
	// Problems say how Got differs from Want, one sentence each, in a
	// fixed order: NS names the parent has and the zone has not, those it
	// lacks, then glue; none when they agree (or when not checked).
	Problems []string `json:"problems"`
	// Registrar is, when there are problems, the delegation the parent
	// must carry, as zone-file lines (NS, then glue): what to ask the
	// registrar (or the parent's operator) for.
	Registrar []string `json:"registrar,omitempty"`
}

// OK reports whether the parent was asked and serves the delegation the
// zone wants.
func (d *Delegation) OK() bool { return d.Checked && len(d.Problems) == 0 }

// Mismatch reports whether the parent was asked and serves another
// delegation than the zone wants (or none).
func (d *Delegation) Mismatch() bool { return d.Checked && len(d.Problems) > 0 }

// ParentOptions tune CheckParent.
type ParentOptions struct {
	// Roots are the root servers' addresses (host:port); nil means the
	// IANA root servers.
	Roots []string
	// Timeout is the timeout of one query (default 2s). The whole check
	// takes at most rootBudget + walkBudget times it.
	Timeout time.Duration
	// Providers maps nameserver names to configured provider names, and
	// Dropped names the providers out of service for the zone, as
	// audit.Options has them: their nameservers are not asked.
	Providers map[string]string
	Dropped   []string
}

// How many query timeouts finding an authoritative root server, then
// walking from it to the parent (and past it: audit.Run also asks the
// zone's own nameservers), may take at most. A dead server costs two
// timeouts a question; the budgets keep a partly dark Internet from
// holding verify for minutes.
const (
	rootBudget = 3
	walkBudget = 10
)

// ianaRoots are the IANA root servers, as internal/audit has them (it does
// not export its list).
var ianaRoots = []string{"198.41.0.4:53", "199.9.14.201:53", "192.33.4.12:53", "199.7.91.13:53", "192.203.230.10:53",
	"192.5.5.241:53", "192.112.36.4:53", "198.97.190.53:53", "192.36.148.17:53", "192.58.128.30:53",
	"193.0.14.129:53", "199.7.83.42:53", "202.12.27.33:53"}

// CheckParent walks the zone's delegation from the root (audit.Run) and
// compares what the parent's servers serve with what desired wants
// (CompareDelegation). First it asks the roots, in order, for the root's
// SOA until one answers with the AA bit: a root that cannot be reached, or
// answers that carry no authority (DNS interception, a resolver in the
// way, which would make every zone look undelegated), leave the
// delegation unchecked, with Err saying why, and so does a walk that fails
// (the parent's servers do not answer). A parent that answers that the
// zone is not delegated is checked: a problem, not an error.
func CheckParent(ctx context.Context, desired *zones.Zone, opts ParentOptions) Delegation {
	d := Delegation{Zone: desired.Origin, Problems: []string{}}
	want, ok := wantDelegation(desired)
	d.Want = want
	if !ok {
		d.Err = "the zone has no apex NS set to compare the parent's with"
		return d
	}
	timeout := cmp.Or(opts.Timeout, 2*time.Second)
	roots := opts.Roots
	if roots == nil {
		roots = ianaRoots
	}
	roots, err := authoritativeRoot(ctx, roots, timeout)
	if err != nil {
		d.Err = err.Error()
		return d
	}
	wctx, cancel := context.WithTimeout(ctx, walkBudget*timeout)
	defer cancel()
	r, err := audit.Run(wctx, desired.Origin, audit.Options{Roots: roots, Timeout: timeout, Providers: opts.Providers, Dropped: opts.Dropped})
	if err != nil {
		d.Err = err.Error()
		if errors.Is(wctx.Err(), context.DeadlineExceeded) {
			d.Err = fmt.Sprintf("%v (the walk from the root is given %s)", err, walkBudget*timeout)
		}
		return d
	}
	return CompareDelegation(desired, r)
}

// authoritativeRoot returns roots with the first one that answers the
// root's SOA with authority moved to the front (the walk asks them in
// order), or an error saying why none did.
func authoritativeRoot(ctx context.Context, roots []string, timeout time.Duration) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, rootBudget*timeout)
	defer cancel()
	var last error
	asked, unauthoritative := 0, 0
	for i, addr := range roots {
		if ctx.Err() != nil {
			break
		}
		asked++
		m, err := query(ctx, addr, ".", dns.TypeSOA, Options{Timeout: timeout})
		switch {
		case err != nil:
			last = err
		case !m.Authoritative || m.Rcode != dns.RcodeSuccess:
			unauthoritative++
			last = fmt.Errorf("%s answers %s for the root's SOA without the AA bit", addr, dns.RcodeToString[m.Rcode])
		default:
			return append([]string{addr}, slices.Delete(slices.Clone(roots), i, i+1)...), nil
		}
	}
	if unauthoritative > 0 {
		return nil, fmt.Errorf("the root servers' answers carry no authority (%v): something between here and the root answers in their place (DNS interception, a resolver in the way); give the root servers with --root-hints", last)
	}
	return nil, fmt.Errorf("cannot reach the root servers (%d of %d asked in %s): %v", asked, len(roots), rootBudget*timeout, last)
}

// wantDelegation is the delegation desired wants: its apex NS set and the
// addresses it gives its in-domain nameserver names (failover.Glue, the
// glue zonecast writes at a parent it manages). ok is false when the zone
// has no apex NS set.
func wantDelegation(desired *zones.Zone) (r Referral, ok bool) {
	r = Referral{NS: []string{}}
	ns := desired.Lookup(desired.Origin, dns.TypeNS)
	if ns == nil {
		return r, false
	}
	for _, n := range ns.Data {
		r.NS = append(r.NS, zones.CanonicalName(n))
	}
	slices.Sort(r.NS)
	r.NS = slices.Compact(r.NS)
	for _, g := range failover.Glue(desired, ns.Data) {
		if r.Glue == nil {
			r.Glue = map[string][]string{}
		}
		name := zones.CanonicalName(g.Name)
		r.Glue[name] = append(r.Glue[name], addrs(g.Data)...)
		slices.Sort(r.Glue[name])
	}
	return r, true
}

// CompareDelegation compares the delegation an audit saw at the parent
// (r.ParentNS, and each in-domain host's glue) with the one desired wants
// (see Delegation). It asks no server. A report with no parent NS set is
// a zone the parent does not delegate.
func CompareDelegation(desired *zones.Zone, r *audit.Report) Delegation {
	d := Delegation{Zone: desired.Origin, Parent: r.Parent, Checked: true, Problems: []string{}}
	want, ok := wantDelegation(desired)
	d.Want = want
	if !ok {
		d.Checked, d.Err = false, "the zone has no apex NS set to compare the parent's with"
		return d
	}
	parent := cmp.Or(r.Parent, "the parent")
	got := Referral{NS: []string{}}
	hosts := map[string]audit.Host{}
	for _, h := range r.Hosts {
		name := zones.CanonicalName(h.Name)
		hosts[name] = h
		if dns.IsSubDomain(desired.Origin, name) && len(h.Glue) > 0 {
			if got.Glue == nil {
				got.Glue = map[string][]string{}
			}
			got.Glue[name] = addrs(h.Glue)
			slices.Sort(got.Glue[name])
		}
	}
	for _, n := range r.ParentNS {
		got.NS = append(got.NS, zones.CanonicalName(n))
	}
	slices.Sort(got.NS)
	got.NS = slices.Compact(got.NS)
	d.Got = &got

	if len(got.NS) == 0 {
		msg := fmt.Sprintf("%s does not delegate %s", parent, desired.Origin)
		for _, f := range r.Findings {
			if f.Code == "not-delegated" {
				msg = f.Message
			}
		}
		d.Problems = append(d.Problems, msg)
	}
	for _, n := range got.NS {
		if slices.Contains(want.NS, n) {
			continue
		}
		why := ""
		if h := hosts[n]; h.OutOfService {
			why = fmt.Sprintf(" (%s is out of service: failover drop)", h.Provider)
		}
		d.Problems = append(d.Problems, fmt.Sprintf("%s lists %s, which the zone's NS set does not have%s", parent, n, why))
	}
	for _, n := range want.NS {
		if len(got.NS) > 0 && !slices.Contains(got.NS, n) {
			d.Problems = append(d.Problems, fmt.Sprintf("%s does not list %s, which the zone's NS set has", parent, n))
		}
	}
	for _, n := range slices.Sorted(maps.Keys(want.Glue)) {
		if !slices.Contains(got.NS, n) {
			continue // missing altogether: said above
		}
		w, g := want.Glue[n], got.Glue[n]
		switch {
		case len(g) == 0:
			d.Problems = append(d.Problems, fmt.Sprintf("%s gives no glue for %s, which is inside the zone (resolvers cannot find it without): the zone has %s",
				parent, n, strings.Join(w, " ")))
		case !slices.Equal(w, g):
			d.Problems = append(d.Problems, fmt.Sprintf("%s's glue for %s is %s; the zone has %s", parent, n, strings.Join(g, " "), strings.Join(w, " ")))
		}
	}
	if len(d.Problems) > 0 {
		d.Registrar = registrar(desired.Origin, want)
	}
	return d
}

// registrar is the delegation want as zone-file lines: the NS records,
// then the glue.
func registrar(origin string, want Referral) []string {
	var out []string
	for _, n := range want.NS {
		out = append(out, origin+" NS "+n)
	}
	for _, n := range slices.Sorted(maps.Keys(want.Glue)) {
		for _, a := range want.Glue[n] {
			t := "A"
			if ip, err := netip.ParseAddr(a); err == nil && ip.Is6() {
				t = "AAAA"
			}
			out = append(out, n+" "+t+" "+a)
		}
	}
	return out
}

// addrs returns the addresses in their canonical text form (an address
// that does not parse as it is).
func addrs(in []string) []string {
	out := make([]string, 0, len(in))
	for _, a := range in {
		if ip, err := netip.ParseAddr(a); err == nil {
			a = ip.String()
		}
		out = append(out, a)
	}
	return out
}
