package providers

import (
	"context"
	"fmt"
)

// Trace observes what a driver's Apply does, as net/http/httptrace's
// ClientTrace observes a request: the caller puts it in the context with
// WithTrace, the driver calls Applied after each message, batch or write it
// completes. A trace only observes; it never changes how a driver groups
// changes, which is the driver's business alone.
type Trace struct {
	// Applied is told, after each message, batch or write, how many of
	// the changes given to Apply are applied so far. It must be quick and
	// safe to call from the driver's goroutine.
	Applied func(done int)
}

type traceKey struct{}

// WithTrace returns a context carrying t for Apply.
func WithTrace(ctx context.Context, t *Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

// ReportApplied tells the context's trace, if any, that done changes are
// applied. Drivers call it after each message, batch or write.
func ReportApplied(ctx context.Context, done int) {
	if t, ok := ctx.Value(traceKey{}).(*Trace); ok && t != nil && t.Applied != nil {
		t.Applied(done)
	}
}

// Reloader is a provider whose writes need a separate step before its
// servers serve them (a zone-file directory and its reload command). The
// engine calls Reload to finish a write whose reload failed.
type Reloader interface {
	Reload(ctx context.Context, origin string) error
}

// ReloadError is returned by Apply when every change was written but the
// server was not made to load them: the write is done, the reload is work
// still pending (see Reloader).
type ReloadError struct {
	Zone string
	Err  error
}

func (e *ReloadError) Error() string {
	return fmt.Sprintf("reload of %s: %v", e.Zone, e.Err)
}

func (e *ReloadError) Unwrap() error { return e.Err }
