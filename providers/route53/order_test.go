package route53_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	emu "github.com/zonecast/zonecast/internal/emulator/route53"
	"github.com/zonecast/zonecast/providers/providertest"
)

// TestListingOrderAndPaging: names whose real listing order differs from
// RFC 4034's (a-b before a and its children, the wildcard `\052` after
// digits), read two sets a page so that page boundaries fall between
// routing-policy sets of one name and type, converge, and the emulator
// lists them in AWS's order.
func TestListingOrderAndPaging(t *testing.T) {
	s, zid, p := setup(t, emu.Options{PageSize: 2})
	for i, id := range []string{"blue", "green", "red"} {
		w := int64(i)
		s.AddRRSet(zid, emu.RRSet{Name: "a.example.com.", Type: "A", TTL: 60, Values: []string{"192.0.2.9"}, SetIdentifier: id, Weight: &w})
	}
	zone := providertest.Head + "a-b A 192.0.2.1\na TXT \"x\"\n*.a A 192.0.2.2\nb.a A 192.0.2.3\n0 A 192.0.2.4\n* A 192.0.2.5\n_x TXT \"y\"\n"
	providertest.Converge(t, p, origin, zone)

	var got []string
	for _, r := range s.RRSets(zid) {
		got = append(got, r.Name+" "+r.Type+" "+r.SetIdentifier)
	}
	want := []string{
		"example.com. NS ", "example.com. SOA ",
		"0.example.com. A ", `\052.example.com. A `, "_x.example.com. TXT ",
		"a-b.example.com. A ",
		"a.example.com. A blue", "a.example.com. A green", "a.example.com. A red", "a.example.com. TXT ",
		`\052.a.example.com. A `, "b.a.example.com. A ",
		"ns1.example.com. A ",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("listing order (-want +got):\n%s", diff)
	}
}
