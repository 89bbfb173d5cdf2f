package audit

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

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

// notDelegatedError says the parent's servers answered, and what they said
// is that the zone is not delegated: the name does not exist, or exists
// without a zone cut.
type notDelegatedError struct {
	zone, parent, rcode string
}

func (e *notDelegatedError) Error() string {
	return fmt.Sprintf("%s is not delegated: the servers of %s answer %s", e.zone, e.parent, e.rcode)
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
// parent says about zone. An answer saying there is no such delegation is a
// *notDelegatedError.
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
		if len(ns) == 0 {
			switch {
			case m.Authoritative && len(m.Answer) > 0:
				// The parent's server answers for zone itself: it serves
				// both, and its view of the delegation is not visible.
				return nil, fmt.Errorf("%s is not delegated: %s answers for it", zone, parent)
			case m.Authoritative && (m.Rcode == dns.RcodeNameError || m.Rcode == dns.RcodeSuccess):
				// NXDOMAIN or NODATA from the parent's authority: no cut. Without
				// the AA bit it is not the parent speaking (a middlebox).
				rcode := dns.RcodeToString[m.Rcode]
				if m.Rcode == dns.RcodeSuccess {
					rcode = "no NS (NODATA)"
				}
				return nil, &notDelegatedError{zone: zone, parent: parent, rcode: rcode}
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
		for n := range glue {
			slices.Sort(glue[n])
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
			if addrs, _, _, err := w.resolveHost(ctx, n); err == nil {
				next = append(next, addrs...)
			}
		}
		if len(next) == 0 {
			return nil, fmt.Errorf("cannot reach any server of %s", cut)
		}
		servers, parent = next, cut
	}
}

// resolveHost finds a host name's addresses by walking from the root and
// asking the servers of the zone the name lives in; the parent's glue for
// the name is not used, so the addresses are the ones its own zone serves.
// It says which zone that is and the zone's nameservers.
func (w *walker) resolveHost(ctx context.Context, host string) (addrs []string, zone string, zoneNS []string, err error) {
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
				if a, _, _, e := w.resolveHost(ctx, n); e == nil {
					servers = append(servers, a...)
				}
			}
		}
		for _, s := range servers {
			for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
				m, e := w.ask(ctx, s, host, t)
				if e != nil || !m.Authoritative {
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
	if len(addrs) == 0 {
		return nil, zone, zoneNS, fmt.Errorf("no address found")
	}
	slices.Sort(addrs)
	return slices.Compact(addrs), zone, zoneNS, nil
}
