package route53_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zonecast/zonecast/internal/apply"
	emu "github.com/zonecast/zonecast/internal/emulator/route53"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/providers/route53"
	"github.com/zonecast/zonecast/zones"
)

const origin = "example.com."

// hermetic keeps the AWS SDK away from the machine's own configuration and
// from the instance metadata service.
func hermetic(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", dir+"/config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", dir+"/credentials")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func setup(t *testing.T, opts emu.Options) (*emu.Server, string, *route53.Provider) {
	t.Helper()
	hermetic(t)
	s := emu.New(opts)
	t.Cleanup(s.Close)
	zid := s.AddZone(origin)
	p, err := route53.New(t.Context(), "route53", route53.Config{
		AccessKeyID: providers.NewSecret("AKIDTEST"), SecretAccessKey: providers.NewSecret("secret"),
		Endpoint: s.URL, RequestsPerSecond: 1000,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, zid, p
}

func TestConformance(t *testing.T) {
	_, _, p := setup(t, emu.Options{})
	providertest.Run(t, p, origin)
}

// TestAliasAndWeightedProtected: an alias set and weighted sets are never
// overwritten or deleted, and the plan says so.
func TestAliasAndWeightedProtected(t *testing.T) {
	s, zid, p := setup(t, emu.Options{})
	s.AddRRSet(zid, emu.RRSet{Name: "www.example.com.", Type: "A", Alias: &emu.Alias{HostedZoneID: "Z2FDTNDATAQYW2", DNSName: "d111111abcdef8.cloudfront.net."}})
	w1, w2 := int64(10), int64(90)
	s.AddRRSet(zid, emu.RRSet{Name: "api.example.com.", Type: "A", TTL: 60, Values: []string{"192.0.2.1"}, SetIdentifier: "blue", Weight: &w1})
	s.AddRRSet(zid, emu.RRSet{Name: "api.example.com.", Type: "A", TTL: 60, Values: []string{"192.0.2.2"}, SetIdentifier: "green", Weight: &w2})
	applied := providertest.Converge(t, p, origin, providertest.Head+"www A 192.0.2.9\nother A 192.0.2.10\n")
	notes := strings.Join(applied.Notes, "\n")
	for _, want := range []string{"www.example.com. A at route53 is a Route 53 alias set: left alone", "api.example.com. A at route53 is a Route 53 routing-policy set: left alone"} {
		if !strings.Contains(notes, want) {
			t.Errorf("no note %q in:\n%s", want, notes)
		}
	}
	var alias, weighted int
	for _, r := range s.RRSets(zid) {
		switch {
		case r.Alias != nil:
			alias++
		case r.SetIdentifier != "":
			weighted++
		}
	}
	if alias != 1 || weighted != 2 {
		t.Errorf("after apply: %d alias and %d weighted sets, want 1 and 2", alias, weighted)
	}
}

// TestWildcardAndTXT: the wildcard comes back as \052 and still matches
// `*`; TXT with quotes, backslashes and non-ASCII round-trips.
func TestWildcardAndTXT(t *testing.T) {
	_, _, p := setup(t, emu.Options{})
	zone := providertest.Head + "*.wild A 192.0.2.1\nt TXT \"say \\\"hi\\\"\" \"back\\\\slash\" \"caf\\195\\169\"\n"
	providertest.Converge(t, p, origin, zone)
	providertest.Converge(t, p, origin, providertest.Head) // deletes them: the wildcard must match
}

// TestThrottling: Throttling and PriorRequestNotComplete are retried and
// the zone converges.
func TestThrottling(t *testing.T) {
	s, _, p := setup(t, emu.Options{})
	s.Inject(emu.Fault{Op: "ChangeResourceRecordSets", Code: "Throttling", Times: 2})
	s.Inject(emu.Fault{Op: "ListResourceRecordSets", Code: "PriorRequestNotComplete", Times: 1})
	providertest.Converge(t, p, origin, providertest.Head+"www A 192.0.2.1\n")
}

// TestCallBudget: a no-change plan makes only listing calls; an apply of k
// RRsets makes one request per 1,000 records (UPSERT counted twice).
func TestCallBudget(t *testing.T) {
	s, _, p := setup(t, emu.Options{})
	var b strings.Builder
	b.WriteString(providertest.Head)
	for i := range 700 {
		b.WriteString("h" + itoa(i) + " A 192.0.2." + itoa(i%250+1) + "\n")
	}
	s.ResetRequests()
	providertest.Converge(t, p, origin, b.String())
	var lists, changes, other int
	for _, r := range s.Requests() {
		switch r.Op {
		case "ListResourceRecordSets":
			lists++
		case "ChangeResourceRecordSets":
			changes++
		case "ListHostedZonesByName", "GetChange": // one GetChange a batch: INSYNC at once here
		default:
			other++
		}
	}
	// 701 UPSERTs count 1,402 records: 2 batches. Listings: 1 page
	// before, 3 pages of 300 after.
	if changes != 2 || lists != 1+3 || other != 0 {
		t.Errorf("%d change requests, %d list requests, %d other; want 2, 4, 0", changes, lists, other)
	}
	s.ResetRequests()
	providertest.Converge(t, p, origin, b.String())
	for _, r := range s.Requests() {
		if r.Op != "ListResourceRecordSets" {
			t.Errorf("a no-change plan sent %s", r.Op)
		}
	}
}

func TestBadProfileIsAnError(t *testing.T) {
	hermetic(t)
	_, err := route53.New(t.Context(), "r53", route53.Config{Profile: "no-such-profile"})
	if err == nil || !strings.Contains(err.Error(), "no-such-profile") {
		t.Errorf("a missing profile gave %v; want an error naming it (libdns/route53 exits the process)", err)
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// planned is the ordered changes that make the zone text at p.
func planned(t *testing.T, p providers.Provider, text string) []providers.Change {
	t.Helper()
	z, diags, err := zones.Parse(strings.NewReader(text), "desired.zone", zones.Options{Origin: origin})
	if err != nil || diags.HasErrors() {
		t.Fatalf("bad zone: %v %v", err, diags.Err())
	}
	target := providertest.PlanOf(t.Context(), t, p, z)
	return apply.Order(target.Changes)
}

// hosts is the head and n address records h0…h(n-1).
func hosts(n int) string {
	var b strings.Builder
	b.WriteString(providertest.Head)
	for i := range n {
		b.WriteString("h" + itoa(i) + " A 192.0.2." + itoa(i%250+1) + "\n")
	}
	return b.String()
}

// TestProgressPerBatch: the trace is told the count applied after each
// change batch (701 UPSERTs count 1,402 records: batches of 500 and 201).
func TestProgressPerBatch(t *testing.T) {
	_, _, p := setup(t, emu.Options{})
	changes := planned(t, p, hosts(700))
	var reports []int
	ctx := providers.WithTrace(t.Context(), &providers.Trace{Applied: func(done int) { reports = append(reports, done) }})
	if n, err := p.Apply(ctx, origin, changes); err != nil || n != len(changes) {
		t.Fatalf("apply: %d of %d applied, err %v", n, len(changes), err)
	}
	if diff := cmp.Diff([]int{500, 701}, reports); diff != "" {
		t.Errorf("progress reports (-want +got):\n%s", diff)
	}
}

// TestCancelBetweenBatches: a context cancelled during the first change
// batch stops the apply before the second, with that batch's changes
// applied and reported; a context cancelled before Apply sends nothing.
func TestCancelBetweenBatches(t *testing.T) {
	s, zid, p := setup(t, emu.Options{})
	changes := planned(t, p, hosts(700))
	ctx, cancel := context.WithCancel(t.Context())
	ctx = providers.WithTrace(ctx, &providers.Trace{Applied: func(int) { cancel() }})
	s.ResetRequests()
	n, err := p.Apply(ctx, origin, changes)
	if n != 500 || !errors.Is(err, context.Canceled) {
		t.Errorf("apply cancelled after the first batch: %d applied, err %v; want 500, context.Canceled", n, err)
	}
	batches := 0
	for _, r := range s.Requests() {
		if r.Op == "ChangeResourceRecordSets" {
			batches++
		}
	}
	held := 0
	for _, r := range s.RRSets(zid) {
		if r.Type == "A" && strings.HasPrefix(r.Name, "h") {
			held++
		}
	}
	if batches != 1 || held != 500 {
		t.Errorf("%d change batches sent, %d h* sets held; want 1 and 500", batches, held)
	}

	s.ResetRequests()
	if n, err := p.Apply(ctx, origin, changes[500:]); n != 0 || !errors.Is(err, context.Canceled) {
		t.Errorf("apply with a cancelled context: %d applied, err %v; want 0, context.Canceled", n, err)
	}
	if len(s.Requests()) != 0 {
		t.Errorf("apply with a cancelled context sent %d requests", len(s.Requests()))
	}
}

// TestUnreadableValueProtected: a value the driver cannot read (made
// outside zonecast, or a form Route 53 returns that miekg/dns does not
// parse) protects its set with a plan note; the rest of the zone plans and
// converges, and the set is never changed (issue 13: never a failed read).
func TestUnreadableValueProtected(t *testing.T) {
	hermetic(t)
	s := emu.New(emu.Options{})
	t.Cleanup(s.Close)
	zid := s.AddZone(origin)
	odd := emu.RRSet{Name: "odd.example.com.", Type: "SSHFP", TTL: 300, Values: []string{"9 9 not-hex"}}
	s.AddRRSet(zid, odd)
	p := newProvider(t, s, route53.Config{})
	applied := providertest.Converge(t, p, origin, providertest.Head+"www A 192.0.2.1\nodd 300 SSHFP 1 1 0123456789abcdef0123456789abcdef01234567\n")
	want := `odd.example.com. SSHFP at route53 is unreadable by zonecast (SSHFP as Route 53 returns it): left alone`
	if !slices.Contains(applied.Notes, want) {
		t.Errorf("notes %q lack %q", applied.Notes, want)
	}
	for _, r := range s.RRSets(zid) {
		if r.Name == odd.Name && r.Type == odd.Type && !slices.Equal(r.Values, odd.Values) {
			t.Errorf("the unreadable set was changed: %v", r.Values)
		}
	}
}
