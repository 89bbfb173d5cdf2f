package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/zonecast/zonecast/internal/apply"
	"github.com/zonecast/zonecast/internal/engine"
	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/internal/verify"
	"github.com/zonecast/zonecast/providers"
)

type applyOptions struct {
	selection
	planFile      string
	yes           bool
	force         bool
	verify        bool
	verifyTimeout time.Duration
	changedSince  string
	fullRead      bool
}

func newApplyCmd(ios *streams) *cobra.Command {
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
elsewhere (stdin /dev/null, a file, a pipe: never read for an answer) it needs
--yes. With -q it prints one line per zone × provider result. SIGINT or
SIGTERM stops between messages and reports what was applied; running apply
again converges.

EXIT STATUS
  0  every provider applied and converged (or nothing to do)
  1  an error before any change: bad configuration, zone file or plan file, no --yes, a lock held
  3  some providers failed or were interrupted (named); the others were updated
  4  refused by a safety check; nothing was changed
  5  the saved plan is stale; nothing was changed

With --changed-since REF only the zones whose files changed since the merge
base of REF and HEAD are applied (see plan). Over more zones than
limits.zones_at_once, apply goes batch by batch, each batch checked and
applied as a run of its own; a batch refused, stale or not converged stops
the run before the next (the earlier ones stay applied, and are named).
Such a run needs --yes or a plan file.

With --verify, after applying, every provider's servers are asked (as
'zonecast verify' does) until they serve the zone or --verify-timeout passes
(then exit 3).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.planFile = args[0]
			}
			return runApply(cmd.Context(), ios, opts)
		},
	}
	addSelectionFlags(cmd, &opts.selection)
	addFullReadFlag(cmd, &opts.fullRead)
	cmd.Flags().BoolVarP(&opts.yes, "yes", "y", false, "apply a fresh plan without asking")
	cmd.Flags().BoolVar(&opts.force, "force", false, "apply even what the safety checks refuse")
	cmd.Flags().BoolVar(&opts.verify, "verify", false, "afterwards, ask every provider's servers until they serve the zone (see verify)")
	cmd.Flags().DurationVar(&opts.verifyTimeout, "verify-timeout", time.Minute, "how long --verify waits for the servers")
	cmd.Flags().StringVar(&opts.changedSince, "changed-since", "", "apply only the zones whose files (or $INCLUDEs) changed since this git ref's merge base with HEAD")
	return cmd
}

func runApply(ctx context.Context, ios *streams, opts *applyOptions) error {
	pol := engine.Policy{Force: opts.force, Verify: opts.verify, VerifyWait: opts.verifyTimeout}
	sel := opts.selection.engine()
	if opts.planFile != "" {
		f, err := plan.Read(opts.planFile)
		if err != nil {
			return err
		}
		if f.Zonecast != version() {
			// Another version may plan differently: its changes would
			// look edited.
			return fmt.Errorf("%w: %s was made by zonecast %s, this is %s; run `zonecast plan --out` again with this version",
				plan.ErrStale, opts.planFile, f.Zonecast, version())
		}
		pol.Saved = f
		if sel, err = sel.ForSaved(f); err != nil {
			return err
		}
	}
	b, err := engine.Open(sel)
	if err != nil {
		return err
	}
	b.FullRead = opts.fullRead
	if opts.changedSince != "" {
		if pol.Saved != nil {
			return errors.New("--changed-since does not go with a plan file: the plan says what it covers")
		}
		n, err := changedSince(ctx, ios, b, opts.changedSince)
		if err != nil {
			return err
		}
		if n == 0 {
			fmt.Fprintf(ios.out, "No zone file changed since %s: nothing to apply.\n", opts.changedSince)
			return nil
		}
	}
	batches := len(b.Batches())
	if batches == 1 {
		e, err := loadFrom(ios, b)
		if err != nil {
			return err
		}
		return applyEngine(ctx, ios, opts, e, pol, nil)
	}
	// Over more zones than limits.zones_at_once, apply goes batch by
	// batch (see eachBatch): each batch is planned, checked and applied as
	// a run over those zones alone, and a batch that is refused, stale or
	// not in sync stops the run before the next. Nobody confirms ten
	// thousand zones at a prompt.
	if !opts.yes && pol.Saved == nil {
		return fmt.Errorf("apply over %d zones goes in %d batches of limits.zones_at_once and asks no confirmation: pass --yes, or review `zonecast plan --out FILE` and run `zonecast apply FILE`", len(b.Origins), batches)
	}
	saved := pol.Saved
	n, quiet := 0, 0
	defer func() {
		if quiet > 0 {
			fmt.Fprintf(ios.out, "%d other zone × provider pairs: nothing to do; in sync\n", quiet)
		}
	}()
	err = eachBatch(ctx, ios, b, false, func(e *engine.Engine) error {
		bp := pol
		if saved != nil {
			bp.Saved = e.Subset(saved)
		}
		n++
		if err := applyEngine(ctx, ios, opts, e, bp, &quiet); err != nil {
			ios.say(slog.LevelError, fmt.Sprintf("zonecast: stopped at batch %d of %d (%s … %s); the zones of the batches after it were not applied", n, batches, e.Origins()[0], e.Origins()[len(e.Origins())-1]))
			return err
		}
		return nil
	})
	return err
}

