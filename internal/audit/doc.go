// Package audit looks for single points of failure in a zone's nameserver
// layout.
//
// Run walks a zone's live delegation from the root: the parent's NS set
// and glue, each nameserver name's own resolution path (its zone and that
// zone's nameservers, recursively, bounded), the providers behind them, and
// what each nameserver answers. It reports every provider on all paths to
// the zone (a single point of failure), the zone not resolving at all (a
// failure), and weaker problems as warnings: sibling glue that is absent or
// wrong, lame or unreachable servers, SOA serials that differ among one
// provider's own servers, the NS TTLs that bound a failover. Providers
// taken out of service (zonecast failover drop) are expected to be absent
// and are not asked.
//
// Layout does the part of that which needs no network, from the zone's
// NS set and what the caller knows of its providers, for validate and plan.
//
// WriteJSON and WriteText print a Report. The package prints nothing else,
// reads no flags and no configuration: the caller names the providers and
// those out of service (Options).
package audit
