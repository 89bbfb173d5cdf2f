package googleclouddns_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	dnsv1 "google.golang.org/api/dns/v1"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"

	"github.com/zonecast/zonecast/internal/config"
	emu "github.com/zonecast/zonecast/internal/emulator/googleclouddns"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/all"
	"github.com/zonecast/zonecast/providers/googleclouddns"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/zones"
)

const (
	origin = "example.com."
	mzone  = "example-com"
)

// start starts an emulator serving example.com. as managed zone
// example-com and a provider with a key file of the emulator's service
// account.
func start(t testing.TB, opts emu.Options, cfg googleclouddns.Config) (*emu.Server, *googleclouddns.Provider) {
	t.Helper()
	s := emu.New(opts)
	t.Cleanup(s.Close)
	s.AddZone(mzone, origin, "public")
	key, err := s.ServiceAccountKey("zonecast@emu-project.iam.gserviceaccount.com")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "key.json"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.Project = s.Project()
	cfg.Endpoint = s.URL
	cfg.CredentialsFile = "key.json"
	cfg.RequestsPerSecond = 1000
	p, err := googleclouddns.New("gcloud", cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	p.SetPollInterval(10 * time.Millisecond)
	return s, p
}

func set(name string, t uint16, ttl uint32, data ...string) zones.RRset {
	return zones.RRset{Name: name, Type: t, TTL: ttl, Data: data}
}

func find(sets []zones.RRset, name string, t uint16) *zones.RRset {
	for i := range sets {
		if sets[i].Name == name && sets[i].Type == t {
			return &sets[i]
		}
	}
	return nil
}

// The conformance suite against the emulator; one token serves the whole
// run.
func TestConformance(t *testing.T) {
	s, p := start(t, emu.Options{}, googleclouddns.Config{})
	providertest.Run(t, p, origin)
	c := s.Counts()
	if c["token"] != 1 {
		t.Errorf("token requests: %d, want 1 (the token is reused)", c["token"])
	}
	if c["managedZones.list"] != 1 {
		t.Errorf("managedZones.list: %d, want 1 (the zone is looked up once)", c["managedZones.list"])
	}
	// The last step leaves the head: the apex NS is zonecast's (ns1),
	// Google's four were replaced.
	for _, rr := range s.RRsets(mzone) {
		if rr.Type == "NS" && rr.Name == origin && (len(rr.Rrdatas) != 1 || rr.Rrdatas[0] != "ns1.example.com.") {
			t.Errorf("apex NS at the end: %q, want [ns1.example.com.]", rr.Rrdatas)
		}
	}
}

// A listing of many pages is read whole, one call a page.
func TestPagination(t *testing.T) {
	s, p := start(t, emu.Options{PageSize: 7}, googleclouddns.Config{})
	var changes []providers.Change
	for i := range 50 {
		changes = append(changes, providers.Change{Set: set(fmt.Sprintf("h%d.%s", i, origin), dns.TypeA, 300, fmt.Sprintf("192.0.2.%d", i+1))})
	}
	if _, err := p.Apply(t.Context(), origin, changes); err != nil {
		t.Fatal(err)
	}
	s.ResetRequests()
	sets, err := p.Records(t.Context(), origin)
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 52 {
		t.Errorf("read %d RRsets, want 52 (50, SOA and NS)", len(sets))
	}
	if n := s.Counts()["rrsets.list"]; n != 8 {
		t.Errorf("rrsets.list calls: %d, want 8 (52 RRsets, 7 a page)", n)
	}
}

// More changes than one Cloud DNS change may hold are cut at 1,000
// additions, 1,000 deletions and 100,000 bytes; the emulator refuses more,
// as Cloud DNS does.
func TestSplit(t *testing.T) {
	s, p := start(t, emu.Options{}, googleclouddns.Config{})
	var changes []providers.Change
	for i := range 2500 {
		changes = append(changes, providers.Change{Set: set(fmt.Sprintf("h%d.%s", i, origin), dns.TypeA, 300, fmt.Sprintf("10.0.%d.%d", i/250, i%250+1))})
	}
	n, err := p.Apply(t.Context(), origin, changes)
	if err != nil || n != 2500 {
		t.Fatalf("apply: %d applied, %v", n, err)
	}
	if c := s.Counts()["changes.create"]; c != 3 {
		t.Errorf("changes.create: %d, want 3 (1,000 + 1,000 + 500 additions)", c)
	}
	// Updates: a deletion and an addition each, 1,000 of each a change.
	sets, err := p.Records(t.Context(), origin)
	if err != nil {
		t.Fatal(err)
	}
	changes = changes[:0]
	for _, cur := range sets {
		if cur.Type == dns.TypeA {
			before := cur
			changes = append(changes, providers.Change{Set: set(cur.Name, dns.TypeA, 600, cur.Data...), Before: &before})
		}
	}
	s.ResetRequests()
	if _, err := p.Apply(t.Context(), origin, changes); err != nil {
		t.Fatal(err)
	}
	if c := s.Counts()["changes.create"]; c != 3 {
		t.Errorf("updates: changes.create %d, want 3", c)
	}
	// Big TXT sets: 30 of 8 records of 500 bytes, 4,000 bytes each, are
	// 120,000 bytes: two changes.
	changes = changes[:0]
	for i := range 30 {
		var data []string
		for j := range 8 {
			data = append(data, fmt.Sprintf(`"%d %s"`, j, strings.Repeat("x", 240))+` "`+strings.Repeat("y", 250)+`"`)
		}
		changes = append(changes, providers.Change{Set: set(fmt.Sprintf("t%d.%s", i, origin), dns.TypeTXT, 300, data...)})
	}
	s.ResetRequests()
	if _, err := p.Apply(t.Context(), origin, changes); err != nil {
		t.Fatal(err)
	}
	if c := s.Counts()["changes.create"]; c != 2 {
		t.Errorf("big TXT sets: changes.create %d, want 2", c)
	}

	// The emulator refuses what does not fit, with Cloud DNS's 403.
	svc := rawService(t, s)
	var adds []*dnsv1.ResourceRecordSet
	for i := range 1001 {
		adds = append(adds, &dnsv1.ResourceRecordSet{Name: fmt.Sprintf("x%d.%s", i, origin), Type: "A", Ttl: 300, Rrdatas: []string{"192.0.2.1"}})
	}
	_, err = svc.Changes.Create(s.Project(), mzone, &dnsv1.Change{Additions: adds}).Do()
	var ge *googleapi.Error
	if !errors.As(err, &ge) || ge.Code != 403 || len(ge.Errors) == 0 || ge.Errors[0].Reason != "quotaExceeded" {
		t.Errorf("1,001 additions in one change: %v, want 403 quotaExceeded", err)
	}
}

// rawService is an API client of the emulator with a token of its own.
func rawService(t *testing.T, s *emu.Server) *dnsv1.Service {
	t.Helper()
	key, err := s.ServiceAccountKey("raw@emu-project.iam.gserviceaccount.com")
	if err != nil {
		t.Fatal(err)
	}
	creds, err := google.CredentialsFromJSONWithType(t.Context(), key, google.ServiceAccount, dnsv1.NdevClouddnsReadwriteScope)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := dnsv1.NewService(t.Context(), option.WithEndpoint(s.URL+"/"), option.WithHTTPClient(oauth2.NewClient(t.Context(), creds.TokenSource)))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// A deletion that no longer matches (someone changed the set since it was
// read) is refused with 412 and an addition of a set that appeared with
// 409: both say the zone drifted and to plan again, and nothing of the
// change is applied.
func TestDrift(t *testing.T) {
	s, p := start(t, emu.Options{}, googleclouddns.Config{})
	www := set("www."+origin, dns.TypeA, 300, "192.0.2.1")
	if _, err := p.Apply(t.Context(), origin, []providers.Change{{Set: www}}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Records(t.Context(), origin); err != nil {
		t.Fatal(err)
	}
	// Behind zonecast's back.
	s.SetRRset(mzone, &dnsv1.ResourceRecordSet{Name: "www." + origin, Type: "A", Ttl: 300, Rrdatas: []string{"192.0.2.99"}})
	s.SetRRset(mzone, &dnsv1.ResourceRecordSet{Name: "new." + origin, Type: "A", Ttl: 300, Rrdatas: []string{"192.0.2.7"}})
	for _, tc := range []struct {
		name   string
		change providers.Change
		code   string
	}{
		{"stale deletion", providers.Change{Set: set("www."+origin, dns.TypeA, 300, "192.0.2.2"), Before: &www}, "does not match"},
		{"existing addition", providers.Change{Set: set("new."+origin, dns.TypeA, 300, "192.0.2.8")}, "already exists"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			other := providers.Change{Set: set("other."+origin, dns.TypeA, 300, "192.0.2.50")}
			n, err := p.Apply(t.Context(), origin, []providers.Change{other, tc.change})
			if !errors.Is(err, googleclouddns.ErrDrift) || !strings.Contains(err.Error(), "plan` again") || !strings.Contains(err.Error(), tc.code) {
				t.Fatalf("apply: %v, want ErrDrift saying %q and to plan again", err, tc.code)
			}
			if n != 0 {
				t.Errorf("applied %d, want 0", n)
			}
			for _, rr := range s.RRsets(mzone) {
				if rr.Name == "other."+origin {
					t.Error("other A was added: the change was not atomic")
				}
			}
		})
	}
}

// A pending change is polled until done; one that stays pending past
// change_timeout is an error that says it was accepted.
func TestPendingChange(t *testing.T) {
	s, p := start(t, emu.Options{PendingFor: 150 * time.Millisecond}, googleclouddns.Config{})
	if _, err := p.Apply(t.Context(), origin, []providers.Change{{Set: set("a."+origin, dns.TypeA, 300, "192.0.2.1")}}); err != nil {
		t.Fatal(err)
	}
	c := s.Counts()
	if c["changes.get"] == 0 {
		t.Error("no changes.get: the pending change was not polled")
	}
	last := s.Requests()[len(s.Requests())-1]
	if last.Endpoint != "changes.get" || last.Status != 200 {
		t.Errorf("the last request is %+v, want the changes.get that saw it done", last)
	}

	s2, slow := start(t, emu.Options{PendingFor: time.Hour}, googleclouddns.Config{ChangeTimeout: 200 * time.Millisecond})
	_, err := slow.Apply(t.Context(), origin, []providers.Change{{Set: set("a."+origin, dns.TypeA, 300, "192.0.2.1")}})
	if err == nil || !strings.Contains(err.Error(), "still \"pending\"") || !strings.Contains(err.Error(), "change_timeout") {
		t.Errorf("a change pending past change_timeout: %v", err)
	}
	_ = s2
}

// 429 with Retry-After and 5xx are retried, on the API and on the token
// endpoint alike.
func TestFaults(t *testing.T) {
	s, p := start(t, emu.Options{}, googleclouddns.Config{})
	s.Inject(emu.Fault{Path: "/token", Status: 503, Times: 1})
	s.Inject(emu.Fault{Path: "/rrsets", Status: 429, RetryAfter: time.Second, Times: 1})
	s.Inject(emu.Fault{Path: "/changes", Method: http.MethodPost, Status: 500, Times: 2})
	if _, err := p.Records(t.Context(), origin); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Apply(t.Context(), origin, []providers.Change{{Set: set("a."+origin, dns.TypeA, 300, "192.0.2.1")}}); err != nil {
		t.Fatal(err)
	}
	c := s.Counts()
	if c["token"] != 2 || c["rrsets.list"] != 2 || c["changes.create"] != 3 {
		t.Errorf("requests %v: want 2 token (one 503), 2 rrsets.list (one 429), 3 changes.create (two 500)", c)
	}
	api, tok := p.Requests(), p.TokenRequests()
	if tok != 2 || api < 6 {
		t.Errorf("counted %d API requests and %d token requests", api, tok)
	}
	// Retries give up after max_attempts, and the error says what failed.
	s2, q := start(t, emu.Options{}, googleclouddns.Config{MaxAttempts: 2})
	s2.Inject(emu.Fault{Path: "/rrsets", Status: 503})
	_, err := q.Records(t.Context(), origin)
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("503 for ever: %v", err)
	}
	if n := s2.Counts()["rrsets.list"]; n != 2 {
		t.Errorf("rrsets.list tried %d times, want 2 (max_attempts)", n)
	}
}

// A missing or bad key file, or a key Cloud DNS does not know, is a clear
// error that quotes no secret.
func TestCredentials(t *testing.T) {
	s := emu.New(emu.Options{})
	t.Cleanup(s.Close)
	s.AddZone(mzone, origin, "public")
	dir := t.TempDir()
	other := emu.New(emu.Options{})
	t.Cleanup(other.Close)
	stranger, err := other.ServiceAccountKey("stranger@emu-project.iam.gserviceaccount.com")
	if err != nil {
		t.Fatal(err)
	}
	// A key another server knows, pointed at this one's token endpoint.
	stranger = []byte(strings.ReplaceAll(string(stranger), other.TokenURL, s.TokenURL))
	const secretish = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC"
	os.WriteFile(filepath.Join(dir, "garbage.json"), []byte(`{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\n`+secretish+`\n-----END PRIVATE KEY-----\n","client_email":"a@b"}`), 0o600)
	os.WriteFile(filepath.Join(dir, "notjson.json"), []byte(secretish), 0o600)
	os.WriteFile(filepath.Join(dir, "stranger.json"), stranger, 0o600)
	for _, tc := range []struct{ file, want string }{
		{"missing.json", "credentials_file " + filepath.Join(dir, "missing.json") + ": no such file"},
		{"garbage.json", "not a usable service-account key file"},
		{"notjson.json", "not a usable service-account key file"},
		{"stranger.json", "the token endpoint refused the credentials (invalid_grant"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			p, err := googleclouddns.New("gcloud", googleclouddns.Config{Project: s.Project(), Endpoint: s.URL, CredentialsFile: tc.file, MaxAttempts: 1}, dir)
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Records(t.Context(), origin)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error saying %q", err, tc.want)
			}
			if strings.Contains(err.Error(), secretish[:20]) || strings.Contains(err.Error(), "PRIVATE KEY") || strings.Contains(err.Error(), "ya29.") {
				t.Errorf("the error quotes a secret: %v", err)
			}
		})
	}
	// The API refuses a request without a token, or with one it never
	// issued.
	for _, auth := range []string{"", "Bearer ya29.forged"} {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/dns/v1/projects/"+s.Project()+"/managedZones", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("Authorization %q: HTTP %d, want 401", auth, resp.StatusCode)
		}
	}
	if _, err := googleclouddns.New("gcloud", googleclouddns.Config{}, dir); err == nil || !strings.Contains(err.Error(), "project: required") {
		t.Errorf("no project: %v", err)
	}
}