// applyEngine applies a run over the zones of e (one batch) with pol, and
// reports it. With tally (a batch of many) it writes only the pairs with
// something to say, and counts the others in tally.
func applyEngine(ctx context.Context, ios *streams, opts *applyOptions, e *engine.Engine, pol engine.Policy, tally *int) error {
	confirm := !opts.yes && pol.Saved == nil
	pol.Review = func(p *plan.Plan) error {
		// With --quiet the plan is shown only to be confirmed, and then
		// as its summary.
		switch {
		case !ios.quiet:
			if err := plan.WriteText(ios.out, p, plan.Style{Color: colorOK(ios.out), Part: tally != nil, Every: ios.allPairs}); err != nil {
				return err
			}
		case confirm && p.Changes() > 0:
			writeSummary(ios.out, p)
		}
		for _, t := range p.Targets {
			if t.Restore() && len(t.Changes) > 0 {
				ios.say(slog.LevelWarn, fmt.Sprintf("zonecast: RESTORE: %s serves nothing of %s: all %d changes will be applied to restore it", t.Provider, t.Zone, len(t.Changes)),
					"zone", t.Zone, "provider", t.Provider, "changes", len(t.Changes))
			}
		}
		if p.Changes() == 0 || !confirm {
			return nil
		}
		// Only a person answers: stdin that is /dev/null, a file or a
		// pipe is never read for a "yes".
		if !isTerminal(ios.in) {
			return errors.New("stdin is not a terminal, so apply cannot ask for confirmation: pass --yes to apply")
		}
		// The question is for the person at the terminal, whatever the
		// log format.
		fmt.Fprintf(ios.raw, "Apply %d changes? [y/N] ", p.Changes())
		line, _ := bufio.NewReader(ios.in).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			return errors.New("not applied")
		}
		return nil
	}
	if !confirm {
		// Nobody confirms: a provider that is slow to read holds no other.
		pol.SlowReadWait = e.Config.Limits.SlowReadWait
		if !ios.quiet {
			pol.Late = func(t *plan.Target) {
				fmt.Fprintln(ios.out)
				plan.WriteText(ios.out, &plan.Plan{Targets: []*plan.Target{t}}, plan.Style{Color: colorOK(ios.out)})
			}
		}
	}
	prog := newProgress(ctx, ios)
	pol.Progress = prog.update
	rep, err := e.Run(ctx, pol)
	prog.stop()
	if rep == nil || !rep.Applied {
		// Nothing was changed: a lock held, a stale plan, a refusal, no
		// confirmation.
		if rep != nil {
			var refusals []error
			for _, t := range rep.Targets {
				if t.Refused {
					refusals = append(refusals, t.Planned.Refused)
				}
			}
			if len(refusals) > 0 && err != nil {
				for _, r := range refusals {
					ios.say(slog.LevelError, fmt.Sprintf("zonecast: %v", r))
				}
				ios.say(slog.LevelError, "zonecast: nothing was changed")
				return reported{err}
			}
		}
		return err
	}
	p := rep.Plan
	// Nothing done: the plan said so. With --quiet the plan was not
	// shown: the result lines say it.
	nothing := p.Changes() == 0 && len(p.Failed()) == 0 && len(rep.Finished) == 0 && len(rep.Pending) == 0
	switch {
	case ios.quiet || !nothing:
		writeRun(ios, rep, tally)
	case tally != nil:
		*tally += len(rep.Targets)
	}
	if err != nil {
		switch {
		case rep.Interrupted:
			ios.say(slog.LevelError, "zonecast: interrupted; run apply again to converge")
		case rep.Verified != nil && !served(rep.Verified):
			writeVerify(ios, rep.Verified)
			ios.say(slog.LevelError, fmt.Sprintf("zonecast: not every server serves the zone after %s", opts.verifyTimeout))
		default:
			failed := 0
			for _, t := range rep.Targets {
				if !t.OK() {
					failed++
				}
			}
			ios.say(slog.LevelError, fmt.Sprintf("zonecast: %d of %d zone × provider pairs did not converge (or have work pending); run apply again once the cause is fixed", failed, len(rep.Targets)))
		}
		return reported{err}
	}
	if opts.verify {
		fmt.Fprintf(ios.out, "verified: every provider's servers serve the zone (%.1fs)\n", rep.VerifyTook.Seconds())
	}
	return nil
}

