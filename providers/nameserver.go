package providers

import (
	"fmt"
	"net"
	"strings"

	"github.com/miekg/dns"
)

// Nameserver is one authoritative server of a provider: the host name its
// NS records carry and, when given, the address to ask it at (host:port),
// for self-hosted and test servers whose names do not resolve from here.
type Nameserver struct {
	Name string `json:"name,omitempty"` // FQDN, lower-case
	Addr string `json:"addr,omitempty"` // host:port
}

func (n Nameserver) String() string {
	switch {
	case n.Name != "" && n.Addr != "":
		return n.Name + "@" + n.Addr
	case n.Name != "":
		return n.Name
	}
	return n.Addr
}

// ParseNameservers reads the `nameservers:` of a provider's configuration:
// each entry a host name (ns1.example.net.), an address (127.0.0.1:5353,
// 192.0.2.53) or both (ns1.example.net.@192.0.2.53:53).
func ParseNameservers(list []string) ([]Nameserver, error) {
	var out []Nameserver
	for _, s := range list {
		var n Nameserver
		name, addr, both := strings.Cut(s, "@")
		switch {
		case both:
			n.Name, n.Addr = name, addr
		case net.ParseIP(s) != nil || strings.Contains(s, ":"):
			n.Addr = s
		default:
			n.Name = s
		}
		if n.Name != "" {
			if _, ok := dns.IsDomainName(n.Name); !ok {
				return nil, fmt.Errorf("nameservers: %q is not a host name", n.Name)
			}
			n.Name = strings.ToLower(dns.Fqdn(n.Name))
		}
		if n.Addr != "" {
			if _, _, err := net.SplitHostPort(n.Addr); err != nil {
				n.Addr = net.JoinHostPort(n.Addr, "53")
			}
			if _, _, err := net.SplitHostPort(n.Addr); err != nil {
				return nil, fmt.Errorf("nameservers: %q: want host:port", n.Addr)
			}
		}
		out = append(out, n)
	}
	return out, nil
}
