package route53_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/zonecast/zonecast/internal/emulator/route53"
)

// hermetic keeps the AWS SDK away from the developer's configuration,
// credentials, endpoints and the instance metadata service.
func hermetic(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"config", "credentials"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, v := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ROUTE_53", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_CA_BUNDLE"} {
		t.Setenv(v, "")
	}
}

// newClient returns an SDK client for s. Its retryer is the SDK's standard
// one (which codes it retries is what the tests check) with backoff capped
// at 20 ms instead of 20 s.
func newClient(t *testing.T, s *route53.Server, maxAttempts int) *r53.Client {
	t.Helper()
	hermetic(t)
	cfg, err := config.LoadDefaultConfig(t.Context(),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDEMULATOR", "emulator-secret", "")),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = maxAttempts
				o.MaxBackoff = 20 * time.Millisecond
			})
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	return r53.NewFromConfig(cfg, func(o *r53.Options) { o.BaseEndpoint = aws.String(s.URL) })
}

func start(t *testing.T, opts route53.Options) *route53.Server {
	t.Helper()
	s := route53.New(opts)
	t.Cleanup(s.Close)
	return s
}

// set is a short form of an RRSet for comparisons.
type set struct {
	Name, Type string
	TTL        int64
	Values     []string
	ID         string
}

func short(rs []route53.RRSet) []set {
	var out []set
	for _, r := range rs {
		out = append(out, set{r.Name, r.Type, r.TTL, r.Values, r.SetIdentifier})
	}
	return out
}

func shortWire(rs []types.ResourceRecordSet) []set {
	var out []set
	for _, r := range rs {
		s := set{Name: aws.ToString(r.Name), Type: string(r.Type), ID: aws.ToString(r.SetIdentifier)}
		s.TTL = aws.ToInt64(r.TTL)
		for _, v := range r.ResourceRecords {
			s.Values = append(s.Values, aws.ToString(v.Value))
		}
		out = append(out, s)
	}
	return out
}

func rrs(vals ...string) []types.ResourceRecord {
	var out []types.ResourceRecord
	for _, v := range vals {
		out = append(out, types.ResourceRecord{Value: aws.String(v)})
	}
	return out
}

func chg(action types.ChangeAction, name string, typ types.RRType, ttl int64, vals ...string) types.Change {
	return types.Change{Action: action, ResourceRecordSet: &types.ResourceRecordSet{
		Name: aws.String(name), Type: typ, TTL: aws.Int64(ttl), ResourceRecords: rrs(vals...),
	}}
}

func change(ctx context.Context, c *r53.Client, zoneID string, changes ...types.Change) (*r53.ChangeResourceRecordSetsOutput, error) {
	return c.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(zoneID),
		ChangeBatch:  &types.ChangeBatch{Changes: changes},
	})
}

// listAll lists every set of the zone through the SDK paginator and
// returns the sets and the number of pages.
func listAll(t *testing.T, c *r53.Client, zoneID string, maxItems int32) ([]types.ResourceRecordSet, int) {
	t.Helper()
	p := r53.NewListResourceRecordSetsPaginator(c, &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zoneID), MaxItems: aws.Int32(maxItems)})
	var all []types.ResourceRecordSet
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, out.ResourceRecordSets...)
	}
	return all, pages
}

func TestAddZoneSeedsApex(t *testing.T) {
	s := start(t, route53.Options{})
	id := s.AddZone("Example.COM")
	if !regexp.MustCompile(`^Z[0-9A-Z]{13,}$`).MatchString(id) {
		t.Errorf("zone id %q does not look like a Route 53 id", id)
	}
	got := s.RRSets(id)
	if len(got) != 2 {
		t.Fatalf("seeded sets = %v, want NS and SOA", short(got))
	}
	ns, soa := got[0], got[1]
	if ns.Name != "example.com." || ns.Type != "NS" || ns.TTL != 172800 || len(ns.Values) != 4 {
		t.Errorf("NS = %+v", ns)
	}
	for i, tld := range []string{"com.", "net.", "org.", "co.uk."} {
		if !regexp.MustCompile(`^ns-\d+\.awsdns-\d\d\.` + regexp.QuoteMeta(tld) + `$`).MatchString(ns.Values[i]) {
			t.Errorf("NS value %q is not an awsdns server under %s", ns.Values[i], tld)
		}
	}
	if soa.Type != "SOA" || soa.TTL != 900 || !strings.HasSuffix(soa.Values[0], " awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400") {
		t.Errorf("SOA = %+v", soa)
	}
}

