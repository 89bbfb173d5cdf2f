// Package providertest is the conformance suite every provider driver runs:
// against the real servers (BIND, Knot), the zone-file target and, later, the
// cloud emulators and live clouds. Each step plans a zone, applies the plan,
// and checks that a fresh plan is empty, so the provider holds exactly the
// desired RRsets.
package providertest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/zonecast/zonecast/internal/apply"
	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// Head is the start of every step's zone: SOA, apex NS and the
// nameserver's address. A provider under test must already serve the zone
// (with any SOA); Run takes it from there.
const Head = `$TTL 300
@ SOA ns1 hostmaster 1 7200 900 1209600 300
@ NS ns1
ns1 A 192.0.2.1
`

// Step is one desired state of the zone.
type Step struct {
	Name string
	Zone string // appended to Head
}

// Steps are the suite's states, in order: creating every kind of record
// the drivers must get right, updating values and TTLs, swapping a CNAME
// and an address, and deleting back to the head.
var Steps = []Step{
	{"create", `
@ A 192.0.2.10
@ TXT "v=spf1 -all"
www A 192.0.2.11
www A 192.0.2.12
www A 192.0.2.13
www AAAA 2001:db8::11
*.wild A 192.0.2.14
txt TXT "quote \" inside" "back\\slash" "semi;colon"
txt TXT "second record"
long TXT "` + strings.Repeat("a", 255) + `" "` + strings.Repeat("b", 200) + `"
mx MX 0 mail
mx MX 10 mail2.example.net.
nullmx MX 0 .
_sip._tcp SRV 10 60 5060 sip1
_sip._tcp SRV 20 40 5061 sip2
sip1 A 192.0.2.21
sip2 A 192.0.2.22
mail A 192.0.2.25
@ CAA 0 issue "letsencrypt.org"
@ CAA 0 iodef "mailto:security@example.net"
alias CNAME www
child NS ns.child
child NS ns.example.net.
child DS 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118
ns.child A 192.0.2.53
ptr PTR host.example.net.
sshfp SSHFP 4 2 ` + strings.Repeat("9f", 32) + `
`},
	{"update values and TTLs", `
@ A 192.0.2.10
@ TXT "v=spf1 mx -all"
www A 192.0.2.11
www A 192.0.2.15
www AAAA 2001:db8::11
*.wild 60 A 192.0.2.14
txt TXT "quote \" inside" "back\\slash" "semi;colon"
long TXT "` + strings.Repeat("c", 255) + `" "` + strings.Repeat("d", 255) + `" "e"
mx MX 5 mail
nullmx MX 0 .
_sip._tcp SRV 10 60 5060 sip1
sip1 A 192.0.2.21
mail 600 A 192.0.2.25
@ CAA 0 issue "letsencrypt.org"
alias A 192.0.2.30
child NS ns.child
ns.child A 192.0.2.54
ptr PTR host.example.net.
`},
	{"add a nameserver to the apex NS set", `
@ NS ns2
ns2 A 192.0.2.2
www A 192.0.2.11
alias A 192.0.2.30
`},
	{"swap an address for a CNAME", `
www A 192.0.2.11
alias CNAME www
`},
	{"delete back to the head", ``},
}

// Run runs every step against p for the zone origin. Each step ends with
// a fresh plan that must be empty.
func Run(t *testing.T, p providers.Provider, origin string) {
	t.Helper()
	for _, st := range Steps {
		t.Run(st.Name, func(t *testing.T) {
			if applied := Converge(t, p, origin, Head+st.Zone); len(applied.Changes) == 0 {
				t.Fatal("the step planned no changes: the suite would prove nothing")
			}
		})
	}
}

// Converge plans text as the zone origin at p, applies the plan and checks
// that a new plan is empty; it returns the plan it applied.
func Converge(t *testing.T, p providers.Provider, origin, text string) plan.Target {
	t.Helper()
	ctx := t.Context()
	desired, diags, err := zones.Parse(strings.NewReader(text), "step.zone", zones.Options{Origin: origin})
	if err != nil || diags.HasErrors() {
		t.Fatalf("bad step zone: %v %v", err, diags.Err())
	}
	first := PlanOf(ctx, t, p, desired)
	res := apply.Run(ctx, []apply.Job{{Target: &first, Provider: p}})[0]
	if res.Err != nil {
		t.Fatalf("apply %d changes: %v (applied %d)", len(first.Changes), res.Err, res.Applied)
	}
	again := PlanOf(ctx, t, p, desired)
	if len(again.Changes) > 0 {
		var b strings.Builder
		plan.WriteText(&b, &plan.Plan{Targets: []*plan.Target{&again}}, plan.Style{})
		t.Fatalf("a plan after apply is not empty:\n%s", b.String())
	}
	return first
}

// PlanOf reads p and plans desired there.
func PlanOf(ctx context.Context, t testing.TB, p providers.Provider, desired *zones.Zone) plan.Target {
	t.Helper()
	current, err := p.Records(ctx, desired.Origin)
	missing := errors.Is(err, providers.ErrZoneNotFound)
	if err != nil && !missing {
		t.Fatalf("read %s at %s: %v", desired.Origin, p.Name(), err)
	}
	return plan.Compute(plan.Input{Desired: desired, Provider: p.Name(), Caps: p.Capabilities(), Current: current, Missing: missing})
}

// BenchZone reads a zone made by ../shared/bench/genzone for a driver
// benchmark: $ZONECAST_BENCH_DIR/<records>/<file> (`make bench` makes them).
// Without ZONECAST_BENCH_DIR the benchmark is skipped.
func BenchZone(b *testing.B, records int, file string) *zones.Zone {
	b.Helper()
	dir := os.Getenv("ZONECAST_BENCH_DIR")
	if dir == "" {
		b.Skip("ZONECAST_BENCH_DIR is not set; run `make bench`")
	}
	z, diags, err := zones.ParseFile(filepath.Join(dir, strconv.Itoa(records), file), zones.Options{})
	if err != nil || diags.HasErrors() {
		b.Fatal(err, diags.Err())
	}
	return z
}

// ReadAll reads every origin at p, four at a time, as a run over many
// zones does, having first told p which zones (providers.ZonePreparer)
// when prepare is set; any error fails tb. For the benchmarks that count a
// cycle's API calls.
func ReadAll(tb testing.TB, ctx context.Context, p providers.Provider, origins []string, prepare bool) {
	tb.Helper()
	if prepare {
		if err := p.(providers.ZonePreparer).PrepareZones(ctx, origins); err != nil {
			tb.Fatal(err)
		}
	}
	var g errgroup.Group
	g.SetLimit(4)
	for _, o := range origins {
		g.Go(func() error {
			_, err := p.Records(ctx, o)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		tb.Fatal(err)
	}
}
