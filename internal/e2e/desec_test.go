package e2e

import (
	"fmt"
	"testing"

	"github.com/miekg/dns"

	desecemu "github.com/zonecast/zonecast/internal/emulator/desec"
)

// startDesec serves the zone from the deSEC emulator through the libdns
// driver and libdns/desec v1.1.0 (its requests, sent to https://desec.io,
// go to the emulator through the driver's endpoint: key).
func startDesec(t *testing.T, dir string) *target {
	emu := desecemu.New(desecemu.Options{Tokens: []string{"desec-e2e-token"}})
	t.Cleanup(emu.Close)
	emu.AddDomain(origin)
	return &target{
		yaml: fmt.Sprintf("  p:\n    type: libdns\n    package: desec\n    allow_unverified: true\n    settings:\n      token: env:DESEC_TOKEN\n    endpoint: %s\n    requests_per_second: 1000\n    timeout: 120s\n", emu.URL),
		env:  []string{"DESEC_TOKEN=desec-e2e-token"},
		served: func(t *testing.T) []dns.RR {
			t.Helper()
			var rrs []dns.RR
			for _, s := range emu.RRsets(origin) {
				name := origin
				if s.Subname != "" {
					name = s.Subname + "." + origin
				}
				for _, c := range s.Records {
					rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", name, s.TTL, s.Type, c))
					if err != nil || rr == nil {
						t.Fatalf("the deSEC emulator holds a record that does not parse: %s %s %q: %v", name, s.Type, c, err)
					}
					rrs = append(rrs, rr)
				}
			}
			return rrs
		},
	}
}
