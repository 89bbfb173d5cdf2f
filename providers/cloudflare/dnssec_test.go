package cloudflare_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/miekg/dns"

	emu "github.com/zonecast/zonecast/internal/emulator/cloudflare"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/cloudflare"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/zones"
)

// foreignZSK is another signer's ZSK (RFC 8901 model 2: it goes into
// Cloudflare's DNSKEY RRset).
func foreignZSK(t testing.TB) string {
	t.Helper()
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: 256, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	if _, err := k.Generate(256); err != nil {
		t.Fatal(err)
	}
	return zones.Rdata(k)
}

func TestSignerCaps(t *testing.T) {
	_, p := setup(t, emu.Options{})
	got := p.Capabilities().DNSSEC
	if !got.Signs || !got.ForeignKeys || got.ServesGiven {
		t.Errorf("caps %+v: want Signs and ForeignKeys, not ServesGiven", got)
	}
	if diff := cmp.Diff([]uint8{dns.ECDSAP256SHA256}, got.Algorithms); diff != "" {
		t.Errorf("algorithms (-want +got):\n%s", diff)
	}
	if err := providers.CanJoin("cloudflare", got, providers.MultiSigner); err != nil {
		t.Errorf("multi-signer: %v", err)
	}
	if err := providers.CanJoin("cloudflare", got, providers.SignedByZonecast); !errors.Is(err, providers.ErrCannotJoin) {
		t.Errorf("signed-by-zonecast: got %v, want a refusal", err)
	}
}

// TestSignerStateDisabled: a zone without DNSSEC reads as not signing, with
// no keys, and no ZSK request is made.
func TestSignerStateDisabled(t *testing.T) {
	s, p := setup(t, emu.Options{})
	st, err := p.SignerState(t.Context(), origin)
	if err != nil {
		t.Fatal(err)
	}
	if st.Signing || st.Status != "disabled" || len(st.Keys.Data) != 0 || len(st.DS) != 0 {
		t.Errorf("state %+v: want disabled, no keys, no DS", st)
	}
	if n := s.Counts()["GET /zones/{id}/dnssec/zsk"]; n != 0 {
		t.Errorf("%d ZSK requests for a zone without DNSSEC, want 0", n)
	}
}

// TestSignerState: the zone's own KSK and ZSK and its DS are read, and are
// what the emulator serves.
func TestSignerState(t *testing.T) {
	s, p := setup(t, emu.Options{})
	s.SetDNSSEC("example.com", "active", false)
	st, err := p.SignerState(t.Context(), origin)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Signing || st.ForeignKeys || st.Keys.Name != origin || st.Keys.Type != dns.TypeDNSKEY {
		t.Errorf("state %+v: want signing, multi-signer off, an apex DNSKEY set", st)
	}
	if !strings.Contains(st.Refusal, "multi-signer DNSSEC is off") || !strings.Contains(st.Refusal, "enable_multi_signer: true") {
		t.Errorf("refusal %q: want the multi-signer setting and its fix named", st.Refusal)
	}
	if diff := cmp.Diff(s.ServedDNSKEY("example.com"), st.Keys.Data); diff != "" {
		t.Errorf("own keys (-served +read):\n%s", diff)
	}
	if len(st.Keys.Data) != 2 || !strings.HasPrefix(st.Keys.Data[0], "256 3 13 ") || !strings.HasPrefix(st.Keys.Data[1], "257 3 13 ") {
		t.Errorf("own keys %q: want a ZSK and a KSK of algorithm 13", st.Keys.Data)
	}
	// The DS read must be the KSK's.
	rr, err := dns.NewRR(origin + " 3600 IN DNSKEY " + st.Keys.Data[1])
	if err != nil {
		t.Fatal(err)
	}
	want := zones.Rdata(rr.(*dns.DNSKEY).ToDS(dns.SHA256))
	if diff := cmp.Diff([]string{want}, st.DS); diff != "" {
		t.Errorf("DS (-the KSK's +read):\n%s", diff)
	}
	c := s.Counts()
	if c["GET /zones/{id}/dnssec"] != 1 || c["GET /zones/{id}/dnssec/zsk"] != 1 {
		t.Errorf("requests %v: want one DNSSEC and one ZSK read", c)
	}
}

