package verify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/sync/errgroup"

	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/internal/resolve"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// Mismatch is one RRset a server answers differently from the zone.
type Mismatch struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Want string `json:"want"`
	Got  string `json:"got"`
}

func (m Mismatch) String() string {
	return fmt.Sprintf("%s %s: want %s, got %s", m.Name, m.Type, m.Want, m.Got)
}

// Server is what one server answered.
type Server struct {
	Name       string     `json:"name,omitempty"`
	Addr       string     `json:"addr"`
	Checked    int        `json:"checked"`
	Serial     uint32     `json:"serial"`
	Err        string     `json:"error,omitempty"`
	Mismatches []Mismatch `json:"mismatches"`
	// DNSSEC is what the server's signed answers showed, with
	// Options.DNSSEC (nil without, or when the server could not be asked).
	DNSSEC *DNSSEC `json:"dnssec,omitempty"`
}

// Provider is what all of one provider's servers answered for one zone.
type Provider struct {
	Zone     string   `json:"zone"`
	Provider string   `json:"provider"`
	Servers  []Server `json:"servers"`
	// SerialsAgree: every server that answered has the same SOA serial.
	SerialsAgree bool     `json:"serials_agree"`
	Err          string   `json:"error,omitempty"`
	Notes        []string `json:"notes,omitempty"`
}

// OK reports whether every server answered and matched.
func (p *Provider) OK() bool {
	if p.Err != "" || !p.SerialsAgree {
		return false
	}
	for _, s := range p.Servers {
		if s.Err != "" || len(s.Mismatches) > 0 || s.DNSSEC.Errors() {
			return false
		}
	}
	return true
}

// Errors reports whether a server (or the provider) could not be asked.
func (p *Provider) Errors() bool {
	if p.Err != "" {
		return true
	}
	for _, s := range p.Servers {
		if s.Err != "" {
			return true
		}
	}
	return false
}

// Options tune a verification.
type Options struct {
	Timeout  time.Duration // per query (default 2s; two tries over UDP, then TCP on truncation)
	Parallel int           // queries in flight per server (default 16)
	Ignored  func(name string, t uint16) bool
	// DNSSEC asks with the DO bit and checks the signed answers too
	// (Server.DNSSEC): the DNSKEY set, every RRset's signatures, and the
	// proofs of a name and of an apex type that do not exist. Run checks
	// against the keys of the provider's own servers; CheckSigners then
	// checks every provider of a zone against all their keys.
	DNSSEC bool
	// Now is the time signatures must be valid at (default time.Now).
	Now func() time.Time
	// Resolver turns nameserver names into addresses and falls back on
	// their last-known addresses when they no longer resolve (nil: the
	// system resolver, nothing remembered).
	Resolver *resolve.Resolver
}

// Expected returns the RRsets a provider should serve for the zone: the
// desired zone fitted to its capabilities, as plan fits it, without the SOA
// (its serial is the server's), and without the last-known addresses
// record: what it holds is what this machine knows (plan.AddressesLabel),
// and it is not worth failing a check, nor a drop, for.
func Expected(desired *zones.Zone, provider string, caps providers.Capabilities, ignored func(string, uint16) bool) []*zones.RRset {
	t := plan.Compute(plan.Input{Desired: desired, Provider: provider, Caps: caps, Missing: true, Ignored: ignored})
	addresses := plan.AddressesLabel + "." + desired.Origin
	var out []*zones.RRset
	for _, c := range t.Changes {
		if c.After != nil && c.After.Type != dns.TypeSOA && !(c.After.Type == dns.TypeTXT && c.After.Name == addresses) {
			out = append(out, c.After)
		}
	}
	return out
}

