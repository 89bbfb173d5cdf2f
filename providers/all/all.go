// Package all is the one list of provider drivers: the configuration's
// `type:` value → driver. Adding a driver means adding it here.
package all

import (
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/cloudflare"
	"github.com/zonecast/zonecast/providers/dnsimple"
	"github.com/zonecast/zonecast/providers/googleclouddns"
	"github.com/zonecast/zonecast/providers/libdnsadapter"
	"github.com/zonecast/zonecast/providers/ns1"
	"github.com/zonecast/zonecast/providers/powerdns"
	"github.com/zonecast/zonecast/providers/rfc2136"
	"github.com/zonecast/zonecast/providers/route53"
	"github.com/zonecast/zonecast/providers/zonefile"
)

// Drivers returns every driver zonecast has, in the order `zonecast
// providers` lists them.
func Drivers() []providers.Driver {
	return []providers.Driver{
		cloudflare.Driver,
		route53.Driver,
		rfc2136.Driver,
		powerdns.Driver,
		dnsimple.Driver,
		googleclouddns.Driver,
		ns1.Driver,
		zonefile.Driver,
		libdnsadapter.Driver,
	}
}
