package route53_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/google/go-cmp/cmp"

	"github.com/zonecast/zonecast/internal/emulator/route53"
)

// TestManyZones: AddZones makes generated public zones with their sets;
// ListHostedZones pages them 100 at most (a larger maxitems is capped),
// NextMarker naming the first zone of the next page and IsTruncated false
// on the last; Counts counts requests by operation.
func TestManyZones(t *testing.T) {
	s := start(t, route53.Options{})
	c := newClient(t, s, 1)
	ids := s.AddZones(250, 12)
	if n := len(s.RRSets(ids[3])); n != 12 {
		t.Errorf("zone 3 holds %d sets, want 12", n)
	}
	var pages []int
	var got []string
	in := &r53.ListHostedZonesInput{MaxItems: aws.Int32(300)}
	for {
		out, err := c.ListHostedZones(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, len(out.HostedZones))
		for _, z := range out.HostedZones {
			got = append(got, aws.ToString(z.Id))
		}
		if !out.IsTruncated {
			if out.NextMarker != nil {
				t.Errorf("last page has NextMarker %q", aws.ToString(out.NextMarker))
			}
			break
		}
		if want := "/hostedzone/" + ids[len(got)]; "/hostedzone/"+aws.ToString(out.NextMarker) != want {
			t.Errorf("NextMarker %q, want the next page's first zone %s", aws.ToString(out.NextMarker), want)
		}
		in.Marker = out.NextMarker
	}
	if diff := cmp.Diff([]int{100, 100, 50}, pages); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	if len(got) != 250 || got[249] != "/hostedzone/"+ids[249] {
		t.Errorf("listed %d zones", len(got))
	}
	if diff := cmp.Diff(map[string]int{"ListHostedZones": 3}, s.Counts()); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	s.DeleteZone(ids[0])
	_, err := c.ListResourceRecordSets(t.Context(), &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(ids[0])})
	var gone *types.NoSuchHostedZone
	if !errors.As(err, &gone) {
		t.Errorf("a deleted zone's sets: %v, want NoSuchHostedZone", err)
	}
}
