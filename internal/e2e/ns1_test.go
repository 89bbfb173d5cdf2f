package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	ns1emu "github.com/zonecast/zonecast/internal/emulator/ns1"
)

// startNS1 runs the NS1 emulator with buckets too large to run dry (the
// driver's pacing by them has its own tests) and serves what it holds as
// NS1's name servers would: names made absolute, a TXT answer's text in
// strings of 255 octets, text fields quoted.
func startNS1(t *testing.T, dir string) *target {
	s := ns1emu.New(ns1emu.Options{Keys: []string{"ns1-e2e-key"}, ReadLimit: 1000000, WriteLimit: 1000000, Period: time.Second})
	t.Cleanup(s.Close)
	s.AddZone(origin)
	return &target{
		yaml: fmt.Sprintf("  p:\n    type: ns1\n    api_key: env:NS1_KEY\n    endpoint: %s/v1/\n    requests_per_second: 100000\n", s.URL),
		env:  []string{"NS1_KEY=ns1-e2e-key"},
		served: func(t *testing.T) []dns.RR {
			t.Helper()
			var rrs []dns.RR
			for _, r := range s.Records(origin) {
				for _, a := range r.Answers {
					data := ns1Presentation(r.Type, a.Answer)
					rr, err := dns.NewRR(fmt.Sprintf("%s. %d IN %s %s", r.Domain, r.TTL, r.Type, data))
					if err != nil || rr == nil {
						t.Fatalf("NS1's store holds an answer that does not parse: %s %s %q: %v", r.Domain, r.Type, a.Answer, err)
					}
					rrs = append(rrs, rr)
				}
			}
			return rrs
		},
	}
}

// ns1Presentation writes an NS1 answer's rdata fields in presentation
// form.
func ns1Presentation(typ string, f []string) string {
	f = append([]string(nil), f...)
	abs := func(i int) {
		if i < len(f) && !strings.HasSuffix(f[i], ".") {
			f[i] += "."
		}
	}
	quote := func(i int) {
		if i < len(f) {
			f[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(f[i]) + `"`
		}
	}
	switch typ {
	case "TXT", "SPF":
		text := strings.Join(f, "")
		var parts []string
		for len(text) > 0 || len(parts) == 0 {
			n := min(255, len(text))
			parts = append(parts, text[:n])
			text = text[n:]
		}
		f = parts
		for i := range f {
			quote(i)
		}
	case "CNAME", "NS", "PTR", "DNAME":
		abs(0)
	case "MX":
		abs(1)
	case "SRV":
		abs(3)
	case "CAA":
		quote(2)
	case "NAPTR":
		quote(2)
		quote(3)
		quote(4)
		abs(5)
	case "HINFO":
		quote(0)
		quote(1)
	}
	return strings.Join(f, " ")
}