func TestListHostedZonesByName(t *testing.T) {
	s := start(t, route53.Options{})
	c := newClient(t, s, 3)
	idOrg := s.AddZone("b.example.org")
	idCom := s.AddZone("example.com.")
	idSub := s.AddZone("a.example.com")

	out, err := c.ListHostedZonesByName(t.Context(), &r53.ListHostedZonesByNameInput{DNSName: aws.String("EXAMPLE.com"), MaxItems: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.HostedZones) != 1 {
		t.Fatalf("got %d zones, want 1", len(out.HostedZones))
	}
	z := out.HostedZones[0]
	if aws.ToString(z.Id) != "/hostedzone/"+idCom || aws.ToString(z.Name) != "example.com." || aws.ToInt64(z.ResourceRecordSetCount) != 2 || z.Config == nil || z.Config.PrivateZone {
		t.Errorf("zone = %+v", z)
	}
	if !out.IsTruncated || aws.ToString(out.NextDNSName) != "a.example.com." || aws.ToString(out.NextHostedZoneId) != idSub || aws.ToInt32(out.MaxItems) != 1 {
		t.Errorf("IsTruncated=%v NextDNSName=%q NextHostedZoneId=%q MaxItems=%d", out.IsTruncated, aws.ToString(out.NextDNSName), aws.ToString(out.NextHostedZoneId), aws.ToInt32(out.MaxItems))
	}

	// All zones, in reversed-label order.
	all, err := c.ListHostedZonesByName(t.Context(), &r53.ListHostedZonesByNameInput{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, z := range all.HostedZones {
		ids = append(ids, strings.TrimPrefix(aws.ToString(z.Id), "/hostedzone/"))
	}
	if diff := cmp.Diff([]string{idCom, idSub, idOrg}, ids); diff != "" {
		t.Errorf("zone order (-want +got):\n%s", diff)
	}
	if all.IsTruncated {
		t.Error("listing of all zones is truncated")
	}

	// GetHostedZone as a bonus: the delegation set is the apex NS set.
	gz, err := c.GetHostedZone(t.Context(), &r53.GetHostedZoneInput{Id: aws.String(idCom)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s.RRSets(idCom)[0].Values, gz.DelegationSet.NameServers); diff != "" {
		t.Errorf("delegation set (-NS set +got):\n%s", diff)
	}
}

func TestListResourceRecordSetsOrderAndPaging(t *testing.T) {
	s := start(t, route53.Options{PageSize: 7})
	c := newClient(t, s, 3)
	id := s.AddZone("example.com")
	for _, n := range []string{"z", "b", "a.b", "A", "*", "_dmarc", "b-c", "0"} {
		s.AddRRSet(id, route53.RRSet{Name: n + ".example.com", Type: "TXT", TTL: 300, Values: []string{`"x"`}})
	}
	s.AddRRSet(id, route53.RRSet{Name: "b.example.com.", Type: "A", TTL: 60, Values: []string{"192.0.2.1"}})
	for i := range 4 {
		w := int64(i)
		s.AddRRSet(id, route53.RRSet{Name: "w.example.com.", Type: "A", TTL: 60, Values: []string{fmt.Sprintf("192.0.2.%d", 10+i)}, SetIdentifier: fmt.Sprintf("v%d", i), Weight: &w})
	}
	wantNames := []string{
		"example.com. NS", "example.com. SOA",
		"0.example.com. TXT", `\052.example.com. TXT`, "_dmarc.example.com. TXT", "a.example.com. TXT",
		"b-c.example.com. TXT", "b.example.com. A", "b.example.com. TXT", "a.b.example.com. TXT",
		"w.example.com. A v0", "w.example.com. A v1", "w.example.com. A v2", "w.example.com. A v3",
		"z.example.com. TXT",
	}
	label := func(sets []set) []string {
		var out []string
		for _, r := range sets {
			out = append(out, strings.TrimSpace(r.Name+" "+r.Type+" "+r.ID))
		}
		return out
	}
	if diff := cmp.Diff(wantNames, label(short(s.RRSets(id)))); diff != "" {
		t.Errorf("stored order (-want +got):\n%s", diff)
	}

	all, pages := listAll(t, c, id, 1000)
	if diff := cmp.Diff(wantNames, label(shortWire(all))); diff != "" {
		t.Errorf("listed order (-want +got):\n%s", diff)
	}
	if pages != 3 {
		t.Errorf("pages = %d, want 3 (15 sets, 7 per page)", pages)
	}

	// Page boundaries by hand: the second page starts inside the weighted
	// sets, so NextRecordIdentifier is set; MaxItems echoes the request.
	out, err := c.ListResourceRecordSets(t.Context(), &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id), MaxItems: aws.Int32(11)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ResourceRecordSets) != 7 || !out.IsTruncated || aws.ToInt32(out.MaxItems) != 11 {
		t.Errorf("page 1: %d sets, truncated %v, MaxItems %d", len(out.ResourceRecordSets), out.IsTruncated, aws.ToInt32(out.MaxItems))
	}
	out, err = c.ListResourceRecordSets(t.Context(), &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id), MaxItems: aws.Int32(2),
		StartRecordName: aws.String("W.example.com"), StartRecordType: types.RRTypeA, StartRecordIdentifier: aws.String("v1")})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"w.example.com. A v1", "w.example.com. A v2"}, label(shortWire(out.ResourceRecordSets))); diff != "" {
		t.Errorf("page from w A v1 (-want +got):\n%s", diff)
	}
	if aws.ToString(out.NextRecordName) != "w.example.com." || out.NextRecordType != types.RRTypeA || aws.ToString(out.NextRecordIdentifier) != "v3" {
		t.Errorf("next = %q %q %q, want w.example.com. A v3", aws.ToString(out.NextRecordName), out.NextRecordType, aws.ToString(out.NextRecordIdentifier))
	}
	// The last page has no Next* markers.
	out, err = c.ListResourceRecordSets(t.Context(), &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id), StartRecordName: aws.String("y.example.com.")})
	if err != nil {
		t.Fatal(err)
	}
	if out.IsTruncated || out.NextRecordName != nil || len(out.ResourceRecordSets) != 1 {
		t.Errorf("last page: truncated %v, next %v, %d sets", out.IsTruncated, out.NextRecordName, len(out.ResourceRecordSets))
	}

	// A type without a name is refused, as documented.
	_, err = c.ListResourceRecordSets(t.Context(), &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id), StartRecordType: types.RRTypeA})
	var ii *types.InvalidInput
	if !errors.As(err, &ii) {
		t.Errorf("type without name: err = %v, want InvalidInput", err)
	}
}

func TestListResourceRecordSetsDefaultPageIs300(t *testing.T) {
	s := start(t, route53.Options{})
	c := newClient(t, s, 3)
	id := s.AddZone("example.com.")
	for i := range 700 {
		s.AddRRSet(id, route53.RRSet{Name: fmt.Sprintf("h%03d.example.com.", i), Type: "A", TTL: 300, Values: []string{"192.0.2.1"}})
	}
	out, err := c.ListResourceRecordSets(t.Context(), &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id), MaxItems: aws.Int32(1000)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ResourceRecordSets) != 300 || !out.IsTruncated || aws.ToInt32(out.MaxItems) != 1000 {
		t.Errorf("%d sets, truncated %v, MaxItems %d; want 300, true, 1000", len(out.ResourceRecordSets), out.IsTruncated, aws.ToInt32(out.MaxItems))
	}
	all, pages := listAll(t, c, id, 1000)
	if len(all) != 702 || pages != 3 {
		t.Errorf("listed %d sets in %d pages, want 702 in 3", len(all), pages)
	}
}

