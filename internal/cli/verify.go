package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/zonecast/zonecast/internal/audit"
	"github.com/zonecast/zonecast/internal/config"
	"github.com/zonecast/zonecast/internal/engine"
	"github.com/zonecast/zonecast/internal/verify"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

type verifyOptions struct {
	selection
	format    string
	compare   bool
	timeout   time.Duration
	rootHints string
	noParent  bool
	dnssec    bool
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

For each zone whose parent zonecast does not manage (no parent: in its
entry), verify also walks the delegation from the root (--root-hints, or
the IANA root servers) and compares the parent's NS set, and its glue for
nameserver names inside the zone, with the zone's apex NS set as zonecast
serves it (without the nameservers of providers out of service) and the
addresses the zone gives those names. A parent that serves another
delegation, or none, is a mismatch, and verify prints the delegation to ask
the registrar for. A root or parent that cannot be reached, or whose answers
carry no authority (DNS interception), is a warning, not a failure: verify
still works while the Internet is partly down. The delegation is not
checked with --no-parent, --compare or --provider (it is the zone's, not a
provider's); a parent that zonecast manages is planned and corrected by
plan, apply and sync instead.

With --dnssec, every query carries the DO bit and the signed answers are
checked too, per provider and server, as RFC 8901 (model 2: each provider
signs with its own keys) needs them: every server's DNSKEY set holds every
signer's ZSKs (the union of the ZSKs seen at all providers of the zone; a
missing one is named by tag and algorithm); every RRSIG validates against
the union of the DNSKEYs (signatures expired, not yet valid or made with a
key no server publishes are named; an RRset with no valid signature is an
error); a name and an apex type that do not exist are denied with NSEC or
NSEC3 records that prove it and validate. The zone's DS set is asked of
the parent's servers (the parent: provider's nameservers when configured,
else found by walking from the root; not with --no-parent or --provider):
every provider's DNSKEY set must be signed by a key the parent has a DS
for (verify prints the DS records to add), and a DS for a key no provider
publishes is a warning (a signer has left). With --provider, the union is
only the selected providers' keys.

