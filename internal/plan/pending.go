package plan

import (
	"fmt"
	"time"
)

// PendingKind is a kind of work a run could not finish.
type PendingKind string

// The kinds of pending work.
const (
	// PendingReload: the zone was written, but the provider's servers were
	// not made to load it (providers.Reloader).
	PendingReload PendingKind = "reload"
	// PendingDelegation: the zone's delegation at its parent provider does
	// not yet name the nameservers failover decided on.
	PendingDelegation PendingKind = "delegation"
)

// Pending is work a run could not finish, recorded (in the state file) so
// that the next apply or sync cycle does it, and shown by plan and the
// status page until done.
type Pending struct {
	Kind     PendingKind `json:"kind"`
	Zone     string      `json:"zone"`
	Provider string      `json:"provider"` // for a delegation: the parent's provider
	Since    time.Time   `json:"since"`
	Err      string      `json:"error,omitempty"` // why the last attempt failed
}

func (p Pending) String() string {
	what := fmt.Sprintf("reload of %s at %s", p.Zone, p.Provider)
	if p.Kind == PendingDelegation {
		what = fmt.Sprintf("delegation of %s at its parent (%s)", p.Zone, p.Provider)
	}
	s := fmt.Sprintf("%s, pending since %s", what, p.Since.UTC().Format(time.RFC3339))
	if p.Err != "" {
		s += ": " + p.Err
	}
	return s
}
