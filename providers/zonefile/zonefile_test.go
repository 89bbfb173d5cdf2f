package zonefile_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/providers/zonefile"
	"github.com/zonecast/zonecast/zones"
)

func TestConformance(t *testing.T) {
	providertest.Run(t, zonefile.New("files", t.TempDir(), nil), "example.com.")
}

func TestSerialAndReload(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "reloaded")
	p := zonefile.New("files", dir, []string{"sh", "-c", "echo {zone} >> " + marker})
	providertest.Converge(t, p, "example.com.", providertest.Head)
	first := serial(t, p.Path("example.com."))
	if want := time.Now().UTC().Format("20060102") + "00"; first != want {
		t.Errorf("first serial %s, want the date-based %s", first, want)
	}
	providertest.Converge(t, p, "example.com.", providertest.Head+"www A 192.0.2.9\n")
	if second := serial(t, p.Path("example.com.")); second <= first {
		t.Errorf("serial did not go up: %s then %s", first, second)
	}
	b, err := os.ReadFile(marker)
	if err != nil || string(b) != "example.com\nexample.com\n" {
		t.Errorf("reload command ran with %q (%v), want the zone name once per apply", b, err)
	}

	failing := zonefile.New("files", dir, []string{"sh", "-c", "echo cannot reload >&2; exit 3"})
	z, _, _ := zones.Parse(strings.NewReader(providertest.Head+"x A 192.0.2.8\n"), "x", zones.Options{Origin: "example.com."})
	target := providertest.PlanOf(t.Context(), t, failing, z)
	_, err = failing.Apply(t.Context(), "example.com.", nil)
	if err == nil || !strings.Contains(err.Error(), "cannot reload") {
		t.Errorf("a failing reload command gave %v, want its output in the error", err)
	}
	_ = target
}

func serial(t *testing.T, path string) string {
	t.Helper()
	z, _, err := zones.ParseFile(path, zones.Options{Origin: "example.com."})
	if err != nil {
		t.Fatal(err)
	}
	soa := z.Lookup("example.com.", 6)
	if soa == nil {
		t.Fatalf("%s has no SOA", path)
	}
	return strings.Fields(soa.Data[0])[2]
}
