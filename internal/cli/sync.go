package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/miekg/dns"
	"github.com/spf13/cobra"

	"github.com/zonecast/zonecast/internal/apply"
	zsync "github.com/zonecast/zonecast/internal/sync"
	"github.com/zonecast/zonecast/internal/verify"
)

type syncOptions struct {
	config   string
	once     bool
	interval time.Duration
	dryRun   bool
	listen   string
}

func newSyncCmd(io *streams) *cobra.Command {
	opts := &syncOptions{}
	cmd := &cobra.Command{
		Use:   "sync [--once | --interval 5m] [--dry-run] [--listen 127.0.0.1:9153]",
		Short: "Keep every provider in sync: correct drift, apply, verify, on a schedule",
		Long: `Each cycle reads the configuration and zone files again, plans every zone ×
provider (leaving out providers dropped by failover), classifies drift (a
provider that lost the zone is restored; records edited outside zonecast are
corrected within the safety limits, and above them reported and left alone),
applies, and verifies on the wire. Cycles run at --interval with ±10% jitter,
holding the same per-zone lock as apply. SIGTERM lets the change in flight
finish, then exits. With --listen it serves Prometheus metrics (/metrics),
/healthz (failing when no cycle succeeded in three intervals) and a status
page (/).

EXIT STATUS (with --once)
  0  every provider in sync
  1  an error: bad configuration or zone file, a lock held
  2  with --dry-run: drift found (nothing applied)
  3  some providers failed or could not be read
  4  drift over the safety limit was left alone`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSync(cmd.Context(), io, opts) },
	}
	cmd.Flags().StringVar(&opts.config, "config", "zonecast.yaml", "the configuration file")
	cmd.Flags().BoolVar(&opts.once, "once", false, "run one cycle and exit (for cron, systemd timers, CronJobs)")
	cmd.Flags().DurationVar(&opts.interval, "interval", 5*time.Minute, "time between cycles")
	cmd.Flags().BoolVar(&opts.dryRun, "dry-run", false, "report drift only; apply nothing")
	cmd.Flags().StringVar(&opts.listen, "listen", "", "serve metrics, /healthz and the status page on this address")
	return cmd
}