func TestCreateUpsertDelete(t *testing.T) {
	s := start(t, route53.Options{})
	c := newClient(t, s, 3)
	id := s.AddZone("example.com.")
	ctx := t.Context()

	out, err := change(ctx, c, id, chg(types.ChangeActionCreate, "WWW.Example.com", types.RRTypeA, 300, "192.0.2.1", "192.0.2.2"))
	if err != nil {
		t.Fatal(err)
	}
	if out.ChangeInfo.Status != types.ChangeStatusPending || !strings.HasPrefix(aws.ToString(out.ChangeInfo.Id), "/change/C") || out.ChangeInfo.SubmittedAt == nil {
		t.Errorf("ChangeInfo = %+v", out.ChangeInfo)
	}
	want := set{"www.example.com.", "A", 300, []string{"192.0.2.1", "192.0.2.2"}, ""}
	if got := short(s.RRSets(id))[2]; !cmp.Equal(want, got) {
		t.Errorf("after CREATE: %+v, want %+v", got, want)
	}

	// UPSERT replaces values and TTL.
	if _, err := change(ctx, c, id, chg(types.ChangeActionUpsert, "www.example.com.", types.RRTypeA, 60, "192.0.2.9")); err != nil {
		t.Fatal(err)
	}
	want = set{"www.example.com.", "A", 60, []string{"192.0.2.9"}, ""}
	if got := short(s.RRSets(id))[2]; !cmp.Equal(want, got) {
		t.Errorf("after UPSERT: %+v, want %+v", got, want)
	}
	// UPSERT creates when absent; values stored verbatim.
	txt := `"v=spf1 -all" "\"quoted\"" "caf\303\251"`
	if _, err := change(ctx, c, id, chg(types.ChangeActionUpsert, "example.com", types.RRTypeTxt, 3600, txt)); err != nil {
		t.Fatal(err)
	}
	got, pages := listAll(t, c, id, 100)
	if pages != 1 || len(got) != 4 || aws.ToString(got[2].ResourceRecords[0].Value) != txt {
		t.Errorf("listing after TXT UPSERT: %+v", shortWire(got))
	}

	// DELETE must match exactly: TTL and values (in any order).
	_, err = change(ctx, c, id, chg(types.ChangeActionDelete, "www.example.com.", types.RRTypeA, 300, "192.0.2.9"))
	var icb *types.InvalidChangeBatch
	if !errors.As(err, &icb) || !strings.Contains(icb.ErrorMessage(), "do not match the current values") {
		t.Errorf("DELETE with wrong TTL: err = %v", err)
	}
	if _, err := change(ctx, c, id, chg(types.ChangeActionUpsert, "www.example.com.", types.RRTypeA, 60, "192.0.2.9", "192.0.2.8")); err != nil {
		t.Fatal(err)
	}
	if _, err := change(ctx, c, id, chg(types.ChangeActionDelete, "www.example.com", types.RRTypeA, 60, "192.0.2.8", "192.0.2.9")); err != nil {
		t.Fatalf("DELETE with values in another order: %v", err)
	}
	if n := len(s.RRSets(id)); n != 3 {
		t.Errorf("%d sets after DELETE, want 3", n)
	}

	// The request log: operation, path, and changes per batch.
	var ops []string
	for _, r := range s.Requests() {
		ops = append(ops, fmt.Sprintf("%s %d %d", r.Op, r.Status, r.Changes))
		if r.Op == "ChangeResourceRecordSets" && (r.Method != "POST" || r.Path != "/2013-04-01/hostedzone/"+id+"/rrset" || !strings.Contains(r.Body, "<ChangeResourceRecordSetsRequest")) {
			t.Errorf("logged request %+v", r)
		}
	}
	wantOps := []string{
		"ChangeResourceRecordSets 200 1", "ChangeResourceRecordSets 200 1", "ChangeResourceRecordSets 200 1",
		"ListResourceRecordSets 200 0",
		"ChangeResourceRecordSets 400 1", "ChangeResourceRecordSets 200 1", "ChangeResourceRecordSets 200 1",
	}
	if diff := cmp.Diff(wantOps, ops); diff != "" {
		t.Errorf("request log (-want +got):\n%s", diff)
	}
	s.ResetRequests()
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests after ResetRequests", n)
	}
}

func TestBatchIsAtomic(t *testing.T) {
	s := start(t, route53.Options{})
	c := newClient(t, s, 3)
	id := s.AddZone("example.com.")
	s.AddRRSet(id, route53.RRSet{Name: "old.example.com.", Type: "A", TTL: 300, Values: []string{"192.0.2.1"}})
	before := s.RRSets(id)

	_, err := change(t.Context(), c, id,
		chg(types.ChangeActionCreate, "a.example.com.", types.RRTypeA, 300, "192.0.2.2"),
		chg(types.ChangeActionDelete, "old.example.com.", types.RRTypeA, 300, "192.0.2.1"),
		chg(types.ChangeActionUpsert, "b.example.com.", types.RRTypeAaaa, 300, "2001:db8::1"),
		chg(types.ChangeActionDelete, "missing.example.com.", types.RRTypeA, 300, "192.0.2.3"),
	)
	var icb *types.InvalidChangeBatch
	if !errors.As(err, &icb) {
		t.Fatalf("err = %v, want InvalidChangeBatch", err)
	}
	if want := "[Tried to delete resource record set [name='missing.example.com.', type='A'] but it was not found]"; icb.ErrorMessage() != want {
		t.Errorf("message = %q, want %q", icb.ErrorMessage(), want)
	}
	if diff := cmp.Diff(before, s.RRSets(id)); diff != "" {
		t.Errorf("zone changed by a refused batch (-before +after):\n%s", diff)
	}

	// Later changes see earlier ones: DELETE then CREATE of one set, and a
	// CNAME where an A set was deleted before it.
	if _, err := change(t.Context(), c, id,
		chg(types.ChangeActionDelete, "old.example.com.", types.RRTypeA, 300, "192.0.2.1"),
		chg(types.ChangeActionCreate, "old.example.com.", types.RRTypeCname, 300, "target.example.net."),
	); err != nil {
		t.Fatalf("DELETE A, CREATE CNAME: %v", err)
	}
}

