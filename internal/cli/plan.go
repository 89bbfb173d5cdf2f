package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"github.com/zonecast/zonecast/internal/config"
	"github.com/zonecast/zonecast/internal/engine"
	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/zones"
)

type planOptions struct {
	selection
	format   string
	exitCode bool
	out      string
	// maxBytes caps the markdown (0: no cap); full is a file for the
	// whole markdown plan, fullLink where readers find it.
	maxBytes int
	full     string
	fullLink string
	strict   bool
	// changedSince: plan only the zones whose files changed since this
	// git ref.
	changedSince string
	fullRead     bool
}

func addSelectionFlags(cmd *cobra.Command, sel *selection) {
	f := cmd.Flags()
	f.StringVar(&sel.config, "config", config.DefaultPath, "the configuration file")
	f.StringSliceVar(&sel.zones, "zone", nil, "only this zone (repeatable)")
	f.StringSliceVar(&sel.providers, "provider", nil, "only this provider (repeatable)")
}

// addFullReadFlag declares --full-read (plan, apply, sync): see
// engine.Engine.FullRead.
func addFullReadFlag(cmd *cobra.Command, fullRead *bool) {
	cmd.Flags().BoolVar(fullRead, "full-read", false, "read every zone in full, ignore change markers (SOA serials, file digests)")
}

