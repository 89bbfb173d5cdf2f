package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zonecast/zonecast/internal/engine"
	"github.com/zonecast/zonecast/internal/verify"
	"github.com/zonecast/zonecast/providers"
)

type verifyOptions struct {
	selection
	format  string
	compare bool
	timeout time.Duration
}

func newVerifyCmd(ios *streams) *cobra.Command {
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
  1  an error: bad configuration or zone file, a server that cannot be asked,
     or nothing verified (no selected provider has nameservers configured)
  2  mismatches (with --compare: differences)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runVerify(cmd.Context(), ios, opts) },
	}
	addSelectionFlags(cmd, &opts.selection)
	cmd.Flags().StringVar(&opts.format, "format", "text", "text or json")
	cmd.Flags().BoolVar(&opts.compare, "compare", false, "compare the providers' answers instead of asking servers")
	cmd.Flags().DurationVar(&opts.timeout, "timeout", 2*time.Second, "timeout of one query")
	return cmd
}

func runVerify(ctx context.Context, ios *streams, opts *verifyOptions) error {
	if opts.format != "text" && opts.format != "json" {
		return fmt.Errorf("--format %q: want text or json", opts.format)
	}
	s, err := load(ios, opts.selection.engine())
	if err != nil {
		return err
	}
	if opts.compare {
		return runCompare(ios, s, opts)
	}
	reports := s.Verify(ctx, verify.Options{Timeout: opts.timeout})
	if opts.format == "json" {
		if err := verify.WriteJSON(ios.out, reports); err != nil {
			return err
		}
	} else {
		writeVerify(ios, reports)
	}
	return verifyExit(ios, reports)
}

func writeVerify(ios *streams, reports []verify.Provider) {
	for _, r := range reports {
		state := "ok"
		if !r.OK() {
			state = "MISMATCH"
		}
		if r.Err != "" {
			fmt.Fprintf(ios.out, "%s at %s: ERROR: %s\n", r.Zone, r.Provider, r.Err)
			continue
		}
		if len(r.Servers) == 0 {
			state = "not verified"
		}
		fmt.Fprintf(ios.out, "%s at %s: %s\n", r.Zone, r.Provider, state)
		for _, n := range r.Notes {
			fmt.Fprintf(ios.out, "  note: %s\n", n)
		}
		if !r.SerialsAgree {
			fmt.Fprintf(ios.out, "  SOA serials differ between the servers\n")
		}
		for _, sv := range r.Servers {
			who := sv.Addr
			if sv.Name != "" {
				who = sv.Name + " (" + sv.Addr + ")"
			}
			switch {
			case sv.Err != "":
				fmt.Fprintf(ios.out, "  %s: ERROR: %s\n", who, sv.Err)
			case len(sv.Mismatches) == 0:
				fmt.Fprintf(ios.out, "  %s: %d RRsets match, serial %d\n", who, sv.Checked, sv.Serial)
			default:
				fmt.Fprintf(ios.out, "  %s: %d of %d RRsets differ, serial %d\n", who, len(sv.Mismatches), sv.Checked, sv.Serial)
				for _, m := range sv.Mismatches {
					fmt.Fprintf(ios.out, "    %s\n", m)
				}
			}
		}
	}
}

func verifyExit(ios *streams, reports []verify.Provider) error {
	mismatch := false
	var unverified []string
	for _, r := range reports {
		if r.Errors() {
			return reported{errors.New("servers could not be asked")}
		}
		mismatch = mismatch || !r.OK()
		if len(r.Servers) == 0 && r.Err == "" {
			unverified = append(unverified, r.Provider)
		}
	}
	if len(unverified) == len(reports) {
		// Nothing was asked: saying "ok" would be a lie.
		err := fmt.Errorf("%w: no selected provider has nameservers configured; add `nameservers:` (names, or address:port) to %s in the configuration", engine.ErrNothingVerified, strings.Join(unverified, ", "))
		fmt.Fprintf(ios.err, "zonecast: %v\n", err)
		return reported{err}
	}
	if len(unverified) > 0 {
		fmt.Fprintf(ios.err, "zonecast: warning: not verified (no nameservers configured): %s\n", strings.Join(unverified, ", "))
	}
	if mismatch {
		return reported{errDiffers}
	}
	return nil
}

func runCompare(ios *streams, s *engine.Engine, opts *verifyOptions) error {
	var diffs []verify.Difference
	for _, zc := range s.Config.Zones {
		z, ok := s.Desired[zc.Origin]
		if !ok {
			continue
		}
		caps := map[string]providers.Capabilities{}
		for _, t := range s.Targets {
			if t.Zone.Origin == zc.Origin {
				caps[t.Provider.Name()] = t.Provider.Capabilities()
			}
		}
		diffs = append(diffs, verify.Compare(z, caps, nil)...)
	}
	if opts.format == "json" {
		enc := json.NewEncoder(ios.out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"version": 1, "differences": diffs}); err != nil {
			return err
		}
	} else if len(diffs) == 0 {
		fmt.Fprintln(ios.out, "The providers will all answer the same.")
	} else {
		for _, d := range diffs {
			fmt.Fprintf(ios.out, "%s %s\n", d.Zone, d)
		}
	}
	if len(diffs) > 0 {
		return reported{errDiffers}
	}
	return nil
}