func runSync(ctx context.Context, io *streams, opts *syncOptions) error {
	log := logger(ctx)
	metrics := zsync.NewMetrics()
	status := zsync.NewStatus(opts.interval, metrics)
	if opts.listen != "" {
		l, err := net.Listen("tcp", opts.listen)
		if err != nil {
			return fmt.Errorf("--listen: %w", err)
		}
		srv := &http.Server{Handler: zsync.Handler(status), ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(l)
		defer srv.Close()
		log.Info("serving metrics and status", "addr", l.Addr().String())
	}
	run := func(ctx context.Context) *zsync.Cycle {
		c := syncCycle(ctx, io, opts)
		for _, t := range c.Targets {
			log.Info("sync", "zone", t.Zone, "provider", t.Provider, "drift", t.Drift, "applied", t.Applied,
				"dropped", t.Dropped, "refused", t.Refused, "err", t.Err)
		}
		if c.Err != "" {
			log.Error("sync cycle", "err", c.Err)
		}
		return c
	}
	if opts.once {
		c := run(ctx)
		status.Record(c)
		writeCycle(io, c)
		return cycleExit(c)
	}
	zsync.Loop(ctx, status, opts.interval, run)
	log.Info("sync stopped")
	return nil
}

// syncCycle runs one cycle over every zone × provider.
func syncCycle(ctx context.Context, io *streams, opts *syncOptions) *zsync.Cycle {
	c := &zsync.Cycle{Start: time.Now(), DryRun: opts.dryRun}
	defer func() { c.End = time.Now() }()
	quiet := &streams{out: discard{}, err: io.err}
	s, err := load(quiet, selection{config: opts.config})
	if err != nil {
		c.Err = err.Error()
		return c
	}
	for _, t := range s.out {
		d := s.state.Dropped[t.provider.Name()]
		c.Targets = append(c.Targets, zsync.Target{Zone: t.zone.Origin, Provider: t.provider.Name(), Dropped: true, Reason: d.Reason, Mismatches: -1})
	}
	origins := make([]string, 0, len(s.desired))
	for o := range s.desired {
		origins = append(origins, o)
	}
	slices.Sort(origins)
	for _, o := range origins {
		l, err := apply.Acquire(s.lockDir(), o)
		if err != nil {
			c.Err = err.Error()
			return c
		}
		defer l.Release()
	}

	p := s.plan(ctx)
	jobs := make([]apply.Job, 0, len(p.Targets))
	idx := make([]int, 0, len(p.Targets))
	base := len(c.Targets)
	for i, pt := range p.Targets {
		t := zsync.Target{Zone: pt.Zone, Provider: pt.Provider, Reachable: pt.Err == nil, Drift: len(pt.Changes), Mismatches: -1}
		if ns := s.desired[pt.Zone].Lookup(pt.Zone, dns.TypeNS); ns != nil {
			t.ApexNS = ns.Data
		}
		switch {
		case pt.Err != nil:
			t.Err = pt.Err.Error()
		case len(pt.Changes) == 0:
		case opts.dryRun:
		default:
			if err := pt.Safety(s.cfg.Safety.MaxChangePercent); err != nil {
				t.Refused, t.Err = true, err.Error()
				break
			}
			t.Restore = pt.Restore()
			jobs = append(jobs, apply.Job{Target: pt, Provider: s.targets[i].provider})
			idx = append(idx, base+i)
		}
		c.Targets = append(c.Targets, t)
	}
	for j, r := range apply.Run(ctx, jobs) {
		t := &c.Targets[idx[j]]
		t.Applied = r.Applied
		if r.Err != nil {
			t.Err = r.Err.Error()
		}
	}
	if opts.dryRun || ctx.Err() != nil {
		return c
	}
	// Verify on the wire (providers with nameservers configured).
	for i, rep := range s.verify(ctx, verify.Options{}) {
		t := &c.Targets[base+i]
		if len(rep.Servers) == 0 {
			continue
		}
		n := 0
		for _, sv := range rep.Servers {
			n += len(sv.Mismatches)
			if sv.Err != "" && t.Err == "" {
				t.Err = sv.Err
			}
		}
		t.Mismatches = n
	}
	// What was applied is read back: a target is in sync when a new plan
	// is empty.
	again := s.plan(ctx)
	for i, pt := range again.Targets {
		t := &c.Targets[base+i]
		if pt.Err == nil && len(pt.Changes) > 0 && !t.Refused && t.Err == "" {
			t.Err = fmt.Sprintf("not converged: %d changes left", len(pt.Changes))
		}
	}
	return c
}

func writeCycle(io *streams, c *zsync.Cycle) {
	if c.Err != "" {
		fmt.Fprintf(io.err, "zonecast: %s\n", c.Err)
		return
	}
	for _, t := range c.Targets {
		state := "in sync"
		switch {
		case t.Dropped:
			state = "dropped (failover): left out"
		case !t.Reachable:
			state = "unreachable: " + t.Err
		case t.Refused:
			state = fmt.Sprintf("%d RRsets drifted, over the safety limit: left alone: %s", t.Drift, t.Err)
		case c.DryRun && t.Drift > 0:
			state = fmt.Sprintf("%d RRsets drifted (dry run: nothing applied)", t.Drift)
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
		fmt.Fprintf(io.out, "%s at %s: %s\n", t.Zone, t.Provider, state)
	}
}

func cycleExit(c *zsync.Cycle) error {
	if c.Err != "" {
		return &exitCodeError{exitError}
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
	case failed:
		return &exitCodeError{exitPartial}
	case refused:
		return &exitCodeError{exitUnsafe}
	case c.DryRun && drift:
		return &exitCodeError{exitChanges}
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