// Run asks every server of the provider, concurrently, for every expected
// RRset and the SOA.
func Run(ctx context.Context, desired *zones.Zone, provider string, caps providers.Capabilities, opts Options) Provider {
	// Servers is never nil: JSON readers get [] when no server was asked.
	rep := Provider{Zone: desired.Origin, Provider: provider, SerialsAgree: true, Servers: []Server{}}
	if len(caps.Nameservers) == 0 {
		rep.Notes = append(rep.Notes, "not verified: no nameservers configured (nameservers: in the provider's block)")
		return rep
	}
	expected := Expected(desired, provider, caps, opts.Ignored)
	addrs, notes, err := resolveAll(ctx, opts.Resolver, caps.Nameservers)
	rep.Notes = append(rep.Notes, notes...)
	if err != nil {
		rep.Err = err.Error()
		return rep
	}
	rep.Servers = make([]Server, len(addrs))
	var wg sync.WaitGroup
	for i, a := range addrs {
		wg.Go(func() { rep.Servers[i] = check(ctx, desired, a, expected, opts) })
	}
	wg.Wait()
	if opts.DNSSEC {
		CheckSigners([]Provider{rep}, now(opts))
	}
	var serial uint32
	first := true
	for _, s := range rep.Servers {
		if s.Err != "" {
			continue
		}
		if !first && s.Serial != serial {
			rep.SerialsAgree = false
		}
		serial, first = s.Serial, false
	}
	return rep
}

type server struct {
	name, addr string
}

// resolveAll turns nameservers into addresses: an explicit address as
// given, a name through r (every address it has, port 53; its last-known
// ones, with a note, when it no longer resolves). A nil r is the system
// resolver with nothing remembered.
func resolveAll(ctx context.Context, r *resolve.Resolver, ns []providers.Nameserver) (out []server, notes []string, err error) {
	if r == nil {
		r = resolve.New(nil, nil)
	}
	for _, n := range ns {
		if n.Addr != "" {
			out = append(out, server{n.Name, n.Addr})
			continue
		}
		res, err := r.LookupHost(ctx, n.Name)
		if err != nil {
			return nil, notes, fmt.Errorf("nameserver %s: %w", n.Name, err)
		}
		if res.Note != "" {
			notes = append(notes, res.Note)
		}
		for _, ip := range res.Addrs {
			out = append(out, server{n.Name, net.JoinHostPort(ip, "53")})
		}
	}
	return out, notes, nil
}

func now(opts Options) time.Time {
	if opts.Now != nil {
		return opts.Now()
	}
	return time.Now()
}

func check(ctx context.Context, desired *zones.Zone, s server, expected []*zones.RRset, opts Options) Server {
	origin := desired.Origin
	rep := Server{Name: s.name, Addr: s.addr, Mismatches: []Mismatch{}}
	soa, err := query(ctx, s.addr, origin, dns.TypeSOA, opts)
	if err != nil {
		rep.Err = err.Error()
		return rep
	}
	if !soa.Authoritative {
		rep.Err = fmt.Sprintf("not authoritative for %s (no AA bit): a lame server", origin)
		return rep
	}
	for _, rr := range soa.Answer {
		if s, ok := rr.(*dns.SOA); ok {
			rep.Serial = s.Serial
		}
	}
	// Names below a delegation are answered with a referral: only the NS
	// set at the cut can be checked there, in the authority section.
	cuts := map[string]bool{}
	for _, set := range expected {
		if set.Type == dns.TypeNS && set.Name != origin {
			cuts[set.Name] = true
		}
	}
	var mu sync.Mutex
	var ev *evidence
	if opts.DNSSEC {
		ev = &evidence{origin: origin}
		ev.sets = append(ev.sets, collect(soa.Answer, func(n string, t uint16) bool { return n == origin && t == dns.TypeSOA })...)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cmp.Or(opts.Parallel, 16))
	for _, want := range expected {
		if below(want.Name, origin, cuts) && !(want.Type == dns.TypeNS && cuts[want.Name]) && want.Type != dns.TypeDS {
			continue // glue and occluded data: not authoritative there
		}
		g.Go(func() error {
			got, signed, err := answer(gctx, s.addr, origin, want, cuts, opts)
			mu.Lock()
			defer mu.Unlock()
			rep.Checked++
			if ev != nil && signed != nil {
				ev.sets = append(ev.sets, *signed)
			}
			if err != nil {
				rep.Mismatches = append(rep.Mismatches, Mismatch{Name: want.Name, Type: want.TypeString(), Want: show(want), Got: err.Error()})
				return nil
			}
			if got == nil || !got.Equal(want) {
				rep.Mismatches = append(rep.Mismatches, Mismatch{Name: want.Name, Type: want.TypeString(), Want: show(want), Got: show(got)})
			}
			return nil
		})
	}
	if ev != nil {
		g.Go(func() error {
			// Fetched into an evidence of its own: the answers above append
			// to ev.sets meanwhile (under mu).
			fe := &evidence{origin: origin}
			err := fe.fetch(gctx, s.addr, desired, opts)
			mu.Lock()
			defer mu.Unlock()
			ev.keys = append(ev.keys, fe.keys...)
			ev.sets = append(ev.sets, fe.sets...)
			ev.denials = append(ev.denials, fe.denials...)
			if err != nil {
				rep.Err = err.Error()
			}
			return nil
		})
	}
	g.Wait()
	if ev != nil && rep.Err == "" {
		slices.SortFunc(ev.sets, func(a, b signedSet) int {
			return cmp.Or(zones.CompareNames(a.name, b.name), cmp.Compare(a.typ, b.typ))
		})
		rep.DNSSEC = &DNSSEC{ev: ev}
	}
	slices.SortFunc(rep.Mismatches, func(a, b Mismatch) int {
		return cmp.Or(zones.CompareNames(a.Name, b.Name), strings.Compare(a.Type, b.Type))
	})
	return rep
}