// batchMessages returns the messages of an InvalidChangeBatch in either
// error form.
func batchMessages(t *testing.T, err error, messagesForm bool) []string {
	t.Helper()
	var icb *types.InvalidChangeBatch
	if !errors.As(err, &icb) {
		t.Fatalf("err = %v, want InvalidChangeBatch", err)
	}
	if messagesForm {
		if icb.ErrorMessage() != "ChangeBatch errors occurred" {
			t.Errorf("Message = %q in the Messages form", icb.ErrorMessage())
		}
		return icb.Messages
	}
	msg := icb.ErrorMessage()
	if !strings.HasPrefix(msg, "[") || !strings.HasSuffix(msg, "]") {
		t.Fatalf("Message %q is not bracketed", msg)
	}
	return []string{msg[1 : len(msg)-1]}
}

func TestInvalidChangeBatch(t *testing.T) {
	long := strings.Repeat("x", 256)
	w1, w2 := int64(1), int64(2)
	weighted := func(name, id string, w *int64, v string) types.Change {
		c := chg(types.ChangeActionCreate, name, types.RRTypeA, 60, v)
		c.ResourceRecordSet.SetIdentifier, c.ResourceRecordSet.Weight = aws.String(id), w
		return c
	}
	tests := []struct {
		name    string
		changes []types.Change
		want    []string
	}{
		{
			name:    "create existing",
			changes: []types.Change{chg(types.ChangeActionCreate, "a.example.com.", types.RRTypeA, 300, "192.0.2.9")},
			want:    []string{"Tried to create resource record set [name='a.example.com.', type='A'] but it already exists"},
		},
		{
			name:    "delete missing",
			changes: []types.Change{chg(types.ChangeActionDelete, "nope.example.com.", types.RRTypeA, 300, "192.0.2.1")},
			want:    []string{"Tried to delete resource record set [name='nope.example.com.', type='A'] but it was not found"},
		},
		{
			name:    "delete with other TTL",
			changes: []types.Change{chg(types.ChangeActionDelete, "a.example.com.", types.RRTypeA, 60, "192.0.2.1", "192.0.2.2")},
			want:    []string{"Tried to delete resource record set [name='a.example.com.', type='A'] but the values provided do not match the current values"},
		},
		{
			name:    "delete with a subset of values",
			changes: []types.Change{chg(types.ChangeActionDelete, "a.example.com.", types.RRTypeA, 300, "192.0.2.1")},
			want:    []string{"Tried to delete resource record set [name='a.example.com.', type='A'] but the values provided do not match the current values"},
		},
		{
			name: "delete weighted with wrong identifier",
			changes: []types.Change{func() types.Change {
				c := weighted("w.example.com.", "nope", &w1, "192.0.2.1")
				c.Action = types.ChangeActionDelete
				return c
			}()},
			want: []string{"Tried to delete resource record set [name='w.example.com.', type='A', set-identifier='nope'] but it was not found"},
		},
		{
			name:    "duplicate values",
			changes: []types.Change{chg(types.ChangeActionUpsert, "d.example.com.", types.RRTypeA, 300, "10.221.8.236", "10.221.8.236", "192.0.2.1", "192.0.2.1")},
			want:    []string{"Duplicate Resource Record: '10.221.8.236'", "Duplicate Resource Record: '192.0.2.1'"},
		},
		{
			name:    "CNAME at apex",
			changes: []types.Change{chg(types.ChangeActionUpsert, "example.com.", types.RRTypeCname, 300, "target.example.net.")},
			want:    []string{"RRSet of type CNAME with DNS name example.com. is not permitted at apex in zone example.com."},
		},
		{
			name:    "CNAME where other data exists",
			changes: []types.Change{chg(types.ChangeActionCreate, "a.example.com.", types.RRTypeCname, 300, "target.example.net.")},
			want:    []string{"RRSet of type CNAME with DNS name a.example.com. is not permitted as it conflicts with other records with the same DNS name in zone example.com."},
		},
		{
			name:    "other data where a CNAME exists",
			changes: []types.Change{chg(types.ChangeActionCreate, "c.example.com.", types.RRTypeTxt, 300, `"x"`)},
			want:    []string{"RRSet of type TXT with DNS name c.example.com. is not permitted because a conflicting RRSet of type  CNAME with the same DNS name already exists in zone example.com."},
		},
		{
			name:    "outside the zone",
			changes: []types.Change{chg(types.ChangeActionCreate, "www.example.net.", types.RRTypeA, 300, "192.0.2.1")},
			want:    []string{"RRSet with DNS name www.example.net. is not permitted in zone example.com."},
		},
		{
			name:    "suffix that is not a parent",
			changes: []types.Change{chg(types.ChangeActionCreate, "badexample.com.", types.RRTypeA, 300, "192.0.2.1")},
			want:    []string{"RRSet with DNS name badexample.com. is not permitted in zone example.com."},
		},
		{
			name:    "delete apex NS",
			changes: []types.Change{{Action: types.ChangeActionDelete, ResourceRecordSet: nil}}, // filled in below
			want:    []string{"A HostedZone must contain at least one NS record for the zone itself."},
		},
		{
			name:    "delete apex SOA",
			changes: []types.Change{{Action: types.ChangeActionDelete, ResourceRecordSet: nil}},
			want:    []string{"A HostedZone must contain exactly one SOA record."},
		},
		{
			name:    "TXT string over 255 bytes, quoted",
			changes: []types.Change{chg(types.ChangeActionCreate, "t.example.com.", types.RRTypeTxt, 300, `"`+long+`"`)},
			want:    []string{`Invalid Resource Record: 'FATAL problem: CharacterStringTooLong (Value is too long) encountered with '"` + long + `"''`},
		},
		{
			name:    "TXT string over 255 bytes, unquoted",
			changes: []types.Change{chg(types.ChangeActionCreate, "t.example.com.", types.RRTypeTxt, 300, long)},
			want:    []string{`Invalid Resource Record: 'FATAL problem: TXTRDATATooLong (Value is too long) encountered with '` + long + `''`},
		},
		{
			name:    "A value that is no IPv4 address",
			changes: []types.Change{chg(types.ChangeActionCreate, "bad.example.com.", types.RRTypeA, 300, "2001:db8::1")},
			want:    []string{"Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '2001:db8::1''"},
		},
		{
			name: "two creates of one set",
			changes: []types.Change{
				chg(types.ChangeActionCreate, "n.example.com.", types.RRTypeA, 300, "192.0.2.1"),
				chg(types.ChangeActionCreate, "n.example.com.", types.RRTypeA, 300, "192.0.2.1"),
			},
			want: []string{"The request contains an invalid set of changes for a resource record set 'A n.example.com.'"},
		},
		{
			name:    "weighted set over a simple one",
			changes: []types.Change{weighted("a.example.com.", "one", &w2, "192.0.2.5")},
			want:    []string{`RRSet with DNS name a.example.com., type A, SetIdentifier "one" cannot be created because a non multivalue answer rrset exists with the same name and type.`},
		},
		{
			name: "several messages",
			changes: []types.Change{
				chg(types.ChangeActionCreate, "a.example.com.", types.RRTypeA, 300, "192.0.2.1"),
				chg(types.ChangeActionCreate, "ok.example.com.", types.RRTypeA, 300, "192.0.2.1"),
				chg(types.ChangeActionCreate, "c.example.com.", types.RRTypeCname, 300, "x.example.net."),
			},
			want: []string{
				"Tried to create resource record set [name='a.example.com.', type='A'] but it already exists",
				"Tried to create resource record set [name='c.example.com.', type='CNAME'] but it already exists",
			},
		},
	}
	for _, messagesForm := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/messages-form=%v", tt.name, messagesForm), func(t *testing.T) {
				s := start(t, route53.Options{MessagesForm: messagesForm})
				c := newClient(t, s, 3)
				id := s.AddZone("example.com.")
				s.AddRRSet(id, route53.RRSet{Name: "a.example.com.", Type: "A", TTL: 300, Values: []string{"192.0.2.1", "192.0.2.2"}})
				s.AddRRSet(id, route53.RRSet{Name: "c.example.com.", Type: "CNAME", TTL: 300, Values: []string{"x.example.net."}})
				s.AddRRSet(id, route53.RRSet{Name: "w.example.com.", Type: "A", TTL: 60, Values: []string{"192.0.2.1"}, SetIdentifier: "one", Weight: &w1})
				apex := s.RRSets(id)
				changes := slices.Clone(tt.changes)
				switch tt.name {
				case "delete apex NS":
					changes[0] = chg(types.ChangeActionDelete, apex[0].Name, types.RRTypeNs, apex[0].TTL, apex[0].Values...)
				case "delete apex SOA":
					changes[0] = chg(types.ChangeActionDelete, apex[1].Name, types.RRTypeSoa, apex[1].TTL, apex[1].Values...)
				}
				before := s.RRSets(id)
				_, err := change(t.Context(), c, id, changes...)
				got := batchMessages(t, err, messagesForm)
				want := tt.want
				if !messagesForm {
					want = []string{strings.Join(tt.want, ", ")}
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("messages (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(before, s.RRSets(id)); diff != "" {
					t.Errorf("zone changed (-before +after):\n%s", diff)
				}
			})
		}
	}
}

