package cloudflare

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"
)

// TestDNSSECEndpoints: GET and PATCH /zones/{zid}/dnssec, the ZSK list,
// DNSKEY records only with multi-signer on, and what is served.
func TestDNSSECEndpoints(t *testing.T) {
	s, zid := start(t, Options{})
	var d map[string]any
	a := call(t, s, token, "GET", "/zones/"+zid+"/dnssec", "")
	if err := json.Unmarshal(a.Result, &d); err != nil || a.Status != 200 {
		t.Fatalf("GET dnssec: %d %s", a.Status, a.Raw)
	}
	if d["status"] != "disabled" || d["public_key"] != nil || d["dnssec_multi_signer"] != false {
		t.Errorf("a new zone's DNSSEC: %v, want disabled, no key, multi-signer off", d)
	}
	if got := s.ServedDNSKEY(zid); got != nil {
		t.Errorf("served DNSKEYs of an unsigned zone: %q", got)
	}

	a = call(t, s, token, "PATCH", "/zones/"+zid+"/dnssec", `{"status":"active"}`)
	d = nil
	if err := json.Unmarshal(a.Result, &d); err != nil || a.Status != 200 {
		t.Fatalf("PATCH dnssec: %d %s", a.Status, a.Raw)
	}
	if d["status"] != "pending" || d["flags"] != float64(257) || d["algorithm"] != "13" || d["key_type"] != "ECDSAP256SHA256" {
		t.Errorf("after enabling: %v, want pending with a KSK of algorithm 13", d)
	}
	ksk := &dns.DNSKEY{Hdr: dns.RR_Header{Name: "example.com.", Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET},
		Flags: 257, Protocol: 3, Algorithm: 13, PublicKey: d["public_key"].(string)}
	ds := ksk.ToDS(dns.SHA256)
	if want := "example.com. 3600 IN DS " + strings.TrimPrefix(strings.ToUpper(ds.String()), strings.ToUpper(ds.Hdr.String())); d["ds"] != want {
		t.Errorf("ds %q, want %q (the KSK's)", d["ds"], want)
	}

	a = call(t, s, token, "GET", "/zones/"+zid+"/dnssec/zsk", "")
	var zsks []struct {
		DNSKEY struct {
			Flags, Protocol, Algorithm int
			PublicKey                  string
		}
		Tag string
	}
	if err := json.Unmarshal(a.Result, &zsks); err != nil || len(zsks) != 1 {
		t.Fatalf("GET zsk: %s", a.Raw)
	}
	if z := zsks[0]; z.DNSKEY.Flags != 256 || z.DNSKEY.Algorithm != 13 || z.Tag != "active" || z.DNSKEY.PublicKey == "" {
		t.Errorf("zsk %+v: want an active ZSK of algorithm 13", z)
	}

	rec := `{"type":"DNSKEY","name":"example.com","ttl":3600,"data":{"flags":256,"protocol":3,"algorithm":13,"public_key":"` + strings.Repeat("A", 86) + `=="}}`
	a = call(t, s, token, "POST", "/zones/"+zid+"/dns_records", rec)
	if a.Status != 400 || cmp.Diff([]string{"1004"}, a.codes()) != "" {
		t.Errorf("DNSKEY record with multi-signer off: %d %v, want 400 1004", a.Status, a.codes())
	}
	a = call(t, s, token, "POST", "/zones/"+zid+"/dns_records/batch", `{"posts":[`+rec+`]}`)
	if a.Status != 400 {
		t.Errorf("DNSKEY record in a batch with multi-signer off: %d, want 400", a.Status)
	}

	call(t, s, token, "PATCH", "/zones/"+zid+"/dnssec", `{"dnssec_multi_signer":true}`)
	if !s.MultiSigner(zid) {
		t.Fatal("multi-signer off after PATCH dnssec_multi_signer true")
	}
	a = call(t, s, token, "POST", "/zones/"+zid+"/dns_records", rec)
	if a.Status != 200 {
		t.Fatalf("DNSKEY record with multi-signer on: %d %s", a.Status, a.Raw)
	}
	if got := s.ServedDNSKEY(zid); len(got) != 3 || !strings.Contains(strings.Join(got, "\n"), "256 3 13 AAAA") {
		t.Errorf("served %q, want the KSK, the ZSK and the foreign key", got)
	}
	c := s.Counts()
	if c["GET /zones/{id}/dnssec"] != 1 || c["PATCH /zones/{id}/dnssec"] != 2 || c["GET /zones/{id}/dnssec/zsk"] != 1 {
		t.Errorf("counts %v", c)
	}
	a = call(t, s, token, "PATCH", "/zones/"+zid+"/dnssec", `{"status":"maybe"}`)
	if a.Status != 400 {
		t.Errorf("status maybe: %d, want 400", a.Status)
	}
}