// writeRun shows what a run applied, per zone × provider, and the work
// finished or still pending.
func writeRun(ios *streams, rep *engine.Report, tally *int) {
	if !ios.quiet && tally == nil {
		fmt.Fprintln(ios.out)
	}
	// Over many zones, those in sync with nothing to do are counted.
	brief := (len(rep.Targets) > plan.BriefAfter || tally != nil) && !ios.allPairs
	quiet := 0
	for _, t := range rep.Targets {
		r := t.Result
		if brief && !rep.Interrupted && r.Status == apply.Unchanged && t.Problem() == "" {
			quiet++
			continue
		}
		if rep.Interrupted {
			what := fmt.Sprintf("%s (%d of %d changes applied)", r.Status, r.Applied, r.Total)
			switch {
			case r.Status == apply.Applied:
				what += "; interrupted before the re-read: not known to have converged"
			case r.Applied == 0:
				what = fmt.Sprintf("interrupted before any change (0 of %d applied)", r.Total)
			}
			fmt.Fprintf(ios.out, "%s at %s: %s\n", t.Zone, t.Provider, what)
			continue
		}
		status := r.Status.String()
		var re *providers.ReloadError
		reloadFailed := errors.As(r.Err, &re)
		if reloadFailed {
			// Every change was written; only the server has not loaded it.
			status = "written, not reloaded"
		}
		line := fmt.Sprintf("%s at %s: %s", t.Zone, t.Provider, status)
		if r.Status == apply.Applied || r.Status == apply.Failed {
			line += fmt.Sprintf(" (%d of %d changes)", r.Applied, r.Total)
		}
		if p := t.Problem(); p != "" {
			line += ": " + p
			if reloadFailed {
				line += " (recorded: the next apply or sync reloads it)"
			}
		} else {
			line += "; converged"
		}
		fmt.Fprintln(ios.out, line)
	}
	if tally != nil {
		*tally += quiet
	} else if quiet > 0 {
		fmt.Fprintf(ios.out, "%d other zone × provider pairs: nothing to do; in sync\n", quiet)
	}
	for _, pd := range rep.Finished {
		fmt.Fprintf(ios.out, "done: %s %s at %s (pending from an earlier run)\n", pd.Kind, pd.Zone, pd.Provider)
	}
	for _, pd := range rep.Pending {
		fmt.Fprintf(ios.out, "PENDING: %s\n", pd)
	}
}

// served reports whether every server of every provider served the zone.
func served(reports []verify.Provider) bool {
	for _, r := range reports {
		if !r.OK() {
			return false
		}
	}
	return true
}