func TestApexSOAAndNSCanBeUpserted(t *testing.T) {
	s := start(t, route53.Options{})
	c := newClient(t, s, 3)
	id := s.AddZone("example.com.")
	soa := s.RRSets(id)[1].Values[0]
	newSOA := strings.Replace(soa, " 1 7200 ", " 2 7200 ", 1)
	if _, err := change(t.Context(), c, id,
		chg(types.ChangeActionUpsert, "example.com.", types.RRTypeNs, 3600, "ns1.example.net.", "ns2.example.net."),
		chg(types.ChangeActionUpsert, "example.com.", types.RRTypeSoa, 60, newSOA),
	); err != nil {
		t.Fatal(err)
	}
	want := []set{
		{"example.com.", "NS", 3600, []string{"ns1.example.net.", "ns2.example.net."}, ""},
		{"example.com.", "SOA", 60, []string{newSOA}, ""},
	}
	if diff := cmp.Diff(want, short(s.RRSets(id))); diff != "" {
		t.Errorf("apex (-want +got):\n%s", diff)
	}
}

func TestInvalidInput(t *testing.T) {
	s := start(t, route53.Options{})
	c := newClient(t, s, 3)
	id := s.AddZone("example.com.")
	alias := chg(types.ChangeActionCreate, "al.example.com.", types.RRTypeA, 300, "192.0.2.1")
	alias.ResourceRecordSet.AliasTarget = &types.AliasTarget{HostedZoneId: aws.String(id), DNSName: aws.String("example.com."), EvaluateTargetHealth: false}
	noTTL := chg(types.ChangeActionCreate, "nottl.example.com.", types.RRTypeA, 0, "192.0.2.1")
	noTTL.ResourceRecordSet.TTL = nil
	tests := []struct {
		name   string
		change types.Change
		want   string
	}{
		{"LOC", chg(types.ChangeActionCreate, "l.example.com.", "LOC", 300, "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m"),
			"Invalid XML ; cvc-enumeration-valid: Value 'LOC' is not facet-valid with respect to enumeration '[SOA, A, TXT, NS, CNAME, MX, NAPTR, PTR, SRV, SPF, AAAA, CAA, DS, TLSA, SSHFP, SVCB, HTTPS]'. It must be a value from the enumeration."},
		{"URI", chg(types.ChangeActionCreate, "u.example.com.", "URI", 300, `10 1 "https://example.com/"`), "Value 'URI' is not facet-valid"},
		{"CERT", chg(types.ChangeActionCreate, "c.example.com.", "CERT", 300, "1 0 0 AAAA"), "Value 'CERT' is not facet-valid"},
		{"DNAME", chg(types.ChangeActionCreate, "d.example.com.", "DNAME", 300, "example.net."), "Value 'DNAME' is not facet-valid"},
		{"alias with TTL and values", alias,
			"Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one in Change with [Action=CREATE, Name=al.example.com., Type=A, SetIdentifier=null]"},
		{"values without TTL", noTTL,
			"Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with [Action=CREATE, Name=nottl.example.com., Type=A, SetIdentifier=null]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := change(t.Context(), c, id, tt.change)
			var ii *types.InvalidInput
			if !errors.As(err, &ii) || !strings.Contains(ii.ErrorMessage(), tt.want) {
				t.Errorf("err = %v, want InvalidInput containing %q", err, tt.want)
			}
		})
	}
}

