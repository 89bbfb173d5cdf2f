package providers

import "context"

// ZoneLister is a provider that can say which zones it hosts, for
// `zonecast providers zones` and for starting a configuration from what a
// provider already serves (`zonecast init --from`, `export --all`).
//
// Zones returns the origins of every zone the provider hosts, whether or
// not zonecast manages them: canonical (zones.CanonicalName: lower-case,
// absolute, with the trailing dot), each once, sorted in byte order. A
// provider hosting nothing returns an empty list and no error. Paged APIs
// are read to the end; an error (a page that fails, ctx done) returns no
// list at all, never a partial one, since a missing zone would read as "not
// hosted". Zones reads; it changes nothing.
//
// Protocols without a listing (DNS UPDATE, RFC 2136) do not implement it.
type ZoneLister interface {
	Zones(ctx context.Context) ([]string, error)
}
