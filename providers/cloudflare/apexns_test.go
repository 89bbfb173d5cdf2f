package cloudflare_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	emu "github.com/zonecast/zonecast/internal/emulator/cloudflare"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/cloudflare"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/zones"
)

// apexZone is a zone whose apex NS lists ns.
func apexZone(ns ...string) string {
	var b strings.Builder
	b.WriteString("$TTL 300\n@ SOA ns1.other.net. hostmaster 1 7200 900 1209600 300\n")
	for _, n := range ns {
		b.WriteString("@ 3600 NS " + n + "\n")
	}
	b.WriteString("www A 192.0.2.80\n")
	return b.String()
}

// apexRecords is the apex NS records stored in the emulated zone.
func apexRecords(s *emu.Server) []string {
	var out []string
	for _, r := range s.Records("example.com") {
		if r.Type == "NS" && r.Name == "example.com" {
			out = append(out, r.Content)
		}
	}
	slices.Sort(out)
	return out
}

func apexProvider(t *testing.T, s *emu.Server, enable bool) *cloudflare.Provider {
	t.Helper()
	p, err := cloudflare.New("cloudflare", cloudflare.Config{
		APIToken: providers.NewSecret("test-token"), APIURL: s.URL + "/client/v4",
		RequestsPerSecond: 1000, MaxWait: 20 * time.Second,
		ManageApexNS: true, EnableMultiProvider: enable,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestManageApexNS: by default the apex NS set is Cloudflare's and the zone
// file's is left alone; with manage_apex_ns the zone file's set, Cloudflare's
// names and the other providers', converges once multi-provider DNS is on,
// only the others written as records; while it is off the apply is refused
// with nothing written, unless enable_multi_provider turns it on.
func TestManageApexNS(t *testing.T) {
	s, def := setup(t, emu.Options{})
	own := s.NameServers("example.com")
	others := []string{"ns1.other.net", "ns2.other.net"}
	var all []string
	for _, n := range append(slices.Clone(own), others...) {
		all = append(all, n+".")
	}
	multi := apexZone(all...)

	if !def.Capabilities().OwnsApexNS {
		t.Error("by default Capabilities say zonecast owns the apex NS set")
	}
	providertest.Converge(t, def, origin, multi)
	if got := apexRecords(s); len(got) > 0 {
		t.Errorf("default: apex NS records written: %v", got)
	}

	// manage_apex_ns, multi-provider DNS off: refused, nothing written.
	p := apexProvider(t, s, false)
	if p.Capabilities().OwnsApexNS {
		t.Error("with manage_apex_ns Capabilities say Cloudflare owns the apex NS set")
	}
	wantNote(t, p, multi, "example.com. NS at cloudflare: this change will be refused there with nothing written: the zone's multi-provider DNS setting is off")
	changes := planned(t, p, multi)
	s.ResetRequests()
	_, err := p.Apply(t.Context(), origin, changes)
	if !errors.Is(err, cloudflare.ErrMultiProviderOff) || !strings.Contains(err.Error(), "DNS › Settings › Multi-provider DNS") ||
		!strings.Contains(err.Error(), "enable_multi_provider") || !strings.Contains(err.Error(), "nothing was written") {
		t.Errorf("apex NS with multi-provider DNS off: err %v, want ErrMultiProviderOff saying how to turn it on", err)
	}
	for _, r := range s.Requests() {
		if r.Method != "GET" {
			t.Errorf("a refused apply sent %s %s", r.Method, r.Path)
		}
	}
	if s.MultiProvider("example.com") {
		t.Error("multi_provider turned on without enable_multi_provider")
	}

	// On: the whole set converges; only the others are records, and
	// Cloudflare's own names are never posted.
	s.SetMultiProvider("example.com", true)
	s.ResetRequests()
	providertest.Converge(t, p, origin, multi)
	if diff := cmp.Diff(others, apexRecords(s)); diff != "" {
		t.Errorf("apex NS records (-want +got):\n%s", diff)
	}
	for _, r := range s.Requests() {
		for _, n := range own {
			if r.Method != "GET" && strings.Contains(r.Body, n) {
				t.Errorf("%s %s posted Cloudflare's own name %s: %s", r.Method, r.Path, n, r.Body)
			}
		}
	}
	if diff := cmp.Diff(append(slices.Clone(own), others...), s.ServedApexNS("example.com")); diff != "" {
		t.Errorf("served apex NS (-want +got):\n%s", diff)
	}

	// Dropping one provider converges too; dropping Cloudflare's names is
	// refused, naming them, with nothing written.
	providertest.Converge(t, p, origin, apexZone(own[0]+".", own[1]+".", "ns1.other.net."))
	if diff := cmp.Diff(others[:1], apexRecords(s)); diff != "" {
		t.Errorf("apex NS records after dropping one (-want +got):\n%s", diff)
	}
	wantNote(t, p, apexZone(all[2:]...), "example.com. NS at cloudflare: this change will be refused there with nothing written: the set must keep "+strings.Join(all[:2], ", "))
	changes = planned(t, p, apexZone(all[2:]...))
	s.ResetRequests()
	if _, err := p.Apply(t.Context(), origin, changes); err == nil || !strings.Contains(err.Error(), own[0]) {
		t.Errorf("apex NS without Cloudflare's names: err %v, want one naming %s", err, own[0])
	}
	for _, r := range s.Requests() {
		if r.Method != "GET" {
			t.Errorf("a refused apply sent %s %s", r.Method, r.Path)
		}
	}
}

// TestEnableMultiProvider: with enable_multi_provider the apply turns the
// zone's multi-provider DNS setting on before it writes apex NS records.
func TestEnableMultiProvider(t *testing.T) {
	s, _ := setup(t, emu.Options{})
	own := s.NameServers("example.com")
	p := apexProvider(t, s, true)
	if !strings.Contains(strings.Join(p.Capabilities().Notes, "\n"), "enable_multi_provider") {
		t.Errorf("no note about enable_multi_provider: %q", p.Capabilities().Notes)
	}
	providertest.Converge(t, p, origin, apexZone(own[0]+".", own[1]+".", "ns1.other.net."))
	if !s.MultiProvider("example.com") {
		t.Error("multi_provider still off")
	}
	if diff := cmp.Diff([]string{"ns1.other.net"}, apexRecords(s)); diff != "" {
		t.Errorf("apex NS records (-want +got):\n%s", diff)
	}
}

// wantNote fails unless the plan of text at p has a note starting with want.
func wantNote(t *testing.T, p *cloudflare.Provider, text, want string) {
	t.Helper()
	z, diags, err := zones.Parse(strings.NewReader(text), "desired.zone", zones.Options{Origin: origin})
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags.Err())
	}
	notes := providertest.PlanOf(t.Context(), t, p, z).Notes
	if !slices.ContainsFunc(notes, func(n string) bool { return strings.HasPrefix(n, want) }) {
		t.Errorf("plan notes %q: none starts with %q", notes, want)
	}
}