EXIT STATUS
  0  every server matches, and every delegation checked matches (with
     --compare: no differences)
  1  an error: bad configuration, zone file or root hints, a server that
     cannot be asked, or nothing verified (no selected provider has
     nameservers configured)
  2  mismatches: at a provider's servers, or a delegation at a parent that
     differs from the zone's NS set and glue (with --compare: differences);
     with --dnssec also a DNSSEC error: a DNSKEY set that lacks a signer's
     ZSK, an RRset without a valid signature, a denial not proven, a
     provider's DNSKEY set signed by no key the parent has a DS for.
     DNSSEC warnings (a DS for a key nobody publishes, a failing signature
     beside a valid one, a parent not reached) are printed and exit 0`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runVerify(cmd.Context(), ios, opts) },
	}
	addSelectionFlags(cmd, &opts.selection)
	cmd.Flags().StringVar(&opts.format, "format", "text", "text or json")
	cmd.Flags().BoolVar(&opts.compare, "compare", false, "compare the providers' answers instead of asking servers")
	cmd.Flags().DurationVar(&opts.timeout, "timeout", 2*time.Second, "timeout of one query")
	cmd.Flags().StringVar(&opts.rootHints, "root-hints", "", "root hints file (named.root format) for the delegation check; default: the IANA root servers")
	cmd.Flags().BoolVar(&opts.noParent, "no-parent", false, "do not check the delegations at the parents")
	cmd.Flags().BoolVar(&opts.dnssec, "dnssec", false, "check the signed answers too: DNSKEY sets of every signer, signatures, denial of existence, the parent's DS set")
	return cmd
}

func runVerify(ctx context.Context, ios *streams, opts *verifyOptions) error {
	if opts.format != "text" && opts.format != "json" {
		return fmt.Errorf("--format %q: want text or json", opts.format)
	}
	var roots []string
	if opts.rootHints != "" && !opts.compare && !opts.noParent {
		var err error
		if roots, err = audit.ReadRootHints(opts.rootHints); err != nil {
			return fmt.Errorf("--root-hints: %w", err)
		}
	}
	s, err := load(ios, opts.selection.engine())
	if err != nil {
		return err
	}
	if opts.compare {
		return runCompare(ios, s, opts)
	}
	// The providers' servers and the parents are asked at the same time:
	// a dark root costs verify no more than its budget.
	var reports []verify.Provider
	var delegations []verify.Delegation
	var wg sync.WaitGroup
	var dsChecks []verify.DSCheck
	wg.Go(func() {
		reports = s.Verify(ctx, verify.Options{Timeout: opts.timeout, DNSSEC: opts.dnssec})
		if !opts.dnssec {
			return
		}
		if !opts.noParent && len(opts.providers) == 0 {
			dsChecks = checkDS(ctx, s, reports, roots, opts.timeout)
		}
	})
	if !opts.noParent && len(opts.providers) == 0 {
		wg.Go(func() { delegations = checkParents(ctx, s, roots, opts.timeout) })
	}
	wg.Wait()
	if opts.format == "json" {
		if err := verify.WriteReport(ios.out, verify.Report{Providers: reports, Delegations: delegations, DS: dsChecks}); err != nil {
			return err
		}
	} else {
		writeVerify(ios, reports)
		writeDelegations(ios, delegations)
		writeDS(ios, dsChecks)
	}
	for _, d := range delegations {
		if !d.Checked {
			ios.say(slog.LevelWarn, fmt.Sprintf("zonecast: warning: the delegation of %s was not checked: %s (--no-parent skips the check)", d.Zone, d.Err), "zone", d.Zone)
		}
	}
	for _, d := range dsChecks {
		if !d.Checked {
			ios.say(slog.LevelWarn, fmt.Sprintf("zonecast: warning: the DS set of %s was not checked: %s (--no-parent skips the check)", d.Zone, d.Err), "zone", d.Zone)
		}
	}
	if err := verifyExit(ios, reports, delegations); err != nil {
		return err
	}
	if slices.ContainsFunc(dsChecks, func(d verify.DSCheck) bool { return d.Errors() }) {
		return reported{errDiffers}
	}
	return nil
}

// checkDS checks, all at once, the DS set of every loaded zone at its
// parent (verify.CheckDS): asked of the parent: provider's nameservers
// when the zone has one, else found by walking from roots.
func checkDS(ctx context.Context, s *engine.Engine, reports []verify.Provider, roots []string, timeout time.Duration) []verify.DSCheck {
	var zcs []config.Zone
	for _, zc := range s.Config.Zones {
		if _, ok := s.Desired[zc.Origin]; ok {
			zcs = append(zcs, zc)
		}
	}
	out := make([]verify.DSCheck, len(zcs))
	var wg sync.WaitGroup
	for i, zc := range zcs {
		o := verify.DSOptions{Roots: roots, Timeout: timeout}
		if zc.Parent != nil {
			if p, ok := s.Config.Providers[zc.Parent.Provider]; ok {
				o.Parent, o.ParentZone, o.Source = p.Capabilities().Nameservers, zc.Parent.Zone, "parent provider "+zc.Parent.Provider
			}
		}
		wg.Go(func() { out[i] = verify.CheckDS(ctx, s.Desired[zc.Origin], reports, o) })
	}
	wg.Wait()
	return out
}

func writeDS(ios *streams, checks []verify.DSCheck) {
	for _, c := range checks {
		at := "DS"
		if c.Parent != "" {
			at += " at " + c.Parent
		}
		at += " (" + c.Source + ")"
		switch {
		case !c.Checked:
			fmt.Fprintf(ios.out, "%s %s: not checked: %s\n", c.Zone, at, c.Err)
			continue
		case len(c.Problems) == 0:
			fmt.Fprintf(ios.out, "%s %s: ok (%d DS, every signer's DNSKEY set signed by a key they name)\n", c.Zone, at, len(c.DS))
			continue
		case c.Errors():
			fmt.Fprintf(ios.out, "%s %s: MISMATCH\n", c.Zone, at)
		default:
			fmt.Fprintf(ios.out, "%s %s: ok, with warnings\n", c.Zone, at)
		}
		for _, d := range c.DS {
			fmt.Fprintf(ios.out, "  has %s\n", d)
		}
		for _, p := range c.Problems {
			fmt.Fprintf(ios.out, "  %s\n", p)
		}
		if len(c.Add) > 0 {
			fmt.Fprintf(ios.out, "  ask the registrar of %s (or the operator of %s) to add:\n", c.Zone, cmp.Or(c.Parent, "the parent"))
			for _, l := range c.Add {
				fmt.Fprintf(ios.out, "    %s\n", l)
			}
		}
	}
}

// writeDNSSEC prints what a server's signed answers showed, under its line.
func writeDNSSEC(ios *streams, d *verify.DNSSEC) {
	if d == nil {
		return
	}
	var keys []string
	for _, k := range d.Keys {
		keys = append(keys, k.String())
	}
	state := "ok"
	if d.Errors() {
		state = "ERRORS"
	} else if len(d.Problems) > 0 {
		state = "ok, with warnings"
	}
	fmt.Fprintf(ios.out, "    dnssec: %s: %d RRsets' signatures checked; DNSKEY set: %s\n", state, d.Checked, cmp.Or(strings.Join(keys, ", "), "none"))
	for _, p := range d.Problems {
		fmt.Fprintf(ios.out, "      %s\n", p)
	}
}

// checkParents checks, all at once, the delegation of every loaded zone
// whose parent zonecast does not manage (verify.CheckParent), in the order
// of the configuration.
func checkParents(ctx context.Context, s *engine.Engine, roots []string, timeout time.Duration) []verify.Delegation {
	names := map[string]string{}
	for _, p := range s.Config.ProviderOrder {
		for _, ns := range s.Config.Providers[p].Capabilities().Nameservers {
			if ns.Name != "" {
				names[zones.CanonicalName(ns.Name)] = p
			}
		}
	}
	var zcs []config.Zone
	for _, zc := range s.Config.Zones {
		if _, ok := s.Desired[zc.Origin]; ok && zc.Parent == nil {
			zcs = append(zcs, zc)
		}
	}
	out := make([]verify.Delegation, len(zcs))
	var wg sync.WaitGroup
	for i, zc := range zcs {
		var dropped []string
		for _, p := range zc.Providers {
			if s.State.IsDropped(p, zc.Origin) {
				dropped = append(dropped, p)
			}
		}
		wg.Go(func() {
			out[i] = verify.CheckParent(ctx, s.Desired[zc.Origin], verify.ParentOptions{Roots: roots, Timeout: timeout, Providers: names, Dropped: dropped})
		})
	}
	wg.Wait()
	return out
}

func writeDelegations(ios *streams, delegations []verify.Delegation) {
	for _, d := range delegations {
		at := "delegation"
		if d.Parent != "" {
			at += " at " + d.Parent
		}
		switch {
		case !d.Checked:
			fmt.Fprintf(ios.out, "%s %s: not checked: %s\n", d.Zone, at, d.Err)
		case d.OK():
			fmt.Fprintf(ios.out, "%s %s: ok (NS %s)\n", d.Zone, at, strings.Join(d.Got.NS, " "))
		default:
			fmt.Fprintf(ios.out, "%s %s: MISMATCH\n", d.Zone, at)
			for _, p := range d.Problems {
				fmt.Fprintf(ios.out, "  %s\n", p)
			}
			fmt.Fprintf(ios.out, "  ask the registrar of %s (or the operator of %s) for exactly this delegation:\n", d.Zone, cmp.Or(d.Parent, "the parent"))
			for _, l := range d.Registrar {
				fmt.Fprintf(ios.out, "    %s\n", l)
			}
		}
	}
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
				writeDNSSEC(ios, sv.DNSSEC)
			default:
				fmt.Fprintf(ios.out, "  %s: %d of %d RRsets differ, serial %d\n", who, len(sv.Mismatches), sv.Checked, sv.Serial)
				for _, m := range sv.Mismatches {
					fmt.Fprintf(ios.out, "    %s\n", m)
				}
				writeDNSSEC(ios, sv.DNSSEC)
			}
		}
	}
}

func verifyExit(ios *streams, reports []verify.Provider, delegations []verify.Delegation) error {
	mismatch := slices.ContainsFunc(delegations, func(d verify.Delegation) bool { return d.Mismatch() })
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
		ios.say(slog.LevelError, fmt.Sprintf("zonecast: %v", err))
		return reported{err}
	}
	if len(unverified) > 0 {
		ios.say(slog.LevelWarn, fmt.Sprintf("zonecast: warning: not verified (no nameservers configured): %s", strings.Join(unverified, ", ")))
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
