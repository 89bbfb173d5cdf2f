package syncd

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the Prometheus metrics of the sync loop, per zone and
// provider.
type Metrics struct {
	Registry      *prometheus.Registry
	lastSuccess   *prometheus.GaugeVec
	drift         *prometheus.GaugeVec
	applied       *prometheus.CounterVec
	applyErrors   *prometheus.CounterVec
	up            *prometheus.GaugeVec
	dropped       *prometheus.GaugeVec
	mismatches    *prometheus.GaugeVec
	cycleDuration prometheus.Histogram
	cycles        *prometheus.CounterVec
	pending       *prometheus.GaugeVec
	failedCycles  *prometheus.GaugeVec
	events        *prometheus.CounterVec
	spof          *prometheus.GaugeVec
	auditOK       *prometheus.GaugeVec
	auditTime     *prometheus.GaugeVec
}

// NewMetrics registers the metrics in a registry of their own.
func NewMetrics() *Metrics {
	labels := []string{"zone", "provider"}
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "zonecast_last_success_timestamp_seconds",
			Help: "When a sync cycle last left the zone in sync at the provider (Unix time)."}, labels),
		drift: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "zonecast_drift_rrsets",
			Help: "RRsets the provider served differently from the zone file at the last cycle."}, labels),
		applied: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zonecast_changes_applied_total",
			Help: "RRset changes applied."}, labels),
		applyErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zonecast_apply_errors_total",
			Help: "Cycles whose apply at the provider failed."}, labels),
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "zonecast_provider_up",
			Help: "1 when the provider could be read at the last cycle."}, labels),
		dropped: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "zonecast_provider_dropped",
			Help: "1 when the provider is out of service for the zone (failover drop)."}, labels),
		mismatches: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "zonecast_verify_mismatches",
			Help: "RRsets the provider's servers answered differently after the last cycle (-1: not verified)."}, labels),
		cycleDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "zonecast_cycle_duration_seconds",
			Help: "How long a sync cycle took.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 14)}),
		cycles: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zonecast_cycles_total",
			Help: "Sync cycles by result (ok, failed)."}, []string{"result"}),
		pending: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "zonecast_pending_work",
			Help: "1 for each piece of work left pending after the last cycle (kind: reload, delegation)."}, []string{"zone", "provider", "kind"}),
		failedCycles: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "zonecast_failed_cycles",
			Help: "Cycles in a row that could not read or write the provider (0 once one could)."}, labels),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zonecast_failover_events_total",
			Help: "Automatic failover events (kind: auto_drop, auto_restore, refused_min_providers, auto_drop_failed)."}, []string{"zone", "provider", "kind"}),
		spof: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "zonecast_single_points_of_failure",
			Help: "Providers whose failure alone would stop the zone resolving, at the last audit (absent when the delegation could not be walked)."}, []string{"zone"}),
		auditOK: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "zonecast_audit_ok",
			Help: "1 when the last audit found the zone resolving with no single point of failure; 0 when not, or when the delegation could not be walked."}, []string{"zone"}),
		auditTime: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "zonecast_audit_timestamp_seconds",
			Help: "When the zone was last audited (Unix time), whatever the verdict."}, []string{"zone"}),
	}
	m.Registry.MustRegister(m.lastSuccess, m.drift, m.applied, m.applyErrors, m.up, m.dropped, m.mismatches, m.cycleDuration, m.cycles, m.pending,
		m.failedCycles, m.events, m.spof, m.auditOK, m.auditTime)
	return m
}

func (m *Metrics) record(c *Cycle) {
	m.cycleDuration.Observe(c.End.Sub(c.Start).Seconds())
	if c.OK() {
		m.cycles.WithLabelValues("ok").Inc()
	} else {
		m.cycles.WithLabelValues("failed").Inc()
	}
	// Only what is still pending is shown: work done since disappears.
	m.pending.Reset()
	for _, p := range c.Pending {
		m.pending.WithLabelValues(p.Zone, p.Provider, string(p.Kind)).Set(1)
	}
	for _, ev := range c.Events {
		m.events.WithLabelValues(ev.Zone, ev.Provider, string(ev.Kind)).Inc()
	}
	for _, t := range c.Targets {
		l := []string{t.Zone, t.Provider}
		m.dropped.WithLabelValues(l...).Set(b2f(t.Dropped))
		if t.Dropped {
			m.failedCycles.DeleteLabelValues(l...)
			continue
		}
		m.failedCycles.WithLabelValues(l...).Set(float64(t.FailedCycles))
		m.up.WithLabelValues(l...).Set(b2f(t.Reachable))
		m.drift.WithLabelValues(l...).Set(float64(t.Drift))
		m.applied.WithLabelValues(l...).Add(float64(t.Applied))
		if t.Err != "" && t.Reachable {
			m.applyErrors.WithLabelValues(l...).Inc()
		}
		m.mismatches.WithLabelValues(l...).Set(float64(t.Mismatches))
		if !t.LastSuccess.IsZero() {
			m.lastSuccess.WithLabelValues(l...).Set(float64(t.LastSuccess.Unix()))
		}
	}
}

// recordAudits shows the latest audit: zones no longer configured
// disappear; a configuration that could not be read leaves the last
// verdicts as they were (the cycles say what is wrong with it).
func (m *Metrics) recordAudits(a *Audits) {
	if a.Err != "" {
		return
	}
	m.spof.Reset()
	m.auditOK.Reset()
	m.auditTime.Reset()
	for _, z := range a.Zones {
		m.auditTime.WithLabelValues(z.Zone).Set(float64(a.End.Unix()))
		m.auditOK.WithLabelValues(z.Zone).Set(b2f(z.OK && z.Err == ""))
		if z.Err == "" {
			m.spof.WithLabelValues(z.Zone).Set(float64(len(z.SinglePoints)))
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