// An unknown zone is ErrZoneNotFound; two managed zones of one DNS name
// are an error naming both, and managed_zone picks one.
func TestZoneLookup(t *testing.T) {
	s, p := start(t, emu.Options{}, googleclouddns.Config{})
	if _, err := p.Records(t.Context(), "nosuch.example."); !errors.Is(err, providers.ErrZoneNotFound) {
		t.Errorf("unknown zone: %v, want ErrZoneNotFound", err)
	}
	if _, err := p.Records(t.Context(), origin); err != nil {
		t.Fatal(err)
	}
	s.AddZone("example-com-internal", origin, "private")
	_, err := p.Records(t.Context(), "example.com.")
	if err != nil {
		t.Fatalf("cached zone: %v", err)
	}
	_, fresh := startWith(t, s, googleclouddns.Config{})
	_, err = fresh.Records(t.Context(), origin)
	if err == nil || !strings.Contains(err.Error(), "example-com (public)") || !strings.Contains(err.Error(), "example-com-internal (private)") || !strings.Contains(err.Error(), "managed_zone") {
		t.Errorf("two zones of one name: %v", err)
	}
	_, pick := startWith(t, s, googleclouddns.Config{ManagedZone: "example-com-internal"})
	if _, err := pick.Apply(t.Context(), origin, []providers.Change{{Set: set("in."+origin, dns.TypeA, 300, "10.0.0.1")}}); err != nil {
		t.Fatal(err)
	}
	if len(s.RRsets("example-com-internal")) != 3 || len(s.RRsets(mzone)) != 2 {
		t.Error("managed_zone did not pick the private zone")
	}
	_, wrong := startWith(t, s, googleclouddns.Config{ManagedZone: "nosuch"})
	if _, err := wrong.Records(t.Context(), origin); !errors.Is(err, providers.ErrZoneNotFound) {
		t.Errorf("managed_zone that does not exist: %v", err)
	}
}

