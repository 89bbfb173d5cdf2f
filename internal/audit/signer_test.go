package audit_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/audit"
	"github.com/zonecast/zonecast/internal/verify/verifytest"
)

// A signed zone whose providers all serve one signer's signatures (a
// hidden primary signing for both, one key copied to both) has a single
// point of failure of its own kind: that signer. Two providers signing
// with their own keys (RFC 8901 model 2) have none, and neither has an
// unsigned zone.
func TestSingleSigner(t *testing.T) {
	delegations := `
z.test. 86400 NS ns.a-dns.test.
z.test. 86400 NS ns.c-dns.test.
a-dns.test. 86400 NS ns.a-dns.test.
ns.a-dns.test. 86400 A 127.0.53.61
c-dns.test. 86400 NS ns.c-dns.test.
ns.c-dns.test. 86400 A 127.0.53.63
`
	z := zoneText("z.test.", "1", "z.test. 3600 NS ns.a-dns.test.\nz.test. 3600 NS ns.c-dns.test.\nwww.z.test. 300 A 192.0.2.80\n")
	aDNS := zoneText("a-dns.test.", "1", "a-dns.test. 300 NS ns.a-dns.test.\nns.a-dns.test. 300 A 127.0.53.61\n")
	cDNS := zoneText("c-dns.test.", "1", "c-dns.test. 300 NS ns.c-dns.test.\nns.c-dns.test. 300 A 127.0.53.63\n")
	one, a, c := verifytest.NewSigner(t, "z.test."), verifytest.NewSigner(t, "z.test."), verifytest.NewSigner(t, "z.test.")
	sign := func(s verifytest.Signer, others ...verifytest.Signer) string {
		publish := []*dns.DNSKEY{s.KSK.Key, s.ZSK.Key}
		for _, o := range others {
			publish = append(publish, o.ZSK.Key)
		}
		return verifytest.SignZone(t, "z.test.", z, verifytest.Signing{By: s, Publish: publish})
	}
	shared := sign(one)
	for _, tc := range []struct {
		name   string
		za, zc string
		want   []audit.Finding
	}{
		{name: "one signer", za: shared, zc: shared, want: []audit.Finding{{
			Severity: audit.SPOF, Code: "single-signer",
			Message: "every provider of z.test. (a, c) serves signatures by the same signer's keys (" + tagAlg(one.ZSK.Key) +
				"): if that signer stops signing or its keys must be withdrawn, every provider's signatures expire together and the zone fails validation everywhere, however many providers serve it",
			Hint: "make the zone multi-signer (RFC 8901 model 2): each provider signs with its own keys, every provider's DNSKEY set carries the others' ZSKs, and the parent has a DS for each provider's KSK; check it with `zonecast verify --dnssec`"}}},
		{name: "a signer each", za: sign(a, c), zc: sign(c, a)},
		{name: "unsigned", za: z, zc: z},
	} {
		t.Run(tc.name, func(t *testing.T) {
			startInternet(t, delegations)
			serve(t, "127.0.53.61", newAuthority(t, map[string]string{"z.test.": tc.za, "a-dns.test.": aDNS}))
			serve(t, "127.0.53.63", newAuthority(t, map[string]string{"z.test.": tc.zc, "c-dns.test.": cDNS}))
			r := run(t, "z.test.", audit.Options{Providers: map[string]string{"ns.a-dns.test.": "a", "ns.c-dns.test.": "c"}})
			var got []audit.Finding
			for _, f := range r.Findings {
				if f.Code == "single-signer" {
					got = append(got, f)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("signer findings (-want +got):\n%s\n%s", diff, text(t, r))
			}
			if failed := len(tc.want) > 0; r.Failed() != failed || r.SinglePoints() != 0 {
				t.Errorf("Failed() = %v, SinglePoints() = %d; want %v, 0:\n%s", r.Failed(), r.SinglePoints(), failed, text(t, r))
			}
			if strings.Contains(text(t, r), "single-signer") != (len(tc.want) > 0) {
				t.Errorf("the text report does not say what the findings say:\n%s", text(t, r))
			}
		})
	}
}

func tagAlg(k *dns.DNSKEY) string { return fmt.Sprintf("%d (ECDSAP256SHA256)", k.KeyTag()) }