// below reports whether name is at or under one of the cuts.
func below(name, origin string, cuts map[string]bool) bool {
	for n := name; len(n) > len(origin); {
		if cuts[n] {
			return true
		}
		i, end := dns.NextLabel(n, 0)
		if end {
			break
		}
		n = n[i:]
	}
	return false
}

// answer asks for one RRset and returns it as the server serves it, and
// with Options.DNSSEC the records as served with their signatures (nil for
// a referral, whose NS set the parent does not sign).
func answer(ctx context.Context, addr, origin string, want *zones.RRset, cuts map[string]bool, opts Options) (*zones.RRset, *signedSet, error) {
	got, m, err := answerMsg(ctx, addr, origin, want, cuts, opts)
	if err != nil || m == nil || !opts.DNSSEC || (want.Type == dns.TypeNS && cuts[want.Name]) {
		return got, nil, err
	}
	for _, s := range collect(m.Answer, func(n string, t uint16) bool { return n == want.Name && t == want.Type }) {
		return got, &s, nil
	}
	return got, nil, nil
}

func answerMsg(ctx context.Context, addr, origin string, want *zones.RRset, cuts map[string]bool, opts Options) (*zones.RRset, *dns.Msg, error) {
	m, err := query(ctx, addr, want.Name, want.Type, opts)
	if err != nil {
		return nil, nil, err
	}
	section := m.Answer
	if want.Type == dns.TypeNS && cuts[want.Name] {
		section = m.Ns // a referral
	} else if !m.Authoritative {
		return nil, nil, errors.New("answer without the AA bit")
	}
	switch m.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return nil, m, nil // the name does not exist there
	default:
		return nil, nil, fmt.Errorf("%s", dns.RcodeToString[m.Rcode])
	}
	var rrs []dns.RR
	for _, rr := range section {
		h := rr.Header()
		if h.Rrtype == want.Type && zones.CanonicalName(h.Name) == want.Name {
			rrs = append(rrs, rr)
		}
	}
	sets, err := zones.FromRRs(origin, rrs)
	if err != nil || len(sets) == 0 {
		return nil, m, err
	}
	return &sets[0], m, nil
}

// query sends one question without recursion, over UDP (twice) and then
// TCP when the answer is truncated.
func query(ctx context.Context, addr, name string, t uint16, opts Options) (*dns.Msg, error) {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	m := new(dns.Msg)
	m.SetQuestion(name, t)
	m.RecursionDesired = false
	m.SetEdns0(4096, opts.DNSSEC)
	var r *dns.Msg
	var err error
	for try := 0; try < 2; try++ {
		c := &dns.Client{Net: "udp", Timeout: timeout}
		if r, _, err = c.ExchangeContext(ctx, m, addr); err == nil {
			break
		}
	}
	if err == nil && r.Truncated {
		c := &dns.Client{Net: "tcp", Timeout: timeout}
		r, _, err = c.ExchangeContext(ctx, m, addr)
	}
	if err != nil {
		return nil, fmt.Errorf("ask %s for %s %s: %w", addr, name, dns.TypeToString[t], err)
	}
	return r, nil
}

func show(s *zones.RRset) string {
	if s == nil {
		return "nothing"
	}
	return fmt.Sprintf("%d %s", s.TTL, strings.Join(s.Data, " | "))
}
