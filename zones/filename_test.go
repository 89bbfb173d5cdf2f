package zones_test

import (
	"testing"

	"github.com/zonecast/zonecast/zones"
)

func TestOriginFromName(t *testing.T) {
	for _, tc := range []struct {
		name, path, want string
		ok               bool
	}{
		{"suffix zone", "zones/example.com.zone", "example.com.", true},
		{"suffix db", "example.com.db", "example.com.", true},
		{"prefix db", "/var/named/db.example.org", "example.org.", true},
		{"case kept", "Example.COM.zone", "Example.COM.", true},
		{"no rule", "example.com", "", false},
		{"bare suffix", ".zone", "", false},
		{"root", "..zone", "", false},
		{"space", "my zone.zone", "", false},
		{"empty label", "a..b.zone", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := zones.OriginFromName(tc.path)
			if got != tc.want || ok != tc.ok {
				t.Errorf("OriginFromName(%q) = %q, %v; want %q, %v", tc.path, got, ok, tc.want, tc.ok)
			}
		})
	}
}
