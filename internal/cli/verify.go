package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/zonecast/zonecast/internal/config"
	"github.com/zonecast/zonecast/internal/verify"
	"github.com/zonecast/zonecast/providers"
)

type verifyOptions struct {
	selection
	format  string
	compare bool
	timeout time.Duration
}

func newVerifyCmd(io *streams) *cobra.Command {
	opts := &verifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Ask each provider's servers whether they serve the zone",
		Long: `Query every authoritative server of every provider (its configured
nameservers: names, or address:port for self-hosted and test servers) for
every RRset of the zone as fitted to that provider, UDP with TCP fallback:
each answer must match the zone file and carry the AA bit, and all of one
provider's servers must have the same SOA serial.

With --compare, report instead (without asking any server) the RRsets that
the providers will answer differently after their quirks (types dropped,
TTLs clamped): split answers within one NS set are an outage risk.

EXIT STATUS
  0  every server matches (with --compare: no differences)
  1  an error: bad configuration or zone file, a server that cannot be asked
  2  mismatches (with --compare: differences)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runVerify(cmd.Context(), io, opts) },
	}
	addSelectionFlags(cmd, &opts.selection)
	cmd.Flags().StringVar(&opts.format, "format", "text", "text or json")
	cmd.Flags().BoolVar(&opts.compare, "compare", false, "compare the providers' answers instead of asking servers")
	cmd.Flags().DurationVar(&opts.timeout, "timeout", 2*time.Second, "timeout of one query")
	return cmd
}

func runVerify(ctx context.Context, io *streams, opts *verifyOptions) error {
	if opts.format != "text" && opts.format != "json" {
		return fmt.Errorf("--format %q: want text or json", opts.format)
	}
	s, err := load(io, opts.selection)
	if err != nil {
		return err
	}
	if opts.compare {
		return runCompare(io, s, opts)
	}
	reports := s.verify(ctx, verify.Options{Timeout: opts.timeout})
	if opts.format == "json" {
		enc := json.NewEncoder(io.out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"version": 1, "providers": reports}); err != nil {
			return err
		}
	} else {
		writeVerify(io, reports)
	}
	return verifyExit(reports)
}

// verify asks every target's servers, all providers at once.
func (s *session) verify(ctx context.Context, opts verify.Options) []verify.Provider {
	reports := make([]verify.Provider, len(s.targets))
	var wg sync.WaitGroup
	for i, t := range s.targets {
		wg.Go(func() {
			zc := t.zone
			o := opts
			o.Ignored = func(name string, typ uint16) bool {
				return slices.ContainsFunc(zc.Ignore, func(i config.Ignore) bool { return i.Matches(name, zc.Origin, typ) })
			}
			reports[i] = verify.Run(ctx, s.desired[zc.Origin], t.provider.Name(), t.provider.Capabilities(), o)
		})
	}
	wg.Wait()
	return reports
}

func writeVerify(io *streams, reports []verify.Provider) {
	for _, r := range reports {
		state := "ok"
		if !r.OK() {
			state = "MISMATCH"
		}
		if r.Err != "" {
			fmt.Fprintf(io.out, "%s at %s: ERROR: %s\n", r.Zone, r.Provider, r.Err)
			continue
		}
		if len(r.Servers) == 0 {
			state = "not verified"
		}
		fmt.Fprintf(io.out, "%s at %s: %s\n", r.Zone, r.Provider, state)
		for _, n := range r.Notes {
			fmt.Fprintf(io.out, "  note: %s\n", n)
		}
		if !r.SerialsAgree {
			fmt.Fprintf(io.out, "  SOA serials differ between the servers\n")
		}
		for _, sv := range r.Servers {
			who := sv.Addr
			if sv.Name != "" {
				who = sv.Name + " (" + sv.Addr + ")"
			}
			switch {
			case sv.Err != "":
				fmt.Fprintf(io.out, "  %s: ERROR: %s\n", who, sv.Err)
			case len(sv.Mismatches) == 0:
				fmt.Fprintf(io.out, "  %s: %d RRsets match, serial %d\n", who, sv.Checked, sv.Serial)
			default:
				fmt.Fprintf(io.out, "  %s: %d of %d RRsets differ, serial %d\n", who, len(sv.Mismatches), sv.Checked, sv.Serial)
				for _, m := range sv.Mismatches {
					fmt.Fprintf(io.out, "    %s\n", m)
				}
			}
		}
	}
}

func verifyExit(reports []verify.Provider) error {
	mismatch := false
	for _, r := range reports {
		if r.Errors() {
			return &exitCodeError{exitError}
		}
		mismatch = mismatch || !r.OK()
	}
	if mismatch {
		return &exitCodeError{exitChanges}
	}
	return nil
}

func runCompare(io *streams, s *session, opts *verifyOptions) error {
	var diffs []verify.Difference
	for _, zc := range s.cfg.Zones {
		z, ok := s.desired[zc.Origin]
		if !ok {
			continue
		}
		caps := map[string]providers.Capabilities{}
		for _, t := range s.targets {
			if t.zone.Origin == zc.Origin {
				caps[t.provider.Name()] = t.provider.Capabilities()
			}
		}
		diffs = append(diffs, verify.Compare(z, caps, nil)...)
	}
	if opts.format == "json" {
		enc := json.NewEncoder(io.out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"version": 1, "differences": diffs}); err != nil {
			return err
		}
	} else if len(diffs) == 0 {
		fmt.Fprintln(io.out, "The providers will all answer the same.")
	} else {
		for _, d := range diffs {
			fmt.Fprintf(io.out, "%s %s\n", d.Zone, d)
		}
	}
	if len(diffs) > 0 {
		return &exitCodeError{exitChanges}
	}
	return nil
}