func TestRequestLimits(t *testing.T) {
	values := func(n int) []string {
		var v []string
		for i := range n {
			v = append(v, fmt.Sprintf("10.0.%d.%d", i/256, i%256))
		}
		return v
	}
	txts := func(n int) []string {
		var v []string
		for i := range n {
			v = append(v, fmt.Sprintf(`"%03d%s"`, i, strings.Repeat("x", 247))) // 252 characters
		}
		return v
	}
	tests := []struct {
		name   string
		action types.ChangeAction
		typ    types.RRType
		values []string
		want   string // "" = accepted
	}{
		{"1000 records in a CREATE", types.ChangeActionCreate, types.RRTypeA, values(1000), ""},
		{"1001 records in a CREATE", types.ChangeActionCreate, types.RRTypeA, values(1001), "Number of records limit of 1000 exceeded."},
		{"500 records in an UPSERT count 1000", types.ChangeActionUpsert, types.RRTypeA, values(500), ""},
		{"501 records in an UPSERT count 1002", types.ChangeActionUpsert, types.RRTypeA, values(501), "Number of records limit of 1000 exceeded."},
		{"126 TXT values, 31752 characters", types.ChangeActionCreate, types.RRTypeTxt, txts(126), ""},
		{"127 TXT values, 32004 characters", types.ChangeActionCreate, types.RRTypeTxt, txts(127), "RDATA character limit of 32000 exceeded."},
		{"64 TXT values in an UPSERT count 32256", types.ChangeActionUpsert, types.RRTypeTxt, txts(64), "RDATA character limit of 32000 exceeded."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, route53.Options{})
			c := newClient(t, s, 3)
			id := s.AddZone("example.com.")
			_, err := change(t.Context(), c, id, chg(tt.action, "big.example.com.", tt.typ, 300, tt.values...))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if diff := cmp.Diff([]string{tt.want}, batchMessages(t, err, false)); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWildcardAndCase(t *testing.T) {
	s := start(t, route53.Options{})
	c := newClient(t, s, 3)
	id := s.AddZone("example.com.")
	ctx := t.Context()
	if _, err := change(ctx, c, id,
		chg(types.ChangeActionCreate, "*.Example.COM", types.RRTypeA, 300, "192.0.2.1"),
		chg(types.ChangeActionCreate, "*.sub.example.com.", types.RRTypeTxt, 300, `"w"`),
		chg(types.ChangeActionCreate, "Mixed.Example.com.", types.RRTypeMx, 300, "10 Mail.Example.com."),
	); err != nil {
		t.Fatal(err)
	}
	got, _ := listAll(t, c, id, 100)
	want := []set{
		{"example.com.", "NS", 172800, s.RRSets(id)[0].Values, ""},
		{"example.com.", "SOA", 900, s.RRSets(id)[1].Values, ""},
		{`\052.example.com.`, "A", 300, []string{"192.0.2.1"}, ""},
		{"mixed.example.com.", "MX", 300, []string{"10 Mail.Example.com."}, ""}, // values verbatim
		{`\052.sub.example.com.`, "TXT", 300, []string{`"w"`}, ""},
	}
	if diff := cmp.Diff(want, shortWire(got)); diff != "" {
		t.Errorf("listing (-want +got):\n%s", diff)
	}
	// The name as listed, or with `*`, names the same set.
	if _, err := change(ctx, c, id, chg(types.ChangeActionDelete, `\052.example.com.`, types.RRTypeA, 300, "192.0.2.1")); err != nil {
		t.Fatalf("DELETE by listed name: %v", err)
	}
	if _, err := change(ctx, c, id, chg(types.ChangeActionDelete, "*.SUB.example.com", types.RRTypeTxt, 300, `"w"`)); err != nil {
		t.Fatalf("DELETE by *: %v", err)
	}
	out, err := c.ListResourceRecordSets(ctx, &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id), StartRecordName: aws.String("*.example.com.")})
	if err != nil {
		t.Fatal(err)
	}
	if n := aws.ToString(out.ResourceRecordSets[0].Name); n != "mixed.example.com." {
		t.Errorf("first set from *.example.com. = %q", n)
	}
}

