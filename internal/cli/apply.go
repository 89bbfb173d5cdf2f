package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/zonecast/zonecast/internal/apply"
	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/internal/verify"
)

type applyOptions struct {
	selection
	planFile      string
	yes           bool
	force         bool
	verify        bool
	verifyTimeout time.Duration
}

func newApplyCmd(io *streams) *cobra.Command {
	opts := &applyOptions{}
	cmd := &cobra.Command{
		Use:   "apply [PLANFILE]",
		Short: "Make every provider serve the zone files",
		Long: `Plan as 'zonecast plan' does, show the plan, then apply it to every provider
at once. One provider failing never stops the others. Afterwards each provider
is read again to check that a new plan would be empty.

With PLANFILE (from 'zonecast plan --out'), apply exactly the saved changes,
and only if every provider still serves what it served when the plan was made
and the zone files and configuration are unchanged; otherwise nothing is
changed and the differences are named.

Safety: when the updates and deletes at a provider exceed
safety.max_change_percent (default 30) of its RRsets (zones of ten or more),
or would delete most of them, apply refuses unless --force. A provider that
serves nothing of the zone is restored without --force.

One zonecast at a time applies a zone: a second one fails at once, naming the
holder of the lock. On a terminal apply asks for confirmation of a fresh plan;
elsewhere it needs --yes. SIGINT or SIGTERM stops between messages and
reports what was applied; running apply again converges.

EXIT STATUS
  0  every provider applied and converged (or nothing to do)
  1  an error before any change: bad configuration, zone file or plan file, no --yes, a lock held
  3  some providers failed or were interrupted (named); the others were updated
  4  refused by a safety check; nothing was changed
  5  the saved plan is stale; nothing was changed

With --verify, after applying, every provider's servers are asked (as
'zonecast verify' does) until they serve the zone or --verify-timeout passes
(then exit 3).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.planFile = args[0]
			}
			return runApply(cmd.Context(), io, opts)
		},
	}
	addSelectionFlags(cmd, &opts.selection)
	cmd.Flags().BoolVarP(&opts.yes, "yes", "y", false, "apply a fresh plan without asking")
	cmd.Flags().BoolVar(&opts.force, "force", false, "apply even what the safety checks refuse")
	cmd.Flags().BoolVar(&opts.verify, "verify", false, "afterwards, ask every provider's servers until they serve the zone (see verify)")
	cmd.Flags().DurationVar(&opts.verifyTimeout, "verify-timeout", time.Minute, "how long --verify waits for the servers")
	return cmd
}

func runApply(ctx context.Context, io *streams, opts *applyOptions) error {
	var saved *plan.File
	if opts.planFile != "" {
		if len(opts.zones)+len(opts.providers) > 0 {
			return errors.New("--zone and --provider do not go with a plan file: the plan says what it covers")
		}
		f, err := plan.Read(opts.planFile)
		if err != nil {
			return err
		}
		saved = f
		for _, t := range f.Targets {
			if !slices.Contains(opts.zones, t.Zone) {
				opts.zones = append(opts.zones, t.Zone)
			}
			if !slices.Contains(opts.providers, t.Provider) {
				opts.providers = append(opts.providers, t.Provider)
			}
		}
	}
	s, err := load(io, opts.selection)
	if err != nil {
		return err
	}
	if saved != nil {
		if err := s.matches(saved); err != nil {
			fmt.Fprintf(io.err, "zonecast: %v\n", err)
			return &exitCodeError{exitStale}
		}
	}

	// Hold every zone's lock from before reading the providers to the end,
	// in a fixed order so that two applies cannot deadlock.
	origins := make([]string, 0, len(s.desired))
	for o := range s.desired {
		origins = append(origins, o)
	}
	slices.Sort(origins)
	for _, o := range origins {
		l, err := apply.Acquire(s.lockDir(), o)
		if err != nil {
			return err
		}
		defer l.Release()
	}

	p := s.plan(ctx)
	if saved != nil {
		if err := saved.Check(p); err != nil {
			fmt.Fprintf(io.err, "zonecast: %v\n", err)
			return &exitCodeError{exitStale}
		}
	}
	if err := plan.WriteText(io.out, p, plan.Style{Color: colorOK(io.out)}); err != nil {
		return err
	}
	var unsafe []error
	for _, t := range p.Targets {
		if t.Restore() && len(t.Changes) > 0 {
			fmt.Fprintf(io.err, "zonecast: RESTORE: %s serves nothing of %s: all %d changes will be applied to restore it\n", t.Provider, t.Zone, len(t.Changes))
		}
		if err := t.Safety(s.cfg.Safety.MaxChangePercent); err != nil {
			unsafe = append(unsafe, err)
		}
	}
	if len(unsafe) > 0 && !opts.force {
		for _, err := range unsafe {
			fmt.Fprintf(io.err, "zonecast: %v\n", err)
		}
		fmt.Fprintln(io.err, "zonecast: nothing was changed")
		return &exitCodeError{exitUnsafe}
	}
	if p.Changes() == 0 && len(p.Failed()) == 0 {
		return nil
	}
	if p.Changes() > 0 && !opts.yes && saved == nil {
		if !isTerminal(os.Stdin) {
			return errors.New("not on a terminal: pass --yes to apply")
		}
		fmt.Fprintf(io.err, "Apply %d changes? [y/N] ", p.Changes())
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			return errors.New("not applied")
		}
	}

	jobs := make([]apply.Job, len(p.Targets))
	for i, t := range p.Targets {
		jobs[i] = apply.Job{Target: t, Provider: s.targets[i].provider}
	}
	stop := showProgress(ctx, io, jobs)
	results := apply.Run(ctx, jobs)
	stop()

	fmt.Fprintln(io.out)
	if ctx.Err() != nil {
		// Interrupted: say what was applied; no second reading.
		for _, r := range results {
			fmt.Fprintf(io.out, "%s at %s: %s (%d of %d changes applied)\n", r.Zone, r.Provider, r.Status, r.Applied, r.Total)
		}
		fmt.Fprintln(io.err, "zonecast: interrupted; run apply again to converge")
		return &exitCodeError{exitPartial}
	}
	// Read every provider again: apply is done when a new plan is empty.
	again := s.plan(ctx)
	failed := 0
	for i, r := range results {
		left := again.Targets[i]
		line := fmt.Sprintf("%s at %s: %s", r.Zone, r.Provider, r.Status)
		if r.Status == apply.Applied || r.Status == apply.Failed {
			line += fmt.Sprintf(" (%d of %d changes)", r.Applied, r.Total)
		}
		switch {
		case r.Err != nil:
			failed++
			line += ": " + r.Err.Error()
		case left.Err != nil:
			failed++
			line += "; cannot read it back: " + left.Err.Error()
		case len(left.Changes) > 0:
			failed++
			line += fmt.Sprintf("; NOT converged: a new plan still has %d changes", len(left.Changes))
		default:
			line += "; converged"
		}
		fmt.Fprintln(io.out, line)
	}
	if failed > 0 {
		fmt.Fprintf(io.err, "zonecast: %d of %d zone × provider pairs did not converge; run apply again once the cause is fixed\n", failed, len(results))
		return &exitCodeError{exitPartial}
	}
	if opts.verify {
		return s.waitServed(ctx, io, opts.verifyTimeout)
	}
	return nil
}

// waitServed asks every provider's servers, again and again within the
// timeout, until all serve the zone (secondaries may take a while).
func (s *session) waitServed(ctx context.Context, io *streams, timeout time.Duration) error {
	start := time.Now()
	deadline := start.Add(timeout)
	for {
		reports := s.verify(ctx, verify.Options{})
		ok := true
		for _, r := range reports {
			ok = ok && r.OK()
		}
		if ok {
			fmt.Fprintf(io.out, "verified: every provider's servers serve the zone (%.1fs)\n", time.Since(start).Seconds())
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			writeVerify(io, reports)
			fmt.Fprintf(io.err, "zonecast: not every server serves the zone after %s\n", timeout)
			return &exitCodeError{exitPartial}
		}
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
		}
	}
}

// matches checks that the configuration and zone files are what the saved
// plan was made from.
func (s *session) matches(f *plan.File) error {
	if s.configDigest != f.Config {
		return fmt.Errorf("%w: %s changed since the plan was made; run `zonecast plan --out` again", plan.ErrStale, s.cfg.File)
	}
	for origin, d := range f.Zones {
		z, ok := s.desired[origin]
		if !ok || plan.ZoneDigest(z) != d {
			return fmt.Errorf("%w: the zone file of %s changed since the plan was made; run `zonecast plan --out` again", plan.ErrStale, origin)
		}
	}
	return nil
}