func newPlanCmd(ios *streams) *cobra.Command {
	opts := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what apply would change at each provider",
		Long: `Read what every provider serves now, compare it with the zone files and
show the changes RRset by RRset: + create, ~ update (old → new), - delete.
Nothing is changed. Providers are read in parallel.

EXIT STATUS
  0  no changes (or changes, without --exit-code)
  1  an error: a bad configuration or zone file, a provider that cannot be read
  2  changes found (or work pending from an earlier run), with --exit-code
  4  with --exit-code: apply would refuse the plan (safety limit; named in the plan)

With --out FILE the plan is also saved for 'zonecast apply FILE', which applies
exactly these changes, and only if no provider and no zone file changed since.
The file holds no secrets.

With --format markdown (for a pull-request comment) the plan is cut, between
RRsets, to --max-bytes (default 60000; a GitHub comment holds 65,536
characters); a cut plan says per target how much it leaves out. --full FILE
writes the whole markdown plan to FILE as well, and --full-link URL is where
readers find it (the CI run's artifacts); a cut plan names both.

With --strict, a warning about a zone file (the same ones validate shows)
fails the command with status 1 before any provider is read.

With --changed-since REF only the zones whose zone files, or files they
$INCLUDE, changed since the merge base of REF and HEAD are planned (the
working tree against it, untracked files included; a change to the
configuration file plans every zone): the pull-request path of a
repository of many zones. With --out, the saved plan covers those zones.

A run over more zones than limits.zones_at_once (default 64) goes batch by
batch: each batch's zone files are read, planned and released before the
next, after every zone file was checked; past 20 zone × provider pairs the
text plan lists those with changes and counts the others.

With -q the text plan is one line per zone × provider with changes (and one
for a safety refusal), nothing when everything is in sync. With --provider
only the selected providers' secrets are read.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runPlan(cmd.Context(), ios, opts) },
	}
	addSelectionFlags(cmd, &opts.selection)
	cmd.Flags().StringVar(&opts.format, "format", "text", "text, markdown or json")
	cmd.Flags().BoolVar(&opts.exitCode, "exit-code", false, "exit 2 when there are changes")
	cmd.Flags().StringVar(&opts.out, "out", "", "also save the plan to this file, for `zonecast apply FILE`")
	cmd.Flags().IntVar(&opts.maxBytes, "max-bytes", plan.DefaultMaxBytes, "with --format markdown: cut the plan, between RRsets, to this size (0: no cap)")
	cmd.Flags().StringVar(&opts.full, "full", "", "with --format markdown: also write the whole plan, uncapped, to this file")
	cmd.Flags().StringVar(&opts.fullLink, "full-link", "", "with --format markdown: where readers find the whole plan (a URL), named in a cut plan")
	cmd.Flags().BoolVar(&opts.strict, "strict", false, "fail on zone-file warnings too, before reading any provider")
	cmd.Flags().StringVar(&opts.changedSince, "changed-since", "", "plan only the zones whose files (or $INCLUDEs) changed since this git ref's merge base with HEAD")
	addFullReadFlag(cmd, &opts.fullRead)
	return cmd
}

func runPlan(ctx context.Context, ios *streams, opts *planOptions) error {
	if err := checkFormat(opts.format); err != nil {
		return err
	}
	if opts.format != "markdown" && (opts.full != "" || opts.fullLink != "") {
		return fmt.Errorf("--full and --full-link are for --format markdown, not %s", opts.format)
	}
	if opts.maxBytes < 0 {
		return fmt.Errorf("--max-bytes %d: want a size in bytes, or 0 for no cap", opts.maxBytes)
	}
	// A run over many zones plans them batch by batch (see eachBatch):
	// each batch's records are released once it is planned; the plan
	// keeps its changes.
	p := &plan.Plan{}
	var saved *plan.File
	b, err := engine.Open(opts.selection.engine())
	if err != nil {
		return err
	}
	b.FullRead = opts.fullRead
	if opts.changedSince != "" {
		n, err := changedSince(ctx, ios, b, opts.changedSince)
		if err != nil {
			return err
		}
		if n == 0 {
			fmt.Fprintf(ios.out, "No zone file changed since %s: nothing to plan.\n", opts.changedSince)
			if opts.out != "" {
				ios.say(slog.LevelInfo, fmt.Sprintf("No plan saved to %s: there is nothing to apply", opts.out), "file", opts.out)
			}
			return nil
		}
	}
	err = eachBatch(ctx, ios, b, opts.strict, func(e *engine.Engine) error {
		bp := e.Plan(ctx)
		p.Targets = append(p.Targets, bp.Targets...)
		p.Notes = append(p.Notes, bp.Notes...)
		p.Pending = append(p.Pending, bp.Pending...)
		p.Waits = append(p.Waits, bp.Waits...)
		if opts.out != "" && len(bp.Failed()) == 0 {
			f, err := e.SavedPlan(bp, version())
			if err != nil {
				return err
			}
			saved = saved.Join(f)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if ios.quiet && opts.format == "text" {
		writeSummary(ios.out, p)
	} else if err := render(ios, p, opts); err != nil {
		return err
	}
	if opts.out != "" && len(p.Failed()) == 0 {
		if err := saved.Write(opts.out); err != nil {
			return fmt.Errorf("save plan: %w", err)
		}
		ios.say(slog.LevelInfo, fmt.Sprintf("Plan saved to %s; apply it with: zonecast apply %s", opts.out, opts.out), "file", opts.out)
	}
	if failed := p.Failed(); len(failed) > 0 {
		errs := make([]error, len(failed))
		for i, t := range failed {
			errs[i] = t.Err
			ios.say(slog.LevelError, fmt.Sprintf("zonecast: %v", t.Err), "zone", t.Zone, "provider", t.Provider)
		}
		return reported{errors.Join(errs...)}
	}
	if !opts.exitCode {
		return nil
	}
	// What apply would refuse, plan refuses too: review and merge agree.
	if refusals := p.Refusals(); len(refusals) > 0 {
		errs := make([]error, len(refusals))
		for i, r := range refusals {
			errs[i] = r
			ios.say(slog.LevelError, fmt.Sprintf("zonecast: apply would refuse: %v", r))
		}
		return reported{errors.Join(errs...)}
	}
	if p.Changes() > 0 || len(p.Pending) > 0 {
		return reported{errDiffers}
	}
	return nil
}

// writeSummary is the text plan with --quiet: one line per zone × provider
// with changes (and one more when apply would refuse them), one per work
// pending; nothing when everything is in sync. A provider that cannot be
// read is an error, on stderr.
func writeSummary(w io.Writer, p *plan.Plan) {
	for _, t := range p.Targets {
		if t.Err != nil || len(t.Changes) == 0 {
			continue
		}
		c, u, d := t.Counts()
		fmt.Fprintf(w, "%s at %s: %d to create, %d to update, %d to delete\n", t.Zone, t.Provider, c, u, d)
		if t.Refused != nil {
			fmt.Fprintf(w, "%s at %s: REFUSED by the safety limit: apply will not change it: %v\n", t.Zone, t.Provider, t.Refused)
		}
	}
	for _, pd := range p.Pending {
		fmt.Fprintf(w, "PENDING: %s\n", pd)
	}
}

func checkFormat(f string) error {
	switch f {
	case "text", "markdown", "json":
		return nil
	}
	return fmt.Errorf("--format %q: want text, markdown or json", f)
}

func render(ios *streams, p *plan.Plan, opts *planOptions) error {
	switch opts.format {
	case "json":
		return plan.WriteJSON(ios.out, p)
	case "markdown":
		if opts.full != "" {
			var whole bytes.Buffer
			if err := plan.WriteMarkdown(&whole, p, plan.Style{MaxBytes: -1}); err != nil {
				return err
			}
			if err := os.WriteFile(opts.full, whole.Bytes(), 0o644); err != nil {
				return fmt.Errorf("write the whole plan: %w", err)
			}
		}
		st := plan.Style{MaxBytes: opts.maxBytes, FullPlan: fullPlan(opts.full, opts.fullLink)}
		if opts.maxBytes == 0 {
			st.MaxBytes = -1
		}
		return plan.WriteMarkdown(ios.out, p, st)
	}
	return plan.WriteText(ios.out, p, plan.Style{Color: colorOK(ios.out), Every: ios.allPairs})
}

// fullPlan says, in markdown, where the whole plan is: the file --full
// wrote, linked to --full-link when given, or how to make it.
func fullPlan(file, link string) string {
	file, link = zones.EscapeText(file), zones.EscapeText(link)
	switch {
	case file != "" && link != "":
		return fmt.Sprintf("[`%s`](%s)", file, link)
	case file != "":
		return "`" + file + "`"
	case link != "":
		return "<" + link + ">"
	}
	return "`zonecast plan --format markdown --max-bytes 0`"
}

// colorOK: colour only on a terminal, and never when NO_COLOR is set to
// anything but the empty string (https://no-color.org).
func colorOK(w any) bool {
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && isTerminal(f)
}