func TestAliasAndWeightedFixtures(t *testing.T) {
	s := start(t, route53.Options{})
	c := newClient(t, s, 3)
	id := s.AddZone("example.com.")
	s.AddRRSet(id, route53.RRSet{Name: "example.com.", Type: "A", Alias: &route53.Alias{HostedZoneID: "Z2FDTNDATAQYW2", DNSName: "D111111abcdef8.cloudfront.net"}})
	w10, w90 := int64(10), int64(90)
	s.AddRRSet(id, route53.RRSet{Name: "api.example.com.", Type: "A", TTL: 60, Values: []string{"192.0.2.2"}, SetIdentifier: "green", Weight: &w90})
	s.AddRRSet(id, route53.RRSet{Name: "api.example.com.", Type: "A", TTL: 60, Values: []string{"192.0.2.1"}, SetIdentifier: "blue", Weight: &w10})

	got, _ := listAll(t, c, id, 100)
	if len(got) != 5 {
		t.Fatalf("listed %d sets, want 5: %+v", len(got), shortWire(got))
	}
	al := got[0]
	if aws.ToString(al.Name) != "example.com." || al.Type != types.RRTypeA || al.TTL != nil || al.ResourceRecords != nil || al.AliasTarget == nil ||
		aws.ToString(al.AliasTarget.DNSName) != "d111111abcdef8.cloudfront.net." || aws.ToString(al.AliasTarget.HostedZoneId) != "Z2FDTNDATAQYW2" {
		t.Errorf("alias set = %+v, alias %+v", al, al.AliasTarget)
	}
	blue, green := got[3], got[4]
	if aws.ToString(blue.SetIdentifier) != "blue" || aws.ToInt64(blue.Weight) != 10 || aws.ToString(green.SetIdentifier) != "green" || aws.ToInt64(green.Weight) != 90 {
		t.Errorf("weighted sets = %+v, %+v", blue, green)
	}

	// An UPSERT of a plain A set at the apex replaces the alias, as on the
	// real service (the alias and the plain set are one set).
	ctx := t.Context()
	del := types.Change{Action: types.ChangeActionDelete, ResourceRecordSet: &types.ResourceRecordSet{
		Name: aws.String("example.com."), Type: types.RRTypeA,
		AliasTarget: &types.AliasTarget{HostedZoneId: aws.String("Z2FDTNDATAQYW2"), DNSName: aws.String("d111111abcdef8.cloudfront.net"), EvaluateTargetHealth: true},
	}}
	_, err := change(ctx, c, id, del)
	if !strings.Contains(fmt.Sprint(err), "do not match the current values") {
		t.Errorf("DELETE alias with other EvaluateTargetHealth: %v", err)
	}
	del.ResourceRecordSet.AliasTarget.EvaluateTargetHealth = false
	if _, err := change(ctx, c, id, del); err != nil {
		t.Fatalf("DELETE alias: %v", err)
	}
	// Weighted sets are deleted one identifier at a time.
	dw := chg(types.ChangeActionDelete, "api.example.com.", types.RRTypeA, 60, "192.0.2.1")
	dw.ResourceRecordSet.SetIdentifier, dw.ResourceRecordSet.Weight = aws.String("blue"), aws.Int64(10)
	if _, err := change(ctx, c, id, dw); err != nil {
		t.Fatalf("DELETE weighted: %v", err)
	}
	if diff := cmp.Diff([]string{"NS", "SOA", "A green"}, func() []string {
		var out []string
		for _, r := range s.RRSets(id) {
			out = append(out, strings.TrimSpace(r.Type+" "+r.SetIdentifier))
		}
		return out
	}()); diff != "" {
		t.Errorf("sets left (-want +got):\n%s", diff)
	}
}

