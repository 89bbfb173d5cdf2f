package plan

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/zones"
)

// UnsafeError is a plan that would change too much of what a provider
// serves: more than the configured share of its RRsets updated or deleted,
// or most of them deleted. `--force` overrides it.
type UnsafeError struct {
	Zone        string `json:"zone"`
	Provider    string `json:"provider"`
	Updates     int    `json:"updates"`
	Deletes     int    `json:"deletes"`
	Existing    int    `json:"existing_rrsets"`
	Limit       int    `json:"limit_percent"` // percent
	MostDeleted bool   `json:"most_deleted,omitempty"`
}

// Share is the percentage of the existing RRsets updated or deleted.
func (e *UnsafeError) Share() float64 {
	return float64(e.Updates+e.Deletes) * 100 / float64(e.Existing)
}

// MarshalJSON adds the share and the message to the fields.
func (e *UnsafeError) MarshalJSON() ([]byte, error) {
	type fields UnsafeError
	return json.Marshal(struct {
		*fields
		Share   float64 `json:"share_percent"`
		Message string  `json:"message"`
	}{(*fields)(e), math.Round(e.Share()*10) / 10, e.Error()})
}

func (e *UnsafeError) Error() string {
	share := e.Share()
	if e.MostDeleted {
		left := "more than half"
		if e.Deletes*2 <= e.Existing {
			left = "all but its SOA and apex NS"
		}
		return fmt.Sprintf("refusing to delete %d of the %d RRsets %s serves for %s (%s; %.0f%% changed): is the zone file empty or cut short? pass --force if this is meant",
			e.Deletes, e.Existing, e.Provider, e.Zone, left, share)
	}
	return fmt.Sprintf("refusing to change %.0f%% of %s at %s (%d updates + %d deletes of %d RRsets; limit %d%%, safety.max_change_percent): pass --force if this is meant",
		share, e.Zone, e.Provider, e.Updates, e.Deletes, e.Existing, e.Limit)
}

// Restore reports a provider that serves nothing of the zone but what it
// owns (its SOA and apex NS): applying there is a restore, never refused.
func (t *Target) Restore() bool {
	return t.Missing || t.Current == 0 || t.Current == t.apexOnly()
}

// apexOnly counts the current RRsets that are the zone's SOA and apex NS.
func (t *Target) apexOnly() int { return t.apexSets }

// MinSizeForPercent is the size (in RRsets) from which the change limit
// applies: in a smaller zone one edit is a large share.
const MinSizeForPercent = 10

// Safety checks t against the limit (percent of existing RRsets updated or
// deleted, for zones of MinSizeForPercent or more) and, whatever the zone's
// size, refuses deleting more than half of a provider's RRsets or leaving
// it nothing but its SOA and apex NS: a zone file cut short is as likely in
// a zone of nine RRsets as in one of ninety. A restore is always safe, and
// so is replacing a new server's placeholder records with the zone.
func (t *Target) Safety(limit int) error {
	if t.Err != nil || t.Restore() {
		return nil
	}
	c, u, d := t.safetyCounts()
	e := &UnsafeError{Zone: t.Zone, Provider: t.Provider, Updates: u, Deletes: d, Existing: t.Current, Limit: limit}
	switch {
	case d*2 > t.Current, d > 0 && t.Current-d+c <= t.apexSets:
		e.MostDeleted = true
		return e
	case t.Current >= MinSizeForPercent && (u+d)*100 > limit*t.Current:
		return e
	}
	return nil
}

func isApex(name string, typ uint16, zone string) bool {
	return name == zone && (typ == dns.TypeSOA || typ == dns.TypeNS)
}

// safetyCounts is Counts without the DNSSEC RRsets of a signed target
// (Input.Signed): signatures renewed, a key rolled, an NSEC chain moved
// change many sets of a zone nobody edited.
func (t *Target) safetyCounts() (create, update, del int) {
	return t.count(func(c Change) bool { return !zones.IsDNSSEC(c.RRset().Type) })
}
