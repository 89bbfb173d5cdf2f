package providers_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/zonecast/zonecast/providers"
)

func TestCanJoin(t *testing.T) {
	cloud := providers.SignerCaps{Signs: true, ForeignKeys: true, Algorithms: []uint8{13}}
	kept := providers.SignerCaps{Signs: true, Algorithms: []uint8{13},
		Enable: "take it out of this zone's providers, or keep the zone unsigned"}
	given := providers.SignerCaps{ServesGiven: true}
	for _, tc := range []struct {
		name string
		caps providers.SignerCaps
		mode providers.DNSSECMode
		want []string // substrings of the refusal; nil: joins
	}{
		{name: "unsigned takes anyone", caps: providers.SignerCaps{}, mode: providers.Unsigned},
		{name: "empty mode is unsigned", caps: providers.SignerCaps{}, mode: ""},
		{name: "signer with foreign keys joins multi-signer", caps: cloud, mode: providers.MultiSigner},
		{name: "zonecast-signed joins multi-signer", caps: given, mode: providers.MultiSigner},
		{name: "zonecast-signed joins signed-by-zonecast", caps: given, mode: providers.SignedByZonecast},
		{name: "own keys only refused from multi-signer", caps: kept, mode: providers.MultiSigner,
			want: []string{"p cannot take part in DNSSEC mode multi-signer", "cannot publish the other signers' DNSKEYs", "take it out of this zone's providers"}},
		{name: "own keys only, no Enable: the default way out", caps: providers.SignerCaps{Signs: true}, mode: providers.MultiSigner,
			want: []string{"take the provider out of the zone, or keep the zone unsigned", "bogus"}},
		{name: "a signer refused from signed-by-zonecast", caps: cloud, mode: providers.SignedByZonecast,
			want: []string{"signs the zone with its own keys", "use DNSSEC mode multi-signer"}},
		{name: "nothing refused from multi-signer", caps: providers.SignerCaps{}, mode: providers.MultiSigner,
			want: []string{"neither signs the zone nor serves signatures"}},
		{name: "nothing refused from signed-by-zonecast, with the key to set", caps: providers.DNSSECNone.Caps(), mode: providers.SignedByZonecast,
			want: []string{"does not serve DNSSEC records it is given", "set dnssec: server-signs", "dnssec: zonecast-signs"}},
		{name: "server-signs joins multi-signer", caps: providers.ServerSigns.Caps(), mode: providers.MultiSigner},
		{name: "zonecast-signs joins signed-by-zonecast", caps: providers.ZonecastSigns.Caps(), mode: providers.SignedByZonecast},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := providers.CanJoin("p", tc.caps, tc.mode)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var je *providers.JoinError
			if !errors.As(err, &je) || !errors.Is(err, providers.ErrCannotJoin) || je.Fix == "" {
				t.Fatalf("got %v, want a *JoinError with a fix", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("refusal %q does not say %q", err, w)
				}
			}
		})
	}
	if err := providers.CanJoin("p", cloud, "signed"); err == nil || errors.Is(err, providers.ErrCannotJoin) || !strings.Contains(err.Error(), `unknown DNSSEC mode "signed"`) {
		t.Errorf("unknown mode: got %v", err)
	}
}

func TestCheckGroup(t *testing.T) {
	cf := providers.Member{Name: "cloudflare", Caps: providers.SignerCaps{Signs: true, ForeignKeys: true, Algorithms: []uint8{13}}}
	bind := providers.Member{Name: "bind", Caps: providers.ServerSigns.Caps()} // algorithms: the server's
	rsa := providers.Member{Name: "old", Caps: providers.SignerCaps{Signs: true, ForeignKeys: true, Algorithms: []uint8{8}}}
	r53 := providers.Member{Name: "route53", Caps: providers.SignerCaps{Signs: true, Algorithms: []uint8{13}}}
	sec := providers.Member{Name: "secondary", Caps: providers.ZonecastSigns.Caps()}

	if err := providers.CheckGroup(providers.MultiSigner, []providers.Member{cf, bind, sec}); err != nil {
		t.Errorf("cloudflare, bind, secondary: %v", err)
	}
	err := providers.CheckGroup(providers.MultiSigner, []providers.Member{cf, rsa})
	if !errors.Is(err, providers.ErrCannotJoin) || !strings.Contains(err.Error(), "share no DNSSEC algorithm (cloudflare [13 ECDSAP256SHA256]; old [8 RSASHA256])") {
		t.Errorf("13 and 8: got %v", err)
	}
	err = providers.CheckGroup(providers.MultiSigner, []providers.Member{cf, r53, {Name: "plain", Caps: providers.DNSSECNone.Caps()}})
	if err == nil || !strings.Contains(err.Error(), "route53 cannot") || !strings.Contains(err.Error(), "plain cannot") {
		t.Errorf("route53 and plain: got %v, want both refused", err)
	}
	if err := providers.CheckGroup(providers.Unsigned, []providers.Member{cf, r53, rsa}); err != nil {
		t.Errorf("unsigned: %v", err)
	}
}

func TestServerDNSSEC(t *testing.T) {
	for _, ok := range []providers.ServerDNSSEC{"", "none", "server-signs", "zonecast-signs"} {
		if err := ok.Check(); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	if err := providers.ServerDNSSEC("yes").Check(); err == nil || !strings.Contains(err.Error(), `dnssec: "yes" is not one of server-signs, zonecast-signs, none`) {
		t.Errorf("yes: got %v", err)
	}
	if c := providers.ServerSigns.Caps(); !c.Signs || !c.ForeignKeys || !c.CDS || c.ServesGiven {
		t.Errorf("server-signs: %+v", c)
	}
	if c := providers.ZonecastSigns.Caps(); c.Signs || !c.ServesGiven {
		t.Errorf("zonecast-signs: %+v", c)
	}
	if c := providers.ServerDNSSEC("").Caps(); c.Signs || c.ServesGiven || c.Enable == "" {
		t.Errorf("default: %+v, want no part and a key to set", c)
	}
}
