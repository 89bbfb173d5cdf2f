package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/zonecast/zonecast/internal/engine"
	"github.com/zonecast/zonecast/internal/syncd"
)

type syncOptions struct {
	config   string
	once     bool
	interval time.Duration
	dryRun   bool
	listen   string
}

func newSyncCmd(ios *streams) *cobra.Command {
	opts := &syncOptions{}
	cmd := &cobra.Command{
		Use:   "sync [--once | --interval 5m] [--dry-run] [--listen 127.0.0.1:9153]",
		Short: "Keep every provider in sync: correct drift, apply, verify, on a schedule",
		Long: `Each cycle reads the configuration and zone files again, plans every zone ×
provider (leaving out providers dropped by failover), classifies drift (a
provider that lost the zone is restored; records edited outside zonecast are
corrected within the safety limits, and above them reported and left alone),
applies, does the work earlier runs left pending (a reload that failed, a
parent delegation failover could not change), and verifies on the wire. Cycles run at --interval with ±10% jitter,
holding the same per-zone lock as apply. SIGTERM lets the change in flight
finish, then exits.

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

EXIT STATUS (with --once)
  0  every provider in sync
  1  an error: bad configuration or zone file, a lock held
  2  with --dry-run: drift found (nothing applied)
  3  some providers failed or could not be read, or work is still pending
     (a reload, a parent delegation; the next cycle retries it)
  4  drift over the safety limit was left alone`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSync(cmd.Context(), ios, opts) },
	}
	cmd.Flags().StringVar(&opts.config, "config", "zonecast.yaml", "the configuration file")
	cmd.Flags().BoolVar(&opts.once, "once", false, "run one cycle and exit (for cron, systemd timers, CronJobs)")
	cmd.Flags().DurationVar(&opts.interval, "interval", 5*time.Minute, "time between cycles")
	cmd.Flags().BoolVar(&opts.dryRun, "dry-run", false, "report drift only; apply nothing")
	cmd.Flags().StringVar(&opts.listen, "listen", "", "serve metrics, /livez, /readyz and the status page on this address")
	return cmd
}

func runSync(ctx context.Context, ios *streams, opts *syncOptions) error {
	log := logger(ctx)
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
		c := syncd.RunCycle(ctx, syncd.Options{Config: opts.config, DryRun: opts.dryRun,
			Streaks: status.Streaks(), Loaded: status.SetLimits})
		for _, w := range c.Warnings {
			fmt.Fprintln(ios.err, w)
		}
		for _, t := range c.Targets {
			log.Info("sync", "zone", t.Zone, "provider", t.Provider, "drift", t.Drift, "applied", t.Applied,
				"dropped", t.Dropped, "refused", t.Refused, "err", t.Err)
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
	syncd.Loop(ctx, status, opts.interval, run)
	log.Info("sync stopped")
	return nil
}

func writeCycle(ios *streams, c *syncd.Cycle) {
	if c.Err != "" {
		fmt.Fprintf(ios.err, "zonecast: %s\n", c.Err)
		return
	}
	for _, t := range c.Targets {
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
