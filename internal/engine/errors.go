package engine

import (
	"errors"
	"fmt"

	"github.com/zonecast/zonecast/internal/verify"
)

// ErrPartial says some zone × provider pairs failed, were interrupted or
// did not converge, while the others were updated. The report names them.
var ErrPartial = errors.New("incomplete")

// ErrPreempted says a run that yields (Policy.Yield) stopped because a
// failover drop or restore asked for the zone's lock.
var ErrPreempted = errors.New("stopped for a failover drop or restore, which goes first")

// ErrNothingVerified says verify asked no server at all: no selected
// provider has nameservers configured.
var ErrNothingVerified = errors.New("nothing was verified")

// RefusedError is a transition or a run refused before anything was
// changed: a safety limit, a failover drop that would leave a zone without
// nameservers or whose remaining providers do not serve the zone.
type RefusedError struct {
	// Reason says why, and what to do.
	Reason string
	// Reports are the verify reports behind the refusal, when there are.
	Reports []verify.Provider
}

func (e *RefusedError) Error() string { return e.Reason }

// NotServingError says a provider does not serve the current zone yet (a
// restore that must wait); nothing was changed in the failover state.
type NotServingError struct {
	Zone, Provider string
	Report         verify.Provider
}

func (e *NotServingError) Error() string {
	return fmt.Sprintf("not restoring %s for %s: it does not serve the current zone yet; try again once it does", e.Provider, e.Zone)
}