// startWith makes another provider of the running emulator s.
func startWith(t *testing.T, s *emu.Server, cfg googleclouddns.Config) (*emu.Server, *googleclouddns.Provider) {
	t.Helper()
	key, err := s.ServiceAccountKey("second@emu-project.iam.gserviceaccount.com")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "key.json"), key, 0o600)
	cfg.Project, cfg.Endpoint, cfg.CredentialsFile, cfg.RequestsPerSecond = s.Project(), s.URL, "key.json", 1000
	p, err := googleclouddns.New("gcloud", cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	return s, p
}

// Routing-policy and ALIAS sets are protected: a zone file that says
// otherwise changes nothing of them, and the plan converges.
func TestProtected(t *testing.T) {
	s, p := start(t, emu.Options{}, googleclouddns.Config{})
	s.SetRRset(mzone, &dnsv1.ResourceRecordSet{Name: "geo." + origin, Type: "A", Ttl: 300,
		RoutingPolicy: &dnsv1.RRSetRoutingPolicy{Geo: &dnsv1.RRSetRoutingPolicyGeoPolicy{Items: []*dnsv1.RRSetRoutingPolicyGeoPolicyGeoPolicyItem{{Location: "europe-west1", Rrdatas: []string{"192.0.2.1"}}}}}})
	s.SetRRset(mzone, &dnsv1.ResourceRecordSet{Name: origin, Type: "ALIAS", Ttl: 300, Rrdatas: []string{"lb.example.net."}})
	sets, err := p.Records(t.Context(), origin)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []struct {
		name string
		t    uint16
	}{{"geo." + origin, dns.TypeA}, {origin, dns.TypeA}, {origin, dns.TypeAAAA}} {
		if s := find(sets, k.name, k.t); s == nil || s.Protected == "" {
			t.Errorf("%s %s: %+v, want protected", k.name, dns.TypeToString[k.t], s)
		}
	}
	providertest.Converge(t, p, origin, providertest.Head+"geo A 192.0.2.9\n@ A 192.0.2.10\nwww A 192.0.2.11\n")
	var geo, alias bool
	for _, rr := range s.RRsets(mzone) {
		geo = geo || rr.Name == "geo."+origin && rr.RoutingPolicy != nil
		alias = alias || rr.Type == "ALIAS"
	}
	if !geo || !alias {
		t.Errorf("routing-policy set kept %v, ALIAS kept %v: want both", geo, alias)
	}
}

