package config

import (
	"fmt"
	"strings"

	"github.com/zonecast/zonecast/providers"
)

// CodeSelfDependency is the warning of a provider that zonecast reaches,
// or checks, through a name inside a zone it manages: when that zone goes
// dark, so does zonecast's way to the provider, just when it is needed.
const CodeSelfDependency = "self-dependency"

// dependencies warns, with no network, of every host name zonecast needs to
// resolve to reach a provider (an RFC 2136 server, an API's host: its
// providers.Endpointer) or to check one (a nameserver given without an
// address) that lies inside a zone the configuration manages. The warning
// names the zone and its providers, says what breaks and what to write
// instead.
func (d *decoder) dependencies(c *Config) {
	managed := make(map[string][]string, len(c.Zones))
	for _, z := range c.Zones {
		managed[z.Origin] = z.Providers
	}
	if len(managed) == 0 {
		return
	}
	// zoneOf returns the deepest managed zone holding host.
	zoneOf := func(host string) string {
		name := strings.ToLower(strings.TrimSuffix(host, ".")) + "."
		for {
			if _, ok := managed[name]; ok {
				return name
			}
			i := strings.IndexByte(name, '.')
			if i < 0 || i == len(name)-1 {
				return ""
			}
			name = name[i+1:]
		}
	}
	for _, name := range c.ProviderOrder {
		p := c.Providers[name]
		line := d.line("providers." + name)
		served := func(zone string) string {
			ps := managed[zone]
			switch {
			case len(ps) == 1 && ps[0] == name:
				return fmt.Sprintf("served by %s itself alone", name)
			case len(ps) == 1:
				return fmt.Sprintf("served by %s alone", ps[0])
			}
			return "served by " + strings.Join(ps, ", ")
		}
		if ep, ok := p.(providers.Endpointer); ok {
			for _, e := range ep.Endpoints() {
				zone := zoneOf(e.Host)
				if zone == "" {
					continue
				}
				d.warns = append(d.warns, &Error{File: d.file, Line: line, Key: "providers." + name + "." + e.Key, Code: CodeSelfDependency,
					Err: fmt.Errorf("zonecast reaches %s at %s, a name inside %s, which zonecast manages (%s): when %s does not resolve, zonecast cannot reach %s to fix it; write the address (%s: 192.0.2.1:53 or https://192.0.2.1/), or a name in a domain that does not depend on the zones zonecast manages",
						name, e.Host, zone, served(zone), zone, name, e.Key)})
			}
		}
		for _, n := range p.Capabilities().Nameservers {
			if n.Addr != "" {
				continue
			}
			zone := zoneOf(n.Name)
			if zone == "" {
				continue
			}
			d.warns = append(d.warns, &Error{File: d.file, Line: line, Key: "providers." + name + ".nameservers", Code: CodeSelfDependency,
				Err: fmt.Errorf("nameserver %s is given by name inside %s, which zonecast manages (%s): verify and failover drop find it through the zone they check, and fall back on its last-known address when it does not resolve; write its address too (\"%s@192.0.2.1:53\")",
					strings.TrimSuffix(n.Name, "."), zone, served(zone), n.Name)})
		}
	}
}