// TestForeignKeysRefusedWhileMultiSignerOff: without enable_multi_signer
// nothing is written and the error names the setting and how to turn it on.
func TestForeignKeysRefusedWhileMultiSignerOff(t *testing.T) {
	s, p := setup(t, emu.Options{})
	s.SetDNSSEC("example.com", "active", false)
	before := s.ServedDNSKEY("example.com")
	err := p.SetForeignKeys(t.Context(), origin, zones.RRset{Name: origin, Type: dns.TypeDNSKEY, Data: []string{foreignZSK(t)}})
	if !errors.Is(err, providers.ErrForeignKeysRefused) || !errors.Is(err, cloudflare.ErrMultiSignerOff) {
		t.Fatalf("got %v, want ErrMultiSignerOff (an ErrForeignKeysRefused)", err)
	}
	for _, fix := range []string{"DNS › Settings › Multi-signer DNSSEC", `"dnssec_multi_signer": true`, "enable_multi_signer: true"} {
		if !strings.Contains(err.Error(), fix) {
			t.Errorf("error %q does not name the fix %q", err, fix)
		}
	}
	if diff := cmp.Diff(before, s.ServedDNSKEY("example.com")); diff != "" {
		t.Errorf("served DNSKEYs changed by a refused write (-before +after):\n%s", diff)
	}
	if n := s.Counts()["POST /zones/{id}/dns_records/batch"]; n != 0 {
		t.Errorf("%d batch requests, want none", n)
	}
}

