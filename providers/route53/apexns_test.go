package route53_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/zonecast/zonecast/internal/apply"
	emu "github.com/zonecast/zonecast/internal/emulator/route53"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/providers/route53"
	"github.com/zonecast/zonecast/zones"
)

// apexNS is the emulated zone's apex NS values.
func apexNS(s *emu.Server, zid string) []string {
	for _, r := range s.RRSets(zid) {
		if r.Name == origin && r.Type == "NS" {
			return slices.Clone(r.Values)
		}
	}
	return nil
}

// TestManageApexNS: by default the apex NS set is Route 53's and the zone
// file's is ignored; with manage_apex_ns it is written, so Route 53 answers
// with every provider's name servers, as long as Route 53's own four stay;
// a set without them is refused before anything is sent.
func TestManageApexNS(t *testing.T) {
	hermetic(t)
	s := emu.New(emu.Options{})
	t.Cleanup(s.Close)
	zid := s.AddZone(origin)
	own := apexNS(s, zid)
	zone := func(ns ...string) string {
		var b strings.Builder
		b.WriteString("$TTL 300\n@ SOA ns1 hostmaster 1 7200 900 1209600 300\n")
		for _, n := range ns {
			b.WriteString("@ 3600 NS " + n + "\n")
		}
		return b.String()
	}
	multi := zone(append(slices.Clone(own), "ns1.other-provider.net.", "ns2.other-provider.net.")...)

	def := newProvider(t, s, route53.Config{})
	if !def.Capabilities().OwnsApexNS {
		t.Error("by default Capabilities say zonecast owns the apex NS set")
	}
	providertest.Converge(t, def, origin, multi)
	if diff := cmpSets(own, apexNS(s, zid)); diff != "" {
		t.Errorf("default: apex NS changed: %s", diff)
	}

	p := newProvider(t, s, route53.Config{ManageApexNS: true})
	if p.Capabilities().OwnsApexNS {
		t.Error("with manage_apex_ns Capabilities say Route 53 owns the apex NS set")
	}
	providertest.Converge(t, p, origin, multi)
	want := append(slices.Clone(own), "ns1.other-provider.net.", "ns2.other-provider.net.")
	if diff := cmpSets(want, apexNS(s, zid)); diff != "" {
		t.Errorf("managed: apex NS: %s", diff)
	}

	// Dropping Route 53's own names: the plan says it will be refused,
	// naming them, before any write; the apply refuses it; nothing sent.
	z, diags, err := zones.Parse(strings.NewReader(zone("ns1.other-provider.net.", "ns2.other-provider.net.")), "desired.zone", zones.Options{Origin: origin})
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags.Err())
	}
	target := providertest.PlanOf(t.Context(), t, p, z)
	note := strings.Join(target.Notes, "\n")
	if !strings.Contains(note, "this change will be refused there with nothing written") || !strings.Contains(note, "add "+own[0]) {
		t.Errorf("plan notes %q: want the refusal naming %s", target.Notes, own[0])
	}
	changes := apply.Order(target.Changes)
	s.ResetRequests()
	_, err = p.Apply(t.Context(), origin, changes)
	if err == nil || !strings.Contains(err.Error(), own[0]) {
		t.Errorf("apex NS without Route 53's names: err %v, want one naming %s", err, own[0])
	}
	for _, r := range s.Requests() {
		if r.Op == "ChangeResourceRecordSets" {
			t.Error("a refused apex NS change sent a change batch")
		}
	}
}

// cmpSets says how two sets of names differ, or "".
func cmpSets(want, got []string) string {
	w, g := slices.Clone(want), slices.Clone(got)
	slices.Sort(w)
	slices.Sort(g)
	if slices.Equal(w, g) {
		return ""
	}
	return "want " + strings.Join(w, " ") + ", got " + strings.Join(g, " ")
}
