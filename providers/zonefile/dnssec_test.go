package zonefile_test

import (
	"strings"
	"testing"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/zonefile"
)

// TestDNSSECKey: zone files join a zonecast-signed zone only with dnssec:
// zonecast-signs; server-signs is refused with the way out.
func TestDNSSECKey(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		mode providers.ServerDNSSEC
		join bool
	}{{"", false}, {"none", false}, {"zonecast-signs", true}} {
		p, err := zonefile.Driver.New("files", &zonefile.Config{Directory: dir, DNSSEC: tc.mode}, dir)
		if err != nil {
			t.Fatalf("%q: %v", tc.mode, err)
		}
		err = providers.CanJoin("files", p.Capabilities().DNSSEC, providers.SignedByZonecast)
		if (err == nil) != tc.join {
			t.Errorf("%q: joins signed-by-zonecast: %v, want %v", tc.mode, err, tc.join)
		}
		if !tc.join && (err == nil || !strings.Contains(err.Error(), "set dnssec: zonecast-signs")) {
			t.Errorf("%q: refusal %v does not name the key", tc.mode, err)
		}
	}
	_, err := zonefile.Driver.New("files", &zonefile.Config{Directory: dir, DNSSEC: "server-signs"}, dir)
	if err == nil || !strings.Contains(err.Error(), "rfc2136") {
		t.Errorf("server-signs: got %v, want a refusal naming rfc2136", err)
	}
}
