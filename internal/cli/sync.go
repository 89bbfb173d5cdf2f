package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/zonecast/zonecast/internal/audit"
	"github.com/zonecast/zonecast/internal/engine"
	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/internal/syncd"
)

type syncOptions struct {
	config     string
	once       bool
	interval   time.Duration
	dryRun     bool
	listen     string
	auditEvery time.Duration
	rootHints  string
	fullRead   bool
	sweep      time.Duration
}

func newSyncCmd(ios *streams) *cobra.Command {
	opts := &syncOptions{}
	cmd := &cobra.Command{
		Use:   "sync [--once | --interval 5m] [--dry-run] [--listen 127.0.0.1:9153] [--audit-every 1h]",
		Short: "Keep every provider in sync: correct drift, apply, verify, on a schedule",
		Long: `Each cycle reads the configuration and zone files again, plans every zone ×
provider (leaving out providers dropped by failover), classifies drift (a
provider that lost the zone is restored; records edited outside zonecast are
corrected within the safety limits, and above them reported and left alone),
applies, does the work earlier runs left pending (a reload that failed, a
parent delegation failover could not change), and verifies on the wire. Cycles run at --interval with ±10% jitter,
holding the same per-zone lock as apply. SIGTERM lets the change in flight
finish, then exits.

A zone at a provider with a change marker (an RFC 2136 server's SOA serial,
a zone file's digest) that has not changed since zonecast last found it in
sync costs one query, not a full read (--full-read: read every zone). With
--sweep PERIOD, a provider with no marker (Cloudflare, Route 53) is read in
full once per PERIOD, each zone at its own time in it, so that the reads of
many zones spread over the period within the API's budget; a zone whose
file changed is read at once. Drift made at such a provider between two
reads of a zone is found at the next one.

With failover.auto_drop_after_failed_cycles: N in the configuration, a
provider that could not be read or written in N cycles in a row is dropped
for that zone (as ` + "`failover drop`" + ` would, with the reason "auto: N failed
cycles: …"), never leaving fewer than failover.min_providers in service,
nor none; with failover.auto_restore (the default then), a provider sync
dropped is restored once it serves the current zone on the wire. The
failed cycles are counted in memory: every sync --once starts from zero.

With --listen it serves Prometheus metrics (/metrics), /livez (200 while
the loop runs; 503 only when it hangs: no cycle ended within three
intervals, or one has run longer than the limits allow), /readyz (200 when
the last cycle left every provider in service in sync; 503 otherwise, saying
what is not), /healthz (the same as /livez) and a status page (/).

As a daemon, sync also audits every zone's live delegation (as ` + "`zonecast audit`" + `
does, walking from --root-hints or the IANA root servers) at start and then
every --audit-every (0: never), beside the cycles and never inside one: the
audit only queries DNS, takes no lock and delays no cycle. Its verdict is on
the status page and in the metrics zonecast_single_points_of_failure{zone}
(providers whose failure alone would stop the zone resolving; absent when
the delegation could not be walked), zonecast_audit_ok{zone} (1: resolves,
no single point of failure) and zonecast_audit_timestamp_seconds{zone}. It
fails neither /livez nor /readyz. sync --once does not audit: run
` + "`zonecast audit`" + ` for that.

EXIT STATUS (with --once)
  0  every provider in sync
  1  an error: bad configuration or zone file, a lock held
  2  with --dry-run: drift found (nothing applied)
  3  some providers failed or could not be read, or work is still pending
     (a reload, a parent delegation; the next cycle retries it)
  4  drift over the safety limit was left alone

With --dry-run (and for drift over the safety limit) each zone × provider's
line is followed by the RRsets that drifted, the first 10: + missing at the
provider, ~ different there, - there and not in the zone file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSync(cmd.Context(), ios, opts) },
	}
	cmd.Flags().StringVar(&opts.config, "config", "zonecast.yaml", "the configuration file")
	cmd.Flags().BoolVar(&opts.once, "once", false, "run one cycle and exit (for cron, systemd timers, CronJobs)")
	cmd.Flags().DurationVar(&opts.interval, "interval", 5*time.Minute, "time between cycles")
	cmd.Flags().BoolVar(&opts.dryRun, "dry-run", false, "report drift only; apply nothing")
	addFullReadFlag(cmd, &opts.fullRead)
	cmd.Flags().DurationVar(&opts.sweep, "sweep", 0, "read providers that have no change marker (Cloudflare, Route 53) once per this period, each zone at its own time in it, instead of every cycle (0: every cycle)")
	cmd.Flags().StringVar(&opts.listen, "listen", "", "serve metrics, /livez, /readyz and the status page on this address")
	cmd.Flags().DurationVar(&opts.auditEvery, "audit-every", time.Hour, "time between audits of the zones' delegations (0: never; not with --once)")
	cmd.Flags().StringVar(&opts.rootHints, "root-hints", "", "root hints file (named.root format) for the audit; default: the IANA root servers")
	return cmd
}

func runSync(ctx context.Context, ios *streams, opts *syncOptions) error {
	// The audit logs from a goroutine of its own while the cycles write
	// to stderr: one lock for both, so that lines are not interleaved (and
	// a writer that is not safe for concurrent use, as a test's, is safe).
	var mu sync.Mutex
	locked := *ios
	locked.err = lockedWriter{&mu, ios.err}
	ios = &locked
	log := slog.New(lockedHandler{&mu, logger(ctx).Handler()})
	if opts.auditEvery < 0 {
		return fmt.Errorf("--audit-every %s: want a duration of 0 (never) or more", opts.auditEvery)
	}
	var roots []string
	if opts.rootHints != "" {
		var err error
		if roots, err = audit.ReadRootHints(opts.rootHints); err != nil {
			return fmt.Errorf("--root-hints: %w", err)
		}
	}
	metrics := syncd.NewMetrics()
	status := syncd.NewStatus(opts.interval, metrics)
	if opts.listen != "" {
		l, err := net.Listen("tcp", opts.listen)
		if err != nil {
			return fmt.Errorf("--listen: %w", err)
		}
		srv := &http.Server{Handler: syncd.Handler(status), ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(l)
		defer srv.Close()
		log.Info("serving metrics and status", "addr", l.Addr().String())
	}
	run := func(ctx context.Context) *syncd.Cycle {
		c := syncd.RunCycle(ctx, syncd.Options{Config: opts.config, DryRun: opts.dryRun, FullRead: opts.fullRead, Sweep: opts.sweep,
			Streaks: status.Streaks(), Loaded: status.SetLimits})
		for _, w := range c.Warnings {
			ios.say(slog.LevelWarn, w)
		}
		for _, t := range c.Targets {
			attrs := []any{"zone", t.Zone, "provider", t.Provider, "drift", t.Drift, "applied", t.Applied,
				"dropped", t.Dropped, "refused", t.Refused, "err", t.Err}
			if len(t.Drifted) > 0 {
				// What drifted, as the --once output names it.
				attrs = append(attrs, "drifted", strings.Join(t.Drifted[:min(len(t.Drifted), maxDriftedShown)], "; "))
			}
			// Over many pairs, those in sync with nothing done log at
			// debug: the metrics and the status page have every pair.
			level := slog.LevelInfo
			if len(c.Targets) > plan.BriefAfter && !ios.allPairs && t.OK() && t.Drift == 0 && !t.Dropped {
				level = slog.LevelDebug
			}
			log.Log(ctx, level, "sync", attrs...)
		}
		for _, ev := range c.Events {
			level := slog.LevelWarn
			if ev.Kind == syncd.AutoRestore {
				level = slog.LevelInfo
			}
			log.Log(ctx, level, "sync failover", "zone", ev.Zone, "provider", ev.Provider, "op", string(ev.Kind), "detail", ev.Detail)
		}
		if opts.once && c.Failover.AutoDropAfter > 1 {
			log.Warn("sync --once counts failed cycles in memory, from zero at every run: failover.auto_drop_after_failed_cycles above 1 never drops; run sync as a daemon (--interval)",
				"auto_drop_after_failed_cycles", c.Failover.AutoDropAfter)
		}
		for _, p := range c.Finished {
			log.Info("sync finished pending work", "zone", p.Zone, "provider", p.Provider, "kind", p.Kind, "since", p.Since)
		}
		for _, p := range c.Pending {
			log.Warn("sync pending", "zone", p.Zone, "provider", p.Provider, "kind", p.Kind, "since", p.Since, "err", p.Err)
		}
		if c.Err != "" {
			log.Error("sync cycle", "err", c.Err)
		}
		if c.Preempted {
			log.Info("sync cycle stopped for a failover drop or restore, which goes first")
		}
		return c
	}
	if opts.once {
		c := run(ctx)
		status.Record(c)
		writeCycle(ios, c)
		return cycleExit(c)
	}
	var wg sync.WaitGroup
	if opts.auditEvery > 0 {
		wg.Go(func() {
			syncd.AuditLoop(ctx, status, opts.auditEvery, func(ctx context.Context) *syncd.Audits {
				a := syncd.RunAudit(ctx, syncd.AuditOptions{Config: opts.config, Roots: roots})
				logAudits(ctx, log, a)
				return a
			})
		})
	}
	syncd.Loop(ctx, status, opts.interval, run)
	wg.Wait()
	log.Info("sync stopped")
	return nil
}

// logAudits logs a scheduled audit: a zone that passes at info, one that
// does not (or could not be audited) as a warning with its findings.
func logAudits(ctx context.Context, log *slog.Logger, a *syncd.Audits) {
	if ctx.Err() != nil {
		return // cut short by the end of the daemon: not a verdict
	}
	if a.Err != "" {
		log.Warn("sync audit", "err", a.Err)
		return
	}
	for _, z := range a.Zones {
		switch {
		case z.Err != "":
			log.Warn("sync audit: the delegation could not be walked", "zone", z.Zone, "err", z.Err)
		case z.OK:
			log.Info("sync audit", "zone", z.Zone, "verdict", z.Verdict)
		default:
			var codes []string
			for _, f := range z.Findings {
				if f.Severity == audit.Failure || f.Severity == audit.SPOF {
					codes = append(codes, f.Code+": "+f.Message)
				}
			}
			log.Warn("sync audit", "zone", z.Zone, "verdict", z.Verdict, "single_points_of_failure", strings.Join(z.SinglePoints, " "),
				"findings", strings.Join(codes, "; "))
		}
	}
}

func writeCycle(ios *streams, c *syncd.Cycle) {
	if c.Err != "" {
		ios.say(slog.LevelError, "zonecast: "+c.Err)
		return
	}
	// Over many zones those in sync are counted, not listed (the status
	// page and the metrics have every zone).
	brief := len(c.Targets) > plan.BriefAfter && !ios.allPairs
	quiet := 0
	for _, t := range c.Targets {
		if brief && !t.Dropped && t.Reachable && t.Err == "" && t.Drift == 0 && t.Mismatches <= 0 {
			quiet++
			continue
		}
		state := "in sync"
		switch {
		case t.Dropped:
			state = "dropped (failover): left out"
			if t.Err != "" {
				state += "; " + t.Err
			}
		case !t.Reachable:
			state = "unreachable: " + t.Err
		case t.Refused:
			state = fmt.Sprintf("%d RRsets drifted, over the safety limit: left alone: %s", t.Drift, t.Err)
		case c.DryRun && t.Drift > 0:
			state = fmt.Sprintf("%d RRsets drifted (dry run: nothing applied)", t.Drift)
		case t.Err != "" && t.Drift == 0:
			state = "FAILED: " + t.Err
		case t.Err != "":
			state = fmt.Sprintf("%d RRsets drifted, %d applied: FAILED: %s", t.Drift, t.Applied, t.Err)
		case t.Drift > 0:
			state = fmt.Sprintf("%d RRsets drifted, corrected", t.Drift)
			if t.Restore {
				state = fmt.Sprintf("restored (%d RRsets)", t.Applied)
			}
		}
		if t.Mismatches > 0 {
			state += fmt.Sprintf("; %d verify mismatches", t.Mismatches)
		}
		if t.FailedCycles > 1 {
			state += fmt.Sprintf(" (%d failed cycles in a row)", t.FailedCycles)
		}
		fmt.Fprintf(ios.out, "%s at %s: %s\n", t.Zone, t.Provider, state)
		if c.DryRun || t.Refused {
			writeDrifted(ios.out, t)
		}
	}
	if quiet > 0 {
		fmt.Fprintf(ios.out, "%d other zone × provider pairs: in sync\n", quiet)
	}
	for _, p := range c.Finished {
		fmt.Fprintf(ios.out, "done: %s %s at %s (pending from an earlier run)\n", p.Kind, p.Zone, p.Provider)
	}
	for _, ev := range c.Events {
		fmt.Fprintf(ios.out, "FAILOVER %s\n", ev)
	}
	if c.Preempted {
		fmt.Fprintln(ios.out, "PREEMPTED: the cycle stopped for a failover drop or restore, which goes first; the next cycle goes on")
	}
	for _, p := range c.Pending {
		fmt.Fprintf(ios.out, "PENDING: %s\n", p)
	}
}

// maxDriftedShown is how many drifted RRsets sync names per zone ×
// provider; `zonecast plan` shows them all.
const maxDriftedShown = 10

// writeDrifted names the RRsets that drifted at a target, indented under
// its line: + missing at the provider, ~ different there, - there and not
// in the zone file.
func writeDrifted(w io.Writer, t syncd.Target) {
	for i, d := range t.Drifted {
		if i == maxDriftedShown {
			break
		}
		fmt.Fprintf(w, "  %s\n", d)
	}
	if more := t.Drift - min(len(t.Drifted), maxDriftedShown); more > 0 && len(t.Drifted) > 0 {
		fmt.Fprintf(w, "  … and %d more; `zonecast plan --zone %s --provider %s` shows them all\n", more, t.Zone, t.Provider)
	}
}

func cycleExit(c *syncd.Cycle) error {
	if c.Err != "" {
		return reported{errors.New(c.Err)}
	}
	failed, refused, drift := false, false, false
	for _, t := range c.Targets {
		switch {
		case t.Dropped:
		case t.Refused:
			refused = true
		case !t.OK():
			failed = true
		}
		drift = drift || t.Drift > 0
	}
	switch {
	case failed || len(c.Pending) > 0:
		return reported{engine.ErrPartial}
	case refused:
		return reported{&engine.RefusedError{Reason: "drift over the safety limit was left alone"}}
	case c.DryRun && drift:
		return reported{errDiffers}
	}
	return nil
}

// logger returns the logger main set up, or a discarding one.
func logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.New(slog.DiscardHandler)
}

type loggerKey struct{}

// lockedWriter writes to w holding mu.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// lockedHandler handles records with h holding mu (the lock of the
// writer h writes to).
type lockedHandler struct {
	mu *sync.Mutex
	h  slog.Handler
}

func (l lockedHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return l.h.Enabled(ctx, level)
}

func (l lockedHandler) Handle(ctx context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.h.Handle(ctx, r)
}

func (l lockedHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return lockedHandler{l.mu, l.h.WithAttrs(attrs)}
}

func (l lockedHandler) WithGroup(name string) slog.Handler {
	return lockedHandler{l.mu, l.h.WithGroup(name)}
}
