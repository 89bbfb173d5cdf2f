package cloudflare

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMultiProviderApexNS: zone objects carry the assigned name_servers;
// dns_settings multi_provider is off by default and PATCH turns it on; an
// apex NS record for another provider is stored either way but served only
// with multi_provider on; one naming Cloudflare's own names is refused.
func TestMultiProviderApexNS(t *testing.T) {
	s, zid := start(t, Options{})
	if a := call(t, s, token, "GET", "/zones/"+zid, ""); !strings.Contains(a.Raw, `"name_servers":["ada.ns.cloudflare.com","bob.ns.cloudflare.com"]`) {
		t.Errorf("zone object without its name_servers: %s", a.Raw)
	}
	settings := "/zones/" + zid + "/dns_settings"
	if a := call(t, s, token, "GET", settings, ""); a.Status != 200 || !strings.Contains(string(a.Result), `"multi_provider":false`) {
		t.Errorf("GET dns_settings: %d %s, want multi_provider false", a.Status, a.Raw)
	}
	base := "/zones/" + zid + "/dns_records"
	if a := call(t, s, token, "POST", base, `{"type":"NS","name":"@","content":"ns1.other.net","ttl":3600}`); a.Status != 200 {
		t.Errorf("apex NS with multi_provider off: %d %s, want stored (Cloudflare ignores it, not refuses it)", a.Status, a.Raw)
	}
	if diff := cmp.Diff([]string{"ada.ns.cloudflare.com", "bob.ns.cloudflare.com"}, s.ServedApexNS(zid)); diff != "" {
		t.Errorf("served apex NS with multi_provider off (-want +got):\n%s", diff)
	}
	if a := call(t, s, token, "PATCH", settings, `{"multi_provider":true}`); a.Status != 200 || !strings.Contains(string(a.Result), `"multi_provider":true`) || !s.MultiProvider(zid) {
		t.Errorf("PATCH dns_settings: %d %s", a.Status, a.Raw)
	}
	if diff := cmp.Diff([]string{"ada.ns.cloudflare.com", "bob.ns.cloudflare.com", "ns1.other.net"}, s.ServedApexNS(zid)); diff != "" {
		t.Errorf("served apex NS with multi_provider on (-want +got):\n%s", diff)
	}
	if a := call(t, s, token, "POST", base, `{"type":"NS","name":"example.com","content":"Ada.NS.cloudflare.com.","ttl":3600}`); a.Status != 400 || fmt.Sprint(a.codes()) != "[81058]" {
		t.Errorf("apex NS naming Cloudflare's own nameserver: %d %v, want 400 81058", a.Status, a.codes())
	}
	if a := call(t, s, token, "POST", base+"/batch", `{"posts":[{"type":"NS","name":"@","content":"bob.ns.cloudflare.com","ttl":3600}]}`); a.Status != 400 {
		t.Errorf("batch posting Cloudflare's own nameserver: %d %s, want refused", a.Status, a.Raw)
	}
	if a := call(t, s, token, "PATCH", settings, `{"multi_provider":"yes"}`); a.Status != 400 {
		t.Errorf("PATCH multi_provider with a string: %d, want 400", a.Status)
	}
	if a := call(t, s, token, "POST", settings, `{}`); a.Status != 405 {
		t.Errorf("POST dns_settings: %d, want 405", a.Status)
	}
}
