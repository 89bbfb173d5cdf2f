package syncd

import (
	"context"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/zonecast/zonecast/internal/audit"
	"github.com/zonecast/zonecast/internal/config"
	"github.com/zonecast/zonecast/internal/failover"
	"github.com/zonecast/zonecast/providers/all"
	"github.com/zonecast/zonecast/zones"
)

// Audit is the verdict of one scheduled audit of one zone (audit.Run).
type Audit struct {
	Zone string `json:"zone"`
	// Err: the delegation could not be walked (the root or the parent's
	// servers did not answer); the verdict is unknown and the fields
	// below are empty.
	Err string `json:"error,omitempty"`
	// Verdict is the audit's (audit.Report.Verdict); OK, that the zone
	// resolves and no provider alone can take it down.
	Verdict string `json:"verdict,omitempty"`
	OK      bool   `json:"ok"`
	// SinglePoints are the providers on every path to the zone
	// (audit.Report.SinglePointsOfFailure).
	SinglePoints []string `json:"single_points_of_failure"`
	// Findings are the audit's failures, single points of failure and
	// warnings, in its order (its informational findings left out).
	Findings []audit.Finding `json:"findings"`
}

// Audits is one scheduled audit of every zone of the configuration.
type Audits struct {
	Start, End time.Time
	// Err: the configuration or the failover state could not be read;
	// no zone was audited.
	Err   string
	Zones []Audit
}

// AuditOptions configure RunAudit.
type AuditOptions struct {
	// Config is the configuration file, read again at every audit.
	Config string
	// Roots are the root servers' addresses (host:port); nil means the
	// IANA root servers. Timeout is one query's (audit's default: 2s).
	Roots   []string
	Timeout time.Duration
}

// AuditFunc runs one audit of every zone.
type AuditFunc func(ctx context.Context) *Audits

// auditParallel is how many zones are audited at once.
const auditParallel = 8

// RunAudit audits every zone of the configuration (audit.Run), several at
// once, naming the providers by their configured nameservers and telling
// the audit which are out of service for each zone (the failover state
// file, as the last cycle left it). It only queries DNS: it takes no lock,
// changes nothing, and may run while a cycle does. The zones are in the
// order of the configuration.
func RunAudit(ctx context.Context, opts AuditOptions) *Audits {
	a := &Audits{Start: time.Now()}
	defer func() { a.End = time.Now() }()
	cfg, err := config.Load(opts.Config, all.Drivers())
	if err != nil {
		a.Err = err.Error()
		return a
	}
	st, err := failover.Load(cfg.State)
	if err != nil {
		a.Err = err.Error()
		return a
	}
	names := map[string]string{}
	for _, p := range cfg.ProviderOrder {
		for _, ns := range cfg.Providers[p].Capabilities().Nameservers {
			if ns.Name != "" {
				names[zones.CanonicalName(ns.Name)] = p
			}
		}
	}
	a.Zones = make([]Audit, len(cfg.Zones))
	var g errgroup.Group
	g.SetLimit(auditParallel)
	for i, zc := range cfg.Zones {
		var dropped []string
		for _, p := range zc.Providers {
			if st.IsDropped(p, zc.Origin) {
				dropped = append(dropped, p)
			}
		}
		g.Go(func() error {
			a.Zones[i] = auditZone(ctx, zc.Origin, audit.Options{Roots: opts.Roots, Timeout: opts.Timeout, Providers: names, Dropped: dropped})
			return nil
		})
	}
	g.Wait()
	return a
}

func auditZone(ctx context.Context, origin string, opts audit.Options) Audit {
	out := Audit{Zone: origin, SinglePoints: []string{}, Findings: []audit.Finding{}}
	r, err := audit.Run(ctx, origin, opts)
	if err != nil {
		out.Err = err.Error()
		return out
	}
	out.Verdict, out.OK = r.Verdict(), !r.Failed()
	out.SinglePoints = slices.Clone(r.SinglePointsOfFailure)
	for _, f := range r.Findings {
		if f.Severity != audit.Info {
			out.Findings = append(out.Findings, f)
		}
	}
	return out
}

// AuditLoop runs an audit now and then every interval (after the end of
// the last one), recording each in s, until ctx ends. It runs beside Loop,
// never inside a cycle: a slow audit (each nameserver of a black-holed
// provider costs it two query timeouts) delays no cycle, and a cycle
// holding the zone lock delays no audit. It returns once the audit in
// flight has ended (its queries end with ctx, each within its timeout).
func AuditLoop(ctx context.Context, s *Status, interval time.Duration, run AuditFunc) {
	for {
		a := run(ctx)
		if ctx.Err() != nil {
			return // cut short: not a verdict
		}
		s.RecordAudits(a)
		select {
		case <-time.After(interval):
		case <-ctx.Done():
			return
		}
	}
}

// RecordAudits keeps the latest audit, for the status page and the
// metrics.
func (s *Status) RecordAudits(a *Audits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.audits = a
	if s.metrics != nil {
		s.metrics.recordAudits(a)
	}
}

// Audits returns the latest audit (nil before the first).
func (s *Status) Audits() *Audits {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.audits == nil {
		return nil
	}
	a := *s.audits
	a.Zones = slices.Clone(a.Zones)
	return &a
}