// TestEnableMultiSigner: with enable_multi_signer the driver turns the
// zone's multi-signer DNSSEC on (one PATCH) before it writes the keys, and
// again if someone turned it off since.
func TestEnableMultiSigner(t *testing.T) {
	s, _ := setup(t, emu.Options{})
	s.SetDNSSEC("example.com", "active", false)
	p, err := cloudflare.New("cloudflare", cloudflare.Config{
		APIToken: providers.NewSecret("test-token"), APIURL: s.URL + "/client/v4",
		RequestsPerSecond: 1000, MaxWait: 20 * time.Second, EnableMultiSigner: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := p.SignerState(t.Context(), origin); err != nil || st.Refusal != "" {
		t.Errorf("state with enable_multi_signer and multi-signer off: refusal %q, %v; want none: the driver turns it on", st.Refusal, err)
	}
	for round := range 2 {
		s.SetDNSSEC("example.com", "active", false)
		s.ResetRequests()
		key := foreignZSK(t)
		if err := p.SetForeignKeys(t.Context(), origin, zones.RRset{Name: origin, Type: dns.TypeDNSKEY, Data: []string{key}}); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if !s.MultiSigner("example.com") {
			t.Errorf("round %d: multi-signer still off after a write with enable_multi_signer", round)
		}
		if n := s.Counts()["PATCH /zones/{id}/dnssec"]; n != 1 {
			t.Errorf("round %d: %d PATCH dnssec requests, want 1", round, n)
		}
		if !slices.Contains(s.ServedDNSKEY("example.com"), sortedKeys(t, key)[0]) {
			t.Errorf("round %d: the key is not served", round)
		}
	}
}

// TestForeignKeysWrittenAndReadBack: with multi-signer on, the foreign ZSKs
// become DNSKEY records, are served beside Cloudflare's own keys, read back
// as Foreign, a second call changes nothing, and an empty set removes them
// while Cloudflare's own keys stay.
func TestForeignKeysWrittenAndReadBack(t *testing.T) {
	s, p := setup(t, emu.Options{})
	s.SetDNSSEC("example.com", "active", true)
	own := s.ServedDNSKEY("example.com")
	a, b := foreignZSK(t), foreignZSK(t)
	want := []string{a, b}
	if err := p.SetForeignKeys(t.Context(), origin, zones.RRset{Name: origin, Type: dns.TypeDNSKEY, TTL: 600, Data: append(slices.Clone(want), own...)}); err != nil {
		t.Fatal(err)
	}
	st, err := p.SignerState(t.Context(), origin)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sortedKeys(t, want...), st.Foreign); diff != "" {
		t.Errorf("foreign keys read back (-want +got), Cloudflare's own must not be written:\n%s", diff)
	}
	if diff := cmp.Diff(own, st.Keys.Data); diff != "" {
		t.Errorf("own keys changed (-before +after):\n%s", diff)
	}
	if st.Refusal != "" {
		t.Errorf("refusal %q with multi-signer on, want none", st.Refusal)
	}
	if diff := cmp.Diff(sortedKeys(t, append(slices.Clone(own), want...)...), s.ServedDNSKEY("example.com")); diff != "" {
		t.Errorf("served DNSKEY set (-want +got):\n%s", diff)
	}
	for _, r := range s.Records("example.com") {
		if r.Type == "DNSKEY" && r.TTL != 600 {
			t.Errorf("DNSKEY record TTL %d, want 600", r.TTL)
		}
	}

	s.ResetRequests()
	if err := p.SetForeignKeys(t.Context(), origin, zones.RRset{Name: origin, Type: dns.TypeDNSKEY, Data: []string{b, a}}); err != nil {
		t.Fatal(err)
	}
	if n := s.Counts()["POST /zones/{id}/dns_records/batch"]; n != 0 {
		t.Errorf("%d batch requests for keys already there, want 0", n)
	}
	// Reading the state is three requests (the zone ID is known): the
	// DNSSEC object, the ZSKs, the DNSKEY records.
	if n := len(s.Requests()); n != 3 {
		t.Errorf("%d requests for keys already there, want 3: %v", n, s.Counts())
	}

	// Replace a by c, then remove all.
	c := foreignZSK(t)
	if err := p.SetForeignKeys(t.Context(), origin, zones.RRset{Name: origin, Type: dns.TypeDNSKEY, Data: []string{b, c}}); err != nil {
		t.Fatal(err)
	}
	st, _ = p.SignerState(t.Context(), origin)
	if diff := cmp.Diff(sortedKeys(t, b, c), st.Foreign); diff != "" {
		t.Errorf("after replacing (-want +got):\n%s", diff)
	}
	if err := p.SetForeignKeys(t.Context(), origin, zones.RRset{Name: origin, Type: dns.TypeDNSKEY}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(own, s.ServedDNSKEY("example.com")); diff != "" {
		t.Errorf("after removing every foreign key (-own +served):\n%s", diff)
	}

	// The DNSKEY records are invisible to the plan: converging a zone
	// leaves them alone and a second plan is empty.
	if err := p.SetForeignKeys(t.Context(), origin, zones.RRset{Name: origin, Type: dns.TypeDNSKEY, Data: []string{a}}); err != nil {
		t.Fatal(err)
	}
	providertest.Converge(t, p, origin, providertest.Head+"www 300 A 192.0.2.1\n")
	st, _ = p.SignerState(t.Context(), origin)
	if diff := cmp.Diff([]string{a}, st.Foreign); diff != "" {
		t.Errorf("foreign keys after an apply of the zone (-want +got):\n%s", diff)
	}
}

// TestForeignKeysBadData: rdata that is not a DNSKEY is an error before any
// request.
func TestForeignKeysBadData(t *testing.T) {
	s, p := setup(t, emu.Options{})
	s.SetDNSSEC("example.com", "active", true)
	s.ResetRequests()
	if err := p.SetForeignKeys(t.Context(), origin, zones.RRset{Name: origin, Type: dns.TypeDNSKEY, Data: []string{"not a key"}}); err == nil {
		t.Fatal("no error for rdata that is not a DNSKEY")
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}

// sortedKeys returns DNSKEY rdata canonical and sorted.
func sortedKeys(t testing.TB, in ...string) []string {
	t.Helper()
	out := make([]string, 0, len(in))
	for _, d := range in {
		rr, err := dns.NewRR(origin + " 3600 IN DNSKEY " + d)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, zones.Rdata(rr))
	}
	slices.Sort(out)
	return out
}

// BenchmarkSetForeignKeys: replacing one foreign ZSK of three (a signer's
// rollover seen by Cloudflare) against the emulator; reports the requests
// each call makes.
func BenchmarkSetForeignKeys(b *testing.B) {
	s := emu.New(emu.Options{})
	defer s.Close()
	s.AddZone("example.com")
	s.SetDNSSEC("example.com", "active", true)
	p, err := newProvider(s)
	if err != nil {
		b.Fatal(err)
	}
	keys := []string{foreignZSK(b), foreignZSK(b), foreignZSK(b), foreignZSK(b)}
	ctx := b.Context()
	s.ResetRequests()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		set := []string{keys[i%4], keys[(i+1)%4], keys[(i+2)%4]}
		if err := p.SetForeignKeys(ctx, origin, zones.RRset{Name: origin, Type: dns.TypeDNSKEY, Data: set}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(s.Requests()))/float64(b.N), "requests/op")
}

// TestSignerFaults: a transient 5xx on the DNSSEC endpoints is retried like
// any other request; a batch that keeps failing leaves the served keys as
// they were (Cloudflare's batch is one transaction).
func TestSignerFaults(t *testing.T) {
	s, p := setup(t, emu.Options{})
	s.SetDNSSEC("example.com", "active", true)
	s.Inject(emu.Fault{Path: "/dnssec", Status: 503, HTML: true, Times: 2})
	st, err := p.SignerState(t.Context(), origin)
	if err != nil || len(st.Keys.Data) != 2 {
		t.Fatalf("after two 503s: %v, %d keys; want the state read on retry", err, len(st.Keys.Data))
	}
	before := s.ServedDNSKEY("example.com")
	s.Inject(emu.Fault{Path: "/batch", Status: 400})
	if err := p.SetForeignKeys(t.Context(), origin, zones.RRset{Name: origin, Type: dns.TypeDNSKEY, Data: []string{foreignZSK(t)}}); err == nil {
		t.Fatal("no error from a failing batch")
	}
	if diff := cmp.Diff(before, s.ServedDNSKEY("example.com")); diff != "" {
		t.Errorf("served keys changed by a failed batch (-before +after):\n%s", diff)
	}
}

// apexKeys is the apex DNSKEY RRset of data, with Cloudflare's TTL.
func apexKeys(data ...string) zones.RRset {
	d := slices.Clone(data)
	slices.Sort(d)
	return zones.RRset{Name: origin, Type: dns.TypeDNSKEY, TTL: 3600, Data: d}
}

// TestApplyApexDNSKEY: Apply takes a change of the apex DNSKEY RRset as the
// engine plans it (Before the served set: Cloudflare's own keys and the
// foreign ones; Set that plus the keys to publish less those to withdraw)
// beside ordinary changes, in one call: the foreign keys become Set less
// Cloudflare's own keys (never written), read back through SignerState;
// every change counts once; a Delete removes every foreign key and leaves
// Cloudflare's own.
func TestApplyApexDNSKEY(t *testing.T) {
	s, p := setup(t, emu.Options{})
	s.SetDNSSEC("example.com", "active", true)
	st, err := p.SignerState(t.Context(), origin)
	if err != nil {
		t.Fatal(err)
	}
	own := st.Keys.Data
	a, b := foreignZSK(t), foreignZSK(t)
	www := zones.RRset{Name: "www." + origin, Type: dns.TypeA, TTL: 300, Data: []string{"192.0.2.80"}}
	mail := zones.RRset{Name: "mail." + origin, Type: dns.TypeA, TTL: 300, Data: []string{"192.0.2.25"}}

	served := apexKeys(own...)
	publish := apexKeys(append(slices.Clone(own), a)...)
	n, err := p.Apply(t.Context(), origin, []providers.Change{{Set: www}, {Set: publish, Before: &served}, {Set: mail}})
	if err != nil || n != 3 {
		t.Fatalf("apply: %d applied, %v; want 3, nil", n, err)
	}
	check := func(step string, foreign ...string) {
		t.Helper()
		st, err := p.SignerState(t.Context(), origin)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(sortedKeys(t, foreign...), st.Foreign, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: foreign keys (-want +got):\n%s", step, diff)
		}
		if diff := cmp.Diff(own, st.Keys.Data); diff != "" {
			t.Errorf("%s: own keys (-before +after):\n%s", step, diff)
		}
		if diff := cmp.Diff(sortedKeys(t, append(slices.Clone(own), foreign...)...), s.ServedDNSKEY("example.com")); diff != "" {
			t.Errorf("%s: served DNSKEY RRset (-want +got):\n%s", step, diff)
		}
	}
	check("publish", a)
	sets, err := p.Records(t.Context(), origin)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, set := range sets {
		got[set.Name+" "+set.TypeString()] = true
	}
	if !got[www.Name+" A"] || !got[mail.Name+" A"] {
		t.Errorf("the other changes of the apply are not there: %v", got)
	}

	// Replace a by b: Before is what is served now.
	s.ResetRequests()
	served = publish
	swap := apexKeys(append(slices.Clone(own), b)...)
	if n, err := p.Apply(t.Context(), origin, []providers.Change{{Set: swap, Before: &served}}); err != nil || n != 1 {
		t.Fatalf("swap: %d applied, %v", n, err)
	}
	check("swap", b)
	for _, r := range s.Requests() {
		for _, k := range own {
			if f := strings.Fields(k); r.Method == "POST" && strings.Contains(r.Body, f[3]) {
				t.Errorf("a request writes Cloudflare's own key %s: %s %s", f[3], r.Method, r.Path)
			}
		}
	}
	// The same change again sends no write.
	s.ResetRequests()
	if n, err := p.Apply(t.Context(), origin, []providers.Change{{Set: swap, Before: &swap}}); err != nil || n != 1 {
		t.Fatalf("again: %d applied, %v", n, err)
	}
	if n := s.Counts()["POST /zones/{id}/dns_records/batch"]; n != 0 {
		t.Errorf("%d batch requests for keys already there, want 0", n)
	}

	// A Delete of the apex DNSKEY RRset removes every foreign key.
	if n, err := p.Apply(t.Context(), origin, []providers.Change{{Delete: true, Set: swap, Before: &swap}}); err != nil || n != 1 {
		t.Fatalf("delete: %d applied, %v", n, err)
	}
	check("delete")
}

// TestApplyApexDNSKEYRefused: with the zone's multi-signer DNSSEC off and
// no enable_multi_signer, an Apply publishing a foreign key fails with the
// refusal (an ErrForeignKeysRefused naming the fix) before anything is
// written, the other changes included.
func TestApplyApexDNSKEYRefused(t *testing.T) {
	s, p := setup(t, emu.Options{})
	s.SetDNSSEC("example.com", "active", false)
	st, err := p.SignerState(t.Context(), origin)
	if err != nil {
		t.Fatal(err)
	}
	served := apexKeys(st.Keys.Data...)
	publish := apexKeys(append(slices.Clone(st.Keys.Data), foreignZSK(t))...)
	www := zones.RRset{Name: "www." + origin, Type: dns.TypeA, TTL: 300, Data: []string{"192.0.2.80"}}
	s.ResetRequests()
	n, err := p.Apply(t.Context(), origin, []providers.Change{{Set: www}, {Set: publish, Before: &served}})
	if n != 0 || !errors.Is(err, providers.ErrForeignKeysRefused) || !strings.Contains(err.Error(), "enable_multi_signer: true") {
		t.Fatalf("apply: %d applied, %v; want 0 and the refusal naming enable_multi_signer", n, err)
	}
	if n := s.Counts()["POST /zones/{id}/dns_records/batch"]; n != 0 {
		t.Errorf("%d batch requests, want none", n)
	}
	for _, r := range s.Records("example.com") {
		if r.Name == "www.example.com" {
			t.Errorf("www.example.com written by a refused apply: %+v", r)
		}
	}
	// With enable_multi_signer the same apply turns multi-signer on and
	// goes through.
	q, err := cloudflare.New("cloudflare", cloudflare.Config{
		APIToken: providers.NewSecret("test-token"), APIURL: s.URL + "/client/v4",
		RequestsPerSecond: 1000, MaxWait: 20 * time.Second, EnableMultiSigner: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := q.Apply(t.Context(), origin, []providers.Change{{Set: www}, {Set: publish, Before: &served}}); n != 2 || err != nil {
		t.Fatalf("apply with enable_multi_signer: %d applied, %v; want 2, nil", n, err)
	}
	if !s.MultiSigner("example.com") {
		t.Error("multi-signer still off")
	}
	if diff := cmp.Diff(publish.Data, s.ServedDNSKEY("example.com")); diff != "" {
		t.Errorf("served DNSKEY RRset (-want +got):\n%s", diff)
	}
}
