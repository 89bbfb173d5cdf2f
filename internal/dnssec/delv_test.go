package dnssec

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zonecast/zonecast/internal/dnstest"
	"github.com/zonecast/zonecast/zones"
)

// TestServedZoneValidates serves the signed zone from BIND and asks delv,
// a validating resolver, with our KSK as the trust anchor: positive
// answers, a wildcard answer, a name that does not exist and a type that
// does not exist (both proven by the NSEC chain) and an insecure
// delegation all validate, as resolvers would see them.
func TestServedZoneValidates(t *testing.T) {
	delv := dnstest.Tool(t, "delv")
	out, _ := sign(t, parse(t, testZone), []*Key{testKSK, testZSK}, nil, nil, time.Now())
	var buf bytes.Buffer
	if err := zones.Write(&buf, out); err != nil {
		t.Fatal(err)
	}
	srv := dnstest.StartBIND(t, map[string]string{"example.com.": buf.String()})
	host, port, _ := strings.Cut(srv.Addr, ":")
	anchorFile := func(k *Key) string {
		path := filepath.Join(t.TempDir(), "anchor.conf")
		f := strings.SplitN(k.Rdata(), " ", 4)
		text := fmt.Sprintf("trust-anchors {\n\texample.com. static-key %s %s %s %q;\n};\n", f[0], f[1], f[2], f[3])
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	anchor := anchorFile(testKSK)
	for _, tc := range []struct{ name, typ, want string }{
		{"www.example.com.", "A", "; fully validated"},
		{"www.example.com.", "AAAA", "; fully validated"},
		{"example.com.", "MX", "; fully validated"},
		{"x.wild.example.com.", "TXT", "; fully validated"},
		{"nosuch.example.com.", "A", "; negative response, fully validated"},
		{"mail.example.com.", "TXT", "; negative response, fully validated"},
		{"child.example.com.", "DS", "; fully validated"},
		{"insecure.example.com.", "DS", "; negative response, fully validated"},
	} {
		t.Run(tc.name+"/"+tc.typ, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), delv, "@"+host, "-p", port, "-a", anchor, "+root=example.com", "+tcp", tc.name, tc.typ)
			b, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(b), tc.want) {
				t.Errorf("delv %s %s: %v, want %q:\n%s", tc.name, tc.typ, err, tc.want, b)
			}
		})
	}
	// The same question with another KSK as the anchor does not validate:
	// delv really checks.
	other, _ := Generate("example.com.", testKSK.DNSKEY.Algorithm, true, 0)
	cmd := exec.CommandContext(t.Context(), delv, "@"+host, "-p", port, "-a", anchorFile(other), "+root=example.com", "+tcp", "www.example.com.", "A")
	if b, _ := cmd.CombinedOutput(); strings.Contains(string(b), "fully validated") {
		t.Errorf("delv validated with a trust anchor the zone does not hold:\n%s", b)
	}
}