func TestThrottlingIsRetried(t *testing.T) {
	s := start(t, route53.Options{})
	c := newClient(t, s, 5)
	id := s.AddZone("example.com.")
	ctx := t.Context()

	s.Inject(route53.Fault{Op: "ListResourceRecordSets", Code: "Throttling", Times: 2})
	s.Inject(route53.Fault{Op: "ChangeResourceRecordSets", Code: "PriorRequestNotComplete", Times: 1})
	s.Inject(route53.Fault{Op: "ListHostedZonesByName", Code: "ServiceUnavailable", Times: 1})
	if _, err := c.ListResourceRecordSets(ctx, &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id)}); err != nil {
		t.Fatalf("list after 2 Throttling: %v", err)
	}
	if _, err := change(ctx, c, id, chg(types.ChangeActionCreate, "a.example.com.", types.RRTypeA, 300, "192.0.2.1")); err != nil {
		t.Fatalf("change after PriorRequestNotComplete: %v", err)
	}
	if _, err := c.ListHostedZonesByName(ctx, &r53.ListHostedZonesByNameInput{DNSName: aws.String("example.com.")}); err != nil {
		t.Fatalf("zones after ServiceUnavailable: %v", err)
	}
	var got []string
	for _, r := range s.Requests() {
		got = append(got, fmt.Sprintf("%s %d", r.Op, r.Status))
	}
	want := []string{
		"ListResourceRecordSets 400", "ListResourceRecordSets 400", "ListResourceRecordSets 200",
		"ChangeResourceRecordSets 400", "ChangeResourceRecordSets 200",
		"ListHostedZonesByName 503", "ListHostedZonesByName 200",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if n := len(s.RRSets(id)); n != 3 {
		t.Errorf("%d sets, want 3: the retried change is applied once", n)
	}

	// Without retries the error is visible as the SDK sees it.
	one := newClient(t, s, 1)
	s.Inject(route53.Fault{Code: "Throttling"})
	_, err := one.GetChange(ctx, &r53.GetChangeInput{Id: aws.String("C1")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "Throttling" || ae.ErrorMessage() != "Rate exceeded" {
		t.Errorf("err = %v, want Throttling: Rate exceeded", err)
	}
	s.ClearFaults()
	if _, err := one.ListHostedZonesByName(ctx, &r53.ListHostedZonesByNameInput{}); err != nil {
		t.Errorf("after ClearFaults: %v", err)
	}
}

func TestLatencyAndReset(t *testing.T) {
	s := start(t, route53.Options{})
	c := newClient(t, s, 3)
	s.AddZone("example.com.")
	ctx := t.Context()

	s.Inject(route53.Fault{Op: "ListHostedZonesByName", Latency: 50 * time.Millisecond, Times: 1})
	t0 := time.Now()
	if _, err := c.ListHostedZonesByName(ctx, &r53.ListHostedZonesByNameInput{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t0); d < 50*time.Millisecond {
		t.Errorf("answered after %v, want at least 50ms", d)
	}

	s.Inject(route53.Fault{Op: "ListHostedZonesByName", Reset: true, Times: 1})
	if _, err := c.ListHostedZonesByName(ctx, &r53.ListHostedZonesByNameInput{}); err != nil {
		t.Fatalf("after one reset connection: %v", err)
	}
	reqs := s.Requests()
	if n := len(reqs); n != 3 || reqs[1].Status != 0 || reqs[2].Status != 200 {
		t.Errorf("requests = %+v, want the reset one (status 0) retried", reqs)
	}
}

func TestTokenBucket(t *testing.T) {
	s := start(t, route53.Options{TokenBucket: true})
	c := newClient(t, s, 1)
	s.AddZone("example.com.")
	first, throttled := -1, 0
	for i := range 100 {
		_, err := c.ListHostedZonesByName(t.Context(), &r53.ListHostedZonesByNameInput{})
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "Throttling" {
			throttled++
			if first < 0 {
				first = i
			}
		} else if err != nil {
			t.Fatal(err)
		}
	}
	// 50 in the bucket, then what 10/s refills while the loop runs.
	if first < 50 || throttled == 0 {
		t.Errorf("first throttled request #%d, %d of 100 throttled; want the first 50 served and some throttled", first, throttled)
	}
}

func TestGetChangePending(t *testing.T) {
	s := start(t, route53.Options{})
	c := newClient(t, s, 3)
	id := s.AddZone("example.com.")
	ctx := t.Context()

	out, err := change(ctx, c, id, chg(types.ChangeActionCreate, "a.example.com.", types.RRTypeA, 300, "192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	gc, err := c.GetChange(ctx, &r53.GetChangeInput{Id: out.ChangeInfo.Id})
	if err != nil || gc.ChangeInfo.Status != types.ChangeStatusInsync {
		t.Fatalf("GetChange by default = %v, %v; want INSYNC", gc, err)
	}

	s.SetPending(2)
	out, err = change(ctx, c, id, chg(types.ChangeActionCreate, "b.example.com.", types.RRTypeA, 300, "192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	var statuses []types.ChangeStatus
	for range 3 {
		gc, err := c.GetChange(ctx, &r53.GetChangeInput{Id: out.ChangeInfo.Id})
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, gc.ChangeInfo.Status)
	}
	if diff := cmp.Diff([]types.ChangeStatus{"PENDING", "PENDING", "INSYNC"}, statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}

	// The SDK's waiter polls until INSYNC.
	out, err = change(ctx, c, id, chg(types.ChangeActionCreate, "c.example.com.", types.RRTypeA, 300, "192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	s.ResetRequests()
	w := r53.NewResourceRecordSetsChangedWaiter(c, func(o *r53.ResourceRecordSetsChangedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 5*time.Millisecond, 10*time.Millisecond
	})
	if err := w.Wait(ctx, &r53.GetChangeInput{Id: out.ChangeInfo.Id}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Requests()); n != 3 {
		t.Errorf("waiter made %d GetChange calls, want 3", n)
	}

	_, err = c.GetChange(ctx, &r53.GetChangeInput{Id: aws.String("/change/CNOPE")})
	var nsc *types.NoSuchChange
	if !errors.As(err, &nsc) {
		t.Errorf("unknown change: err = %v, want NoSuchChange", err)
	}
}

func TestNoSuchHostedZone(t *testing.T) {
	s := start(t, route53.Options{})
	c := newClient(t, s, 3)
	_, err := c.ListResourceRecordSets(t.Context(), &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String("/hostedzone/ZNOPE")})
	var nz *types.NoSuchHostedZone
	if !errors.As(err, &nz) || nz.ErrorMessage() != "No hosted zone found with ID: ZNOPE" {
		t.Errorf("err = %v, want NoSuchHostedZone", err)
	}
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusNotFound {
		t.Errorf("status of %v, want 404", err)
	}
	_, err = change(t.Context(), c, "ZNOPE", chg(types.ChangeActionCreate, "a.example.com.", types.RRTypeA, 300, "192.0.2.1"))
	if !errors.As(err, &nz) {
		t.Errorf("change: err = %v, want NoSuchHostedZone", err)
	}
}

// TestWireFormat checks what the SDK does not: headers, namespace, the
// Authorization requirement and the trailing-slash path boto uses.
func TestWireFormat(t *testing.T) {
	s := start(t, route53.Options{})
	id := s.AddZone("example.com.")
	do := func(method, path, body string, auth bool) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, s.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if auth {
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AK/20260101//route53/aws4_request, SignedHeaders=host, Signature=00")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	resp, body := do("GET", "/2013-04-01/hostedzone/"+id+"/rrset", "", false)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "<Code>MissingAuthenticationToken</Code>") {
		t.Errorf("without Authorization: %d %s", resp.StatusCode, body)
	}
	resp, body = do("GET", "/2013-04-01/hostedzone/"+id+"/rrset/", "", true)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/xml" || resp.Header.Get("x-amzn-RequestId") == "" ||
		!strings.Contains(body, `<ListResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">`) ||
		!strings.Contains(body, "<MaxItems>300</MaxItems>") {
		t.Errorf("GET rrset/: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	post := `<?xml version="1.0" encoding="UTF-8"?><ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Changes><Change><Action>CREATE</Action><ResourceRecordSet><Name>x.example.com</Name><Type>A</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>`
	resp, body = do("POST", "/2013-04-01/hostedzone/"+id+"/rrset/", post, true)
	if resp.StatusCode != 200 || !strings.Contains(body, "<Status>PENDING</Status>") {
		t.Errorf("POST rrset/: %d %s", resp.StatusCode, body)
	}
	resp, body = do("POST", "/2013-04-01/hostedzone/"+id+"/rrset", post, true)
	if resp.StatusCode != 400 || !strings.Contains(body, "<ErrorResponse xmlns=") || !strings.Contains(body, "<Type>Sender</Type><Code>InvalidChangeBatch</Code>") {
		t.Errorf("second POST: %d %s", resp.StatusCode, body)
	}
}
