package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/zonecast/zonecast/providers"
)

// CodeSelfDependency is the warning of a provider that zonecast reaches,
// or checks, through a name inside a zone it manages: when that zone goes
// dark, so does zonecast's way to the provider, just when it is needed.
const CodeSelfDependency = "self-dependency"

// Dependency is a host name zonecast needs to resolve to reach a provider
// (an RFC 2136 server, an API's host: its providers.Endpointer) or to check
// it on the wire (a nameserver given without an address).
type Dependency struct {
	Provider string `json:"provider"`
	// Key is the configuration key that names it: "server", "api_url",
	// "nameservers".
	Key  string `json:"key"`
	Host string `json:"host"`
	// Nameserver: a nameserver name (verify and failover fall back on
	// its last-known address); otherwise the provider's endpoint.
	Nameserver bool `json:"nameserver"`
	// Zone is the zone zonecast manages that the name lives in (the
	// deepest), "" when none; ServedBy are that zone's providers.
	Zone     string   `json:"zone,omitempty"`
	ServedBy []string `json:"served_by,omitempty"`
}

// DarkIf says what going dark cuts zonecast off from d: the zone it lives
// in, and the provider when that zone has one provider only; nil when d
// hangs on no zone zonecast manages.
func (d Dependency) DarkIf() []string {
	if d.Zone == "" {
		return nil
	}
	out := []string{"zone " + d.Zone}
	if len(d.ServedBy) == 1 {
		out = append(out, "provider "+d.ServedBy[0])
	}
	return out
}

// Dependencies lists, with no network, every host name zonecast needs to
// resolve to reach or check the providers named (all when none are), in
// the order of the file, each with the managed zone it lives in.
func (c *Config) Dependencies(names ...string) []Dependency {
	managed := make(map[string][]string, len(c.Zones))
	for _, z := range c.Zones {
		managed[z.Origin] = z.Providers
	}
	// zoneOf returns the deepest managed zone holding host.
	zoneOf := func(host string) string {
		name := strings.ToLower(strings.TrimSuffix(host, ".")) + "."
		for len(managed) > 0 {
			if _, ok := managed[name]; ok {
				return name
			}
			i := strings.IndexByte(name, '.')
			if i < 0 || i == len(name)-1 {
				break
			}
			name = name[i+1:]
		}
		return ""
	}
	var out []Dependency
	add := func(d Dependency) {
		d.Zone = zoneOf(d.Host)
		d.ServedBy = managed[d.Zone]
		out = append(out, d)
	}
	for _, name := range c.ProviderOrder {
		if len(names) > 0 && !slices.Contains(names, name) {
			continue
		}
		p := c.Providers[name]
		if ep, ok := p.(providers.Endpointer); ok {
			for _, e := range ep.Endpoints() {
				add(Dependency{Provider: name, Key: e.Key, Host: e.Host})
			}
		}
		for _, n := range p.Capabilities().Nameservers {
			if n.Addr == "" {
				add(Dependency{Provider: name, Key: "nameservers", Host: strings.ToLower(strings.TrimSuffix(n.Name, ".")), Nameserver: true})
			}
		}
	}
	return out
}

// dependencies warns of every Dependency that lies inside a zone the
// configuration manages: the warning names the zone and its providers,
// says what breaks and what to write instead.
func (d *decoder) dependencies(c *Config) {
	for _, dep := range c.Dependencies() {
		if dep.Zone == "" {
			continue
		}
		served := "served by " + strings.Join(dep.ServedBy, ", ")
		if len(dep.ServedBy) == 1 && dep.ServedBy[0] == dep.Provider {
			served = fmt.Sprintf("served by %s itself alone", dep.Provider)
		} else if len(dep.ServedBy) == 1 {
			served = fmt.Sprintf("served by %s alone", dep.ServedBy[0])
		}
		w := &Error{File: d.file, Line: d.line("providers." + dep.Provider), Key: "providers." + dep.Provider + "." + dep.Key, Code: CodeSelfDependency}
		if dep.Nameserver {
			w.Err = fmt.Errorf("nameserver %s is given by name inside %s, which zonecast manages (%s): verify and failover drop find it through the zone they check, and fall back on its last-known address when it does not resolve; write its address too (\"%s.@192.0.2.1:53\")",
				dep.Host, dep.Zone, served, dep.Host)
		} else {
			w.Err = fmt.Errorf("zonecast reaches %s at %s, a name inside %s, which zonecast manages (%s): when %s does not resolve, zonecast cannot reach %s to fix it; write the address (%s: 192.0.2.1:53 or https://192.0.2.1/), or a name in a domain that does not depend on the zones zonecast manages",
				dep.Provider, dep.Host, dep.Zone, served, dep.Zone, dep.Provider, dep.Key)
		}
		d.warns = append(d.warns, w)
	}
}
