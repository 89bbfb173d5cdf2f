package providers

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/zonecast/zonecast/zones"
)

// Provider is one place that serves zones. It speaks whole RRsets; how they
// become API calls, and how many fit in one, is the driver's business.
type Provider interface {
	// Name is the provider's name in the configuration.
	Name() string
	// Capabilities says what the provider can hold.
	Capabilities() Capabilities
	// Records returns every RRset the provider serves for the zone, in
	// canonical form (zones.CanonicalName owners, zones.Rdata data, data
	// sorted), including the SOA and apex NS; ErrZoneNotFound when it
	// serves no such zone.
	Records(ctx context.Context, origin string) ([]zones.RRset, error)
	// Apply makes the provider's RRsets of the zone what changes say, in
	// the given order: each Set makes its RRset exactly the given records
	// and TTL, each Delete removes the RRset. It stops at the first
	// failure and returns how many changes were applied before it.
	Apply(ctx context.Context, origin string, changes []Change) (applied int, err error)
}

// Change is one RRset-level operation for Provider.Apply.
type Change struct {
	// Delete removes the RRset Set names (by name and type); otherwise Set
	// becomes the RRset, replacing whatever the provider held.
	Delete bool
	Set    zones.RRset
	// Before is what the provider held (nil when nothing): drivers whose
	// API deletes by value need it.
	Before *zones.RRset
}

func (c Change) String() string {
	if c.Delete {
		return fmt.Sprintf("delete %s %s", c.Set.Name, c.Set.TypeString())
	}
	return fmt.Sprintf("set %s %s", c.Set.Name, c.Set.TypeString())
}

// ErrZoneNotFound is returned by Records when the provider does not serve
// the zone at all (as opposed to serving it empty).
var ErrZoneNotFound = fmt.Errorf("zone not found")

// Capabilities describes what a provider can hold, checked at plan time so
// that problems are notes in the plan, not failures in apply.
type Capabilities struct {
	// Types the provider can hold; nil means every type zonecast knows.
	Types []uint16
	// MinTTL and MaxTTL clamp TTLs; zero means no limit.
	MinTTL, MaxTTL uint32
	// OwnsSOA: the provider makes its own SOA; zonecast never plans it.
	OwnsSOA bool
	// OwnsApexNS: the provider assigns its own apex NS set; zonecast never
	// plans it.
	OwnsApexNS bool
	// AutoTTL: the provider reports TTL 1 for "automatic"; such a TTL
	// matches whatever the zone file says.
	AutoTTL bool
	// ChangesPerBatch is how many RRset changes the driver sends in one API
	// call or message, for information; zero means it decides by size.
	ChangesPerBatch int
	// MaxRecords is the most records one zone may hold at the provider as
	// far as its configuration tells (a plan's quota); zero means no known
	// limit. A plan over it says so before any write.
	MaxRecords int
	// MaxTXTRecord and MaxTXTName bound a TXT record's data and all the TXT
	// data of one name, in characters of its presentation form (the
	// quoted strings and the spaces between them); zero means no limit. A
	// plan over them says so before any write.
	MaxTXTRecord, MaxTXTName int
	// TXTJoined: the provider holds each TXT (and SPF) record as one text
	// and serves it cut into strings of 255 octets (NS1, DNSimple), so the
	// boundaries between a record's strings are its own. The plan writes
	// and compares TXT in that form ("a" "b" becomes "ab") and says which
	// sets it re-cut.
	TXTJoined bool
	// Nameservers are the provider's authoritative servers for the zones
	// it serves (configuration `nameservers:`), for verify and failover.
	Nameservers []Nameserver
	// DNSSEC says how the provider can take part in a signed zone: signs
	// itself, takes other signers' DNSKEYs, serves a zone zonecast signed
	// (see SignerCaps, CanJoin). The zero value takes no part.
	DNSSEC SignerCaps
	// Notes are free-form remarks shown by `zonecast providers`.
	Notes []string
}

// Supports reports whether the provider can hold records of type t.
func (c Capabilities) Supports(t uint16) bool {
	return c.Types == nil || slices.Contains(c.Types, t)
}

// TimeoutError is a provider read or write that did not end within its
// limit; zonecast leaves the provider and goes on with the others.
type TimeoutError struct {
	What  string        // "reading the zone", "applying the plan"
	Limit time.Duration // the limit
	Key   string        // the configuration key that sets it
	Err   error         // what the driver returned when its time ran out
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s did not finish within %s (%s): %v", e.What, e.Limit, e.Key, e.Err)
}

func (e *TimeoutError) Unwrap() error { return e.Err }

// ReadWithin reads origin at p within limit (key names the configuration
// key that sets it): a read cut short by the limit, not by ctx, is a
// *TimeoutError.
func ReadWithin(ctx context.Context, p Provider, origin string, limit time.Duration, key string) ([]zones.RRset, error) {
	rctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	current, err := p.Records(rctx, origin)
	if err != nil && ctx.Err() == nil && rctx.Err() != nil {
		return nil, &TimeoutError{What: "reading the zone", Limit: limit, Key: key, Err: err}
	}
	return current, err
}
