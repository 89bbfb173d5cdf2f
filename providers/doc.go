// Package providers defines what zonecast asks of a DNS provider: the
// [Provider] interface, which speaks whole RRsets, its [Capabilities], the
// [Secret] type for credentials in the configuration, and the conversion
// between zones.RRset and libdns.Record for drivers built on libdns.
//
// Drivers live in subpackages (rfc2136, zonefile, …) and are listed in one
// place, providers/all. This package never imports them.
package providers
