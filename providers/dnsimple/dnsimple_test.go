package dnsimple_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	emu "github.com/zonecast/zonecast/internal/emulator/dnsimple"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/dnsimple"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/zones"
)

const (
	origin = "example.com."
	token  = "dnsimple-test-token"
)

// start runs an emulator serving origin (with DNSimple's system SOA and
// apex NS) and a provider of it that finds its account with whoami.
func start(t testing.TB, opts emu.Options, cfg dnsimple.Config) (*emu.Server, *dnsimple.Provider) {
	t.Helper()
	opts.Tokens = []string{token}
	s := emu.New(opts)
	t.Cleanup(s.Close)
	s.AddZone(origin)
	if cfg.APIToken.IsZero() {
		cfg.APIToken = providers.NewSecret(token)
	}
	cfg.Endpoint = s.URL
	cfg.RequestsPerSecond = 10000
	p, err := dnsimple.New("dnsimple", cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, p
}

// The conformance suite, one record a request.
func TestConformance(t *testing.T) {
	s, p := start(t, emu.Options{}, dnsimple.Config{})
	providertest.Run(t, p, origin)
	if c := s.Counts(); c["GET /v2/whoami"] != 1 {
		t.Errorf("whoami asked %d times, want once (the account is kept): %v", c["GET /v2/whoami"], c)
	}
}

// The conformance suite through the batch endpoint of an Enterprise
// account.
func TestConformanceBatch(t *testing.T) {
	s, p := start(t, emu.Options{Enterprise: true}, dnsimple.Config{Batch: true})
	providertest.Run(t, p, origin)
	for k, n := range s.Counts() {
		if strings.HasPrefix(k, "POST /v2/{account}/zones/{zone}/records") || strings.HasPrefix(k, "PATCH") || strings.HasPrefix(k, "DELETE") {
			t.Errorf("%d requests %s: want every write in a batch", n, k)
		}
	}
}

// What the driver writes is what DNSimple expects: relative names,
// targets without the final dot, MX and SRV priority apart (0 included),
// TXT content quoted.
func TestStoredForm(t *testing.T) {
	s, p := start(t, emu.Options{}, dnsimple.Config{})
	providertest.Converge(t, p, origin, providertest.Head+`
@ MX 0 mail
_sip._tcp SRV 0 60 5060 sip
txt TXT "a \"b\"" "c"
alias CNAME www.example.net.
`)
	want := map[string]string{
		"MX":    `"" 0 mail.example.com`,
		"SRV":   `"_sip._tcp" 0 60 5060 sip.example.com`,
		"TXT":   `"txt" <nil> "a \"b\"" "c"`,
		"CNAME": `"alias" <nil> www.example.net`,
	}
	for _, r := range s.Records(origin) {
		w, ok := want[r.Type]
		if !ok {
			continue
		}
		prio := "<nil>"
		if r.Priority != nil {
			prio = fmt.Sprint(*r.Priority)
		}
		if got := fmt.Sprintf("%q %s %s", r.Name, prio, r.Content); got != w {
			t.Errorf("%s stored as %s, want %s", r.Type, got, w)
		}
		delete(want, r.Type)
	}
	if len(want) > 0 {
		t.Errorf("not stored: %v", want)
	}
}

// An unknown zone is ErrZoneNotFound; a refused token says so, without
// the token.
func TestNotFoundAndBadToken(t *testing.T) {
	s, p := start(t, emu.Options{}, dnsimple.Config{})
	if _, err := p.Records(t.Context(), "nosuch.example."); !errors.Is(err, providers.ErrZoneNotFound) {
		t.Errorf("unknown zone: %v, want ErrZoneNotFound", err)
	}
	bad, err := dnsimple.New("dnsimple", dnsimple.Config{APIToken: providers.NewSecret("wrong-secret-value"), Endpoint: s.URL, Account: "1010"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Records(t.Context(), origin)
	if err == nil || !strings.Contains(err.Error(), "API token is refused") || strings.Contains(err.Error(), "wrong-secret-value") || strings.Contains(err.Error(), token) {
		t.Errorf("wrong token: %v", err)
	}
}

// A user token's account is found with GET /v2/accounts.
func TestUserToken(t *testing.T) {
	s, p := start(t, emu.Options{UserToken: true}, dnsimple.Config{})
	if _, err := p.Records(t.Context(), origin); err != nil {
		t.Fatal(err)
	}
	if c := s.Counts(); c["GET /v2/accounts"] != 1 {
		t.Errorf("counts %v: want one GET /v2/accounts", c)
	}
}

// 5xx and 429 with Retry-After are retried; the read still succeeds.
func TestTransientFaults(t *testing.T) {
	s, p := start(t, emu.Options{}, dnsimple.Config{})
	if _, err := p.Records(t.Context(), origin); err != nil {
		t.Fatal(err)
	}
	s.ResetRequests()
	s.Inject(emu.Fault{Method: http.MethodGet, Path: "/records", Status: 503, Times: 2})
	s.Inject(emu.Fault{Method: http.MethodGet, Path: "/records", Status: 429, RetryAfter: time.Second, Times: 1})
	s.Inject(emu.Fault{Method: http.MethodGet, Path: "/records", Reset: true, Times: 1})
	sets, err := p.Records(t.Context(), origin)
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 2 { // the SOA and the apex NS
		t.Errorf("read %d RRsets, want 2: %v", len(sets), sets)
	}
	var statuses []int
	for _, r := range s.Requests() {
		statuses = append(statuses, r.Status)
	}
	if !slices.Equal(statuses, []int{503, 503, 429, 0, 200}) {
		t.Errorf("answers %v, want 503 503 429, a reset connection (0), 200", statuses)
	}
}

func sets(n int, ttl uint32) []providers.Change {
	out := make([]providers.Change, n)
	for i := range out {
		out[i] = providers.Change{Set: zones.RRset{Name: fmt.Sprintf("h%d.%s", i, origin), Type: dns.TypeA, TTL: ttl, Data: []string{fmt.Sprintf("192.0.2.%d", i%250+1)}}}
	}
	return out
}

// An apply the hour's remaining budget cannot cover is refused before its
// first write, with the count and the reset time.
func TestHourlyBudgetRefused(t *testing.T) {
	now := time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s, p := start(t, emu.Options{RateLimit: 50, Now: clock}, dnsimple.Config{})
	p.SetClock(clock)
	if _, err := p.Records(t.Context(), origin); err != nil { // whoami and one page: 2 of 50
		t.Fatal(err)
	}
	s.ResetRequests()
	applied, err := p.Apply(t.Context(), origin, sets(60, 300))
	var be *dnsimple.BudgetError
	if !errors.As(err, &be) || !errors.Is(err, dnsimple.ErrBudget) || applied != 0 {
		t.Fatalf("apply of 60 with 48 left: %d applied, %v; want a BudgetError", applied, err)
	}
	if be.Needed != 61 || be.Writes != 60 || be.ReadBack != 1 || be.Remaining != 48 || be.Limit != 50 || !be.Reset.Equal(now.Add(time.Hour)) {
		t.Errorf("budget error %+v", be)
	}
	for _, w := range []string{"needs 61 API requests (60 to write, 1 to read the zone back)", "only 48 of DNSimple's 50 an hour", "19:00:00 UTC", "nothing was written", "in parts"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	if r := s.Requests(); len(r) != 0 {
		t.Errorf("%d requests sent for a refused apply: %v", len(r), r)
	}
	// 47 and the read back fit.
	if applied, err := p.Apply(t.Context(), origin, sets(47, 300)); err != nil || applied != 47 {
		t.Fatalf("apply of 47: %d, %v", applied, err)
	}
	now = now.Add(time.Hour)
	// The window turns: a full hour again, without a read to tell it.
	if applied, err := p.Apply(t.Context(), origin, sets(45, 600)); err != nil || applied != 45 {
		t.Fatalf("apply of 45 TTL updates after the reset: %d, %v", applied, err)
	}
}

// A 429 for the spent hourly budget (another client used it up) fails at
// once, with the applied count honest, and no write retried for an hour.
func TestHourlyLimitMidApply(t *testing.T) {
	s, p := start(t, emu.Options{RateLimit: 30}, dnsimple.Config{})
	if _, err := p.Records(t.Context(), origin); err != nil {
		t.Fatal(err)
	}
	// Another client spends all but 5 of the budget.
	for range 23 {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/v2/whoami", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	applied, err := p.Apply(t.Context(), origin, sets(10, 300))
	if !errors.Is(err, dnsimple.ErrBudget) {
		t.Fatalf("apply: %v, want the hourly limit", err)
	}
	created := 0
	for _, r := range s.Records(origin) {
		if r.Type == "A" {
			created++
		}
	}
	if applied != created || applied != 5 {
		t.Errorf("applied %d, %d records created: want 5 and 5", applied, created)
	}
	if !strings.Contains(err.Error(), "5 of 10 changes applied") || !strings.Contains(err.Error(), "resets at") {
		t.Errorf("error %q: want the counts and the reset time", err)
	}
}

// DNSimple-only records, regional records, unquoted TXT it cannot read
// exactly and system records below the apex are protected: a convergence
// leaves them as they are.
func TestProtectedUntouched(t *testing.T) {
	s, p := start(t, emu.Options{}, dnsimple.Config{})
	fixtures := []emu.Record{
		{Name: "", Type: "ALIAS", Content: "lb.example.net", TTL: 300},
		{Name: "go", Type: "URL", Content: "https://example.net/", TTL: 300},
		{Name: "pool", Type: "POOL", Content: "a.example.net", TTL: 300},
		{Name: "geo", Type: "A", Content: "192.0.2.77", TTL: 300, Regions: []string{"AMS", "TKO"}},
		{Name: "odd", Type: "TXT", Content: `say "hi"`, TTL: 300},
		{Name: "_sys", Type: "TXT", Content: `"system"`, TTL: 300, SystemRecord: true},
	}
	for _, f := range fixtures {
		s.AddRecord(origin, f)
	}
	before := s.Records(origin)
	read, err := p.Records(t.Context(), origin)
	if err != nil {
		t.Fatal(err)
	}
	protected := map[string]bool{}
	for _, set := range read {
		if set.Protected != "" {
			protected[set.Name+" "+set.TypeString()] = true
		}
	}
	for _, k := range []string{"example.com. A", "example.com. AAAA", "go.example.com. A", "pool.example.com. CNAME", "geo.example.com. A", "odd.example.com. TXT", "_sys.example.com. TXT"} {
		if !protected[k] {
			t.Errorf("%s not protected: %v", k, read)
		}
	}
	// A zone that says otherwise about every one of those names.
	providertest.Converge(t, p, origin, providertest.Head+`
@ A 192.0.2.1
go A 192.0.2.2
pool CNAME www
geo A 192.0.2.3
odd TXT "other"
_sys TXT "other"
www A 192.0.2.4
`)
	after := s.Records(origin)
	for _, b := range before {
		if !slices.ContainsFunc(after, func(a emu.Record) bool {
			return a.ID == b.ID && a.Content == b.Content && a.TTL == b.TTL
		}) {
			t.Errorf("record %+v changed or deleted", b)
		}
	}
	if len(after) != len(before)+2 {
		t.Errorf("%d records after, want %d (ns1 and www added only)", len(after), len(before)+2)
	}
}

// One record changed in a set of three: the unchanged one keeps its ID,
// the changed value is a PATCH in place, the surplus one deleted, and
// nothing else is sent.
func TestMinimalRRsetUpdate(t *testing.T) {
	s, p := start(t, emu.Options{}, dnsimple.Config{})
	providertest.Converge(t, p, origin, providertest.Head+"www A 192.0.2.11\nwww A 192.0.2.12\nwww A 192.0.2.13\n")
	ids := map[string]int64{}
	for _, r := range s.Records(origin) {
		ids[r.Content] = r.ID
	}
	s.ResetRequests()
	providertest.Converge(t, p, origin, providertest.Head+"www A 192.0.2.11\nwww A 192.0.2.15\n")
	var writes []string
	for _, r := range s.Requests() {
		if r.Method != http.MethodGet {
			writes = append(writes, r.Method)
		}
	}
	if !slices.Equal(writes, []string{"PATCH", "DELETE"}) {
		t.Errorf("writes %v, want PATCH then DELETE", writes)
	}
	for _, r := range s.Records(origin) {
		if r.Content == "192.0.2.11" && r.ID != ids["192.0.2.11"] {
			t.Errorf("the unchanged record was replaced (ID %d, was %d)", r.ID, ids["192.0.2.11"])
		}
	}
}

// The API's own refusals reach the user with its reasons: a TTL below 60
// (the plan raises such TTLs; this apply bypasses the plan) and a CNAME
// beside other data.
func TestAPIRefusals(t *testing.T) {
	_, p := start(t, emu.Options{}, dnsimple.Config{})
	if _, err := p.Records(t.Context(), origin); err != nil {
		t.Fatal(err)
	}
	_, err := p.Apply(t.Context(), origin, sets(1, 30))
	if err == nil || !strings.Contains(err.Error(), "HTTP 400") || !strings.Contains(err.Error(), "ttl") || !strings.Contains(err.Error(), "0 of 1 changes applied") {
		t.Errorf("TTL 30: %v", err)
	}
	_, err = p.Apply(t.Context(), origin, []providers.Change{
		{Set: zones.RRset{Name: "x." + origin, Type: dns.TypeA, TTL: 300, Data: []string{"192.0.2.1"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// A CNAME where an A stays (a plan never asks this; the API refuses).
	applied, err := p.Apply(t.Context(), origin, []providers.Change{
		{Set: zones.RRset{Name: "x." + origin, Type: dns.TypeCNAME, TTL: 300, Data: []string{"www.example.net."}}},
	})
	if err == nil || applied != 0 || !strings.Contains(err.Error(), "CNAME") {
		t.Errorf("CNAME beside A: %d, %v", applied, err)
	}
}

// batch: true on an account without the Enterprise plan says what to do,
// and writes nothing.
func TestBatchNeedsEnterprise(t *testing.T) {
	s, p := start(t, emu.Options{}, dnsimple.Config{Batch: true})
	_, err := p.Apply(t.Context(), origin, sets(3, 300))
	if !errors.Is(err, dnsimple.ErrPlanFeature) || !strings.Contains(err.Error(), "Enterprise") {
		t.Errorf("batch without Enterprise: %v", err)
	}
	if n := len(s.Records(origin)); n != 5 {
		t.Errorf("%d records, want the 5 system records only", n)
	}
}

// The SOA and apex NS are refused before any write.
func TestSystemRecordsRefused(t *testing.T) {
	s, p := start(t, emu.Options{}, dnsimple.Config{})
	_, err := p.Apply(context.Background(), origin, []providers.Change{{Set: zones.RRset{Name: origin, Type: dns.TypeNS, TTL: 300, Data: []string{"ns.example.net."}}}})
	if err == nil || !strings.Contains(err.Error(), "system records") {
		t.Errorf("apex NS: %v", err)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// Records written by others: one set with two TTLs is made one (a PATCH
// of the odd record), and plain unquoted TXT reads as the one string it
// is, so it plans nothing.
func TestWrittenByOthers(t *testing.T) {
	s, p := start(t, emu.Options{}, dnsimple.Config{})
	s.AddRecord(origin, emu.Record{Name: "mix", Type: "A", Content: "192.0.2.1", TTL: 300})
	s.AddRecord(origin, emu.Record{Name: "mix", Type: "A", Content: "192.0.2.2", TTL: 600})
	s.AddRecord(origin, emu.Record{Name: "", Type: "TXT", Content: "v=spf1 -all", TTL: 300})
	s.ResetRequests()
	first := providertest.Converge(t, p, origin, providertest.Head+`
@ TXT "v=spf1 -all"
mix A 192.0.2.1
mix A 192.0.2.2
`)
	for _, c := range first.Changes {
		if c.RRset().Name != "mix."+origin && c.RRset().Name != "ns1."+origin {
			t.Errorf("planned %s %s", c.RRset().Name, c.RRset().TypeString())
		}
	}
	var writes []string
	for _, r := range s.Requests() {
		if r.Method != http.MethodGet {
			writes = append(writes, r.Method+" "+r.Body)
		}
	}
	slices.Sort(writes)
	if len(writes) != 2 || writes[0] != `PATCH {"ttl":300}` || !strings.HasPrefix(writes[1], `POST {"name":"ns1"`) {
		t.Errorf("writes %q, want the ns1 POST and one PATCH of the TTL", writes)
	}
}