// The SOA is Cloud DNS's and the apex NS is never deleted.
func TestApexRefusals(t *testing.T) {
	_, p := start(t, emu.Options{}, googleclouddns.Config{})
	sets, err := p.Records(t.Context(), origin)
	if err != nil {
		t.Fatal(err)
	}
	ns := find(sets, origin, dns.TypeNS)
	if ns == nil || len(ns.Data) != 4 {
		t.Fatalf("apex NS %+v, want Google's four", ns)
	}
	if _, err := p.Apply(t.Context(), origin, []providers.Change{{Delete: true, Set: *ns, Before: ns}}); err == nil || !strings.Contains(err.Error(), "never deleted") {
		t.Errorf("delete the apex NS: %v", err)
	}
	soa := find(sets, origin, dns.TypeSOA)
	if _, err := p.Apply(t.Context(), origin, []providers.Change{{Set: *soa, Before: soa}}); err == nil || !strings.Contains(err.Error(), "SOA") {
		t.Errorf("set the SOA: %v", err)
	}
	caps := p.Capabilities()
	if !caps.OwnsSOA || caps.OwnsApexNS || caps.Supports(dns.TypeDNSKEY) || !caps.Supports(dns.TypeHTTPS) {
		t.Errorf("capabilities %+v", caps)
	}
}

