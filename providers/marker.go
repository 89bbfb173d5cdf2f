package providers

import "context"

// Marker is a provider that can tell cheaply whether a zone may have changed
// since it was last seen: an SOA serial, a file's digest. The engine keeps
// the marker a target had when a full read showed it in sync, and skips the
// next read while the marker stays the same (see internal/engine).
//
// Marker returns a short, opaque string for the zone origin as the provider
// serves it now. The contract:
//
//   - Whenever the zone's content at the provider changes, by zonecast or by
//     anyone else, the marker changes too; the same marker on two calls means
//     the content did not change in between. A marker may change without the
//     content changing (a serial bumped for nothing): that only costs a read.
//   - It is asked of the same place a Records call would read (the same
//     server of a list, the same file), and it costs far less than Records:
//     one query, one file.
//   - It never succeeds for a zone the provider does not serve, or when what
//     it learnt cannot be trusted (an unsigned or badly signed reply, a
//     server not authoritative for the zone): it returns an error, and the
//     caller reads the zone in full. An error is never "unchanged".
//   - It is safe for concurrent use, like the rest of the provider.
//
// A marker must not hold secrets: it is written to the marker cache and to
// saved plans.
type Marker interface {
	Marker(ctx context.Context, origin string) (string, error)
}
