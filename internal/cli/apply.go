package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/zonecast/zonecast/internal/apply"
	"github.com/zonecast/zonecast/internal/plan"
)

type applyOptions struct {
	selection
	yes bool
}

func newApplyCmd(io *streams) *cobra.Command {
	opts := &applyOptions{}
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Make every provider serve the zone files",
		Long: `Plan as 'zonecast plan' does, show the plan, then apply it to every provider
at once. One provider failing never stops the others. Afterwards each provider
is read again to check that a new plan would be empty.

On a terminal apply asks for confirmation; elsewhere it needs --yes.

EXIT STATUS
  0  every provider applied and converged (or nothing to do)
  1  an error before any change: bad configuration or zone file, no --yes
  3  some providers failed (named on stderr); the others were updated`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runApply(cmd.Context(), io, opts) },
	}
	addSelectionFlags(cmd, &opts.selection)
	cmd.Flags().BoolVarP(&opts.yes, "yes", "y", false, "apply without asking")
	return cmd
}

func runApply(ctx context.Context, io *streams, opts *applyOptions) error {
	s, err := load(io, opts.selection)
	if err != nil {
		return err
	}
	p := s.plan(ctx)
	if err := plan.WriteText(io.out, p, plan.Style{Color: colorOK(io.out)}); err != nil {
		return err
	}
	if p.Changes() == 0 && len(p.Failed()) == 0 {
		return nil
	}
	if p.Changes() > 0 && !opts.yes {
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
	results := apply.Run(ctx, jobs)

	// Read every provider again: apply is done when a new plan is empty.
	again := s.plan(ctx)
	failed := 0
	fmt.Fprintln(io.out)
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
	return nil
}