// The emulator refuses what Cloud DNS refuses, and the driver reports it.
func TestRefusals(t *testing.T) {
	_, p := start(t, emu.Options{}, googleclouddns.Config{})
	for _, tc := range []struct {
		name string
		set  zones.RRset
		want string
	}{
		{"wildcard NS", set("*.w."+origin, dns.TypeNS, 300, "ns.example.net."), "HTTP 400 invalid"},
		{"CNAME beside other data", set(origin, dns.TypeCNAME, 300, "www.example.net."), "CNAME record and other records"},
		{"outside the zone", set("www.example.org.", dns.TypeA, 300, "192.0.2.1"), "not in the zone"},
		{"bad rrdata", set("x."+origin, dns.TypeA, 300, "not-an-address"), "rrdata[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.Apply(context.Background(), origin, []providers.Change{{Set: tc.set}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
	var big []string
	for i := range 101 {
		big = append(big, fmt.Sprintf("192.0.2.%d", i+1))
	}
	if _, err := p.Apply(context.Background(), origin, []providers.Change{{Set: set("big."+origin, dns.TypeA, 300, big...)}}); err == nil || !strings.Contains(err.Error(), "more than the 100") {
		t.Errorf("101 records: %v", err)
	}
	var nine []string
	for i := range 9 {
		nine = append(nine, fmt.Sprintf("ns%d.example.net.", i))
	}
	if _, err := p.Apply(context.Background(), origin, []providers.Change{{Set: set("child."+origin, dns.TypeNS, 300, nine...)}}); err == nil || !strings.Contains(err.Error(), "more than the 8") {
		t.Errorf("a delegation to 9 name servers: %v", err)
	}
}

// Without credentials_file the driver takes Application Default
// Credentials: here GOOGLE_APPLICATION_CREDENTIALS naming a key file.
func TestApplicationDefaultCredentials(t *testing.T) {
	s := emu.New(emu.Options{})
	t.Cleanup(s.Close)
	s.AddZone(mzone, origin, "public")
	key, err := s.ServiceAccountKey("adc@emu-project.iam.gserviceaccount.com")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "adc.json")
	os.WriteFile(file, key, 0o600)
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", file)
	p, err := googleclouddns.New("gcloud", googleclouddns.Config{Project: s.Project(), Endpoint: s.URL}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Records(t.Context(), origin); err != nil {
		t.Fatal(err)
	}
	if s.Counts()["token"] != 1 {
		t.Errorf("token requests %d, want 1", s.Counts()["token"])
	}
}

// A change Cloud DNS made whose answer was lost (a 5xx after the fact) is
// retried by the transport, and the retry meets it (409); the driver finds
// its own change among the zone's latest and goes on, where a naive one
// would report drift.
func TestLostReply(t *testing.T) {
	s, p := start(t, emu.Options{}, googleclouddns.Config{})
	s.Inject(emu.Fault{Path: "/changes", Method: http.MethodPost, Status: 503, Lost: true, Times: 1})
	n, err := p.Apply(t.Context(), origin, []providers.Change{{Set: set("a."+origin, dns.TypeA, 300, "192.0.2.1")}})
	if err != nil || n != 1 {
		t.Fatalf("apply: %d, %v", n, err)
	}
	c := s.Counts()
	if c["changes.create"] != 2 || c["changes.list"] != 1 {
		t.Errorf("requests %v: want 2 changes.create (one lost) and 1 changes.list", c)
	}
	// A real drift is still one, retried or not.
	s.Inject(emu.Fault{Path: "/changes", Method: http.MethodPost, Status: 503, Times: 1})
	s.SetRRset(mzone, &dnsv1.ResourceRecordSet{Name: "b." + origin, Type: "A", Ttl: 300, Rrdatas: []string{"192.0.2.9"}})
	if _, err := p.Apply(t.Context(), origin, []providers.Change{{Set: set("b."+origin, dns.TypeA, 300, "192.0.2.2")}}); !errors.Is(err, googleclouddns.ErrDrift) {
		t.Errorf("a drift after a retry: %v, want ErrDrift", err)
	}
}

// The configuration block decodes with every key, and a relative
// credentials_file is taken from the configuration's folder; an unknown
// key is an error.
func TestConfig(t *testing.T) {
	s := emu.New(emu.Options{})
	t.Cleanup(s.Close)
	s.AddZone(mzone, origin, "public")
	dir := t.TempDir()
	key, err := s.ServiceAccountKey("cfg@emu-project.iam.gserviceaccount.com")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "key.json"), key, 0o600)
	yaml := fmt.Sprintf(`providers:
  google:
    type: googleclouddns
    project: %s
    managed_zone: %s
    credentials_file: key.json
    endpoint: %s
    nameservers: [ns-cloud-a1.googledomains.com.]
    requests_per_second: 50
    timeout: 20s
    max_attempts: 3
    change_timeout: 2m
zones:
  - origin: %s
    file: zone
    providers: [google]
`, s.Project(), mzone, s.URL, origin)
	os.WriteFile(filepath.Join(dir, "zonecast.yaml"), []byte(yaml), 0o600)
	os.WriteFile(filepath.Join(dir, "zone"), []byte(providertest.Head), 0o600)
	cfg, err := config.Load(filepath.Join(dir, "zonecast.yaml"), all.Drivers())
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Providers["google"]
	if _, err := p.Records(t.Context(), origin); err != nil {
		t.Fatal(err)
	}
	if ns := p.Capabilities().Nameservers; len(ns) != 1 {
		t.Errorf("nameservers %+v", ns)
	}
	os.WriteFile(filepath.Join(dir, "zonecast.yaml"), []byte(strings.Replace(yaml, "max_attempts", "max_attempt", 1)), 0o600)
	if _, err := config.Load(filepath.Join(dir, "zonecast.yaml"), all.Drivers()); err == nil || !strings.Contains(err.Error(), "max_attempt") {
		t.Errorf("an unknown key: %v", err)
	}
}
