package route53_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/google/go-cmp/cmp"

	"github.com/zonecast/zonecast/internal/emulator/route53"
)

// TestDuplicateZonesByName: several hosted zones may share a name (one
// public zone delegated, others not; a private one). ListHostedZonesByName
// lists them all, paged by DNSName and HostedZoneId with MaxItems, and
// says which are private.
func TestDuplicateZonesByName(t *testing.T) {
	s := start(t, route53.Options{})
	c := newClient(t, s, 3)
	s.AddZone("a.example.com.")
	ids := []string{s.AddZone("example.com."), s.AddPrivateZone("example.com."), s.AddZone("example.com.")}
	slices.Sort(ids) // zones of one name come in id order
	s.AddZone("example.org.")

	type got struct {
		name, id string
		private  bool
	}
	var all []got
	in := &r53.ListHostedZonesByNameInput{DNSName: aws.String("example.com."), MaxItems: aws.Int32(2)}
	pages := 0
	for {
		out, err := c.ListHostedZonesByName(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if aws.ToString(out.DNSName) != aws.ToString(in.DNSName) || aws.ToString(out.HostedZoneId) != aws.ToString(in.HostedZoneId) {
			t.Errorf("page %d echoes DNSName %q HostedZoneId %q, want the request's %q %q", pages,
				aws.ToString(out.DNSName), aws.ToString(out.HostedZoneId), aws.ToString(in.DNSName), aws.ToString(in.HostedZoneId))
		}
		for _, z := range out.HostedZones {
			all = append(all, got{aws.ToString(z.Name), strings.TrimPrefix(aws.ToString(z.Id), "/hostedzone/"), z.Config.PrivateZone})
		}
		if !out.IsTruncated {
			break
		}
		in.DNSName, in.HostedZoneId = out.NextDNSName, out.NextHostedZoneId
	}
	var want []got
	for _, id := range ids {
		want = append(want, got{"example.com.", id, false})
	}
	want = append(want, got{"a.example.com.", "", false}, got{"example.org.", "", false})
	for i := 3; i < len(all); i++ {
		all[i].id = "" // ids of the other zones are not under test
	}
	// Which of the three is private is only known from the server.
	privates := 0
	for _, z := range all[:3] {
		if z.private {
			privates++
		}
	}
	for i := range all[:3] {
		all[i].private = false
	}
	if diff := cmp.Diff(want, all, cmp.AllowUnexported(got{})); diff != "" {
		t.Errorf("zones from example.com. (-want +got):\n%s", diff)
	}
	if privates != 1 || pages != 3 {
		t.Errorf("%d private zones in %d pages, want 1 in 3", privates, pages)
	}
}

// TestGetChangePendingFor: changes submitted after SetPendingFor are
// PENDING until the time has passed, then INSYNC.
func TestGetChangePendingFor(t *testing.T) {
	s := start(t, route53.Options{})
	c := newClient(t, s, 3)
	id := s.AddZone("example.com.")
	s.SetPendingFor(200 * time.Millisecond)
	out, err := change(t.Context(), c, id, chg(types.ChangeActionCreate, "a.example.com.", types.RRTypeA, 300, "192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	submitted := time.Now()
	if out.ChangeInfo.Status != types.ChangeStatusPending {
		t.Errorf("ChangeResourceRecordSets answered %s, want PENDING", out.ChangeInfo.Status)
	}
	for {
		gc, err := c.GetChange(t.Context(), &r53.GetChangeInput{Id: out.ChangeInfo.Id})
		if err != nil {
			t.Fatal(err)
		}
		if gc.ChangeInfo.Status == types.ChangeStatusInsync {
			break
		}
		if time.Since(submitted) > 5*time.Second {
			t.Fatal("still PENDING after 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if d := time.Since(submitted); d < 150*time.Millisecond {
		t.Errorf("INSYNC after %v, want about 200ms", d)
	}
}
