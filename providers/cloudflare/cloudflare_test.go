package cloudflare_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/zonecast/zonecast/internal/apply"
	emu "github.com/zonecast/zonecast/internal/emulator/cloudflare"
	"github.com/zonecast/zonecast/internal/plan"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/cloudflare"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/zones"
)

const origin = "example.com."

type cfProvider = cloudflare.Provider

func newProvider(s *emu.Server) (*cloudflare.Provider, error) {
	return cloudflare.New("cloudflare", cloudflare.Config{
		APIToken: providers.NewSecret("test-token"), APIURL: s.URL + "/client/v4",
		RequestsPerSecond: 1000, MaxWait: 20 * time.Second,
	})
}

func setup(t *testing.T, opts emu.Options) (*emu.Server, *cloudflare.Provider) {
	t.Helper()
	s := emu.New(opts)
	t.Cleanup(s.Close)
	s.AddZone("example.com")
	p, err := newProvider(s)
	if err != nil {
		t.Fatal(err)
	}
	return s, p
}

func TestConformance(t *testing.T) {
	_, p := setup(t, emu.Options{})
	providertest.Run(t, p, origin)
}

// TestReadOnlyAndProxied: a read-only record is never changed and is a
// note in the plan; a proxied record's automatic TTL (1) is no change.
func TestReadOnlyAndProxied(t *testing.T) {
	s, p := setup(t, emu.Options{})
	ten := 10
	s.AddRecord("example.com", emu.Record{Type: "MX", Name: "example.com", Content: "route1.mx.cloudflare.net", Priority: &ten, TTL: 1, ReadOnly: true})
	s.AddRecord("example.com", emu.Record{Type: "A", Name: "www.example.com", Content: "192.0.2.80", TTL: 1, Proxied: true})
	applied := providertest.Converge(t, p, origin, providertest.Head+"@ MX 10 mail.example.net.\nwww 300 A 192.0.2.80\n")
	if len(applied.Changes) != 1 || applied.Changes[0].After.Name != "ns1.example.com." {
		t.Errorf("planned %d changes, want only the head's ns1 A: a read-only and a proxied record are no change", len(applied.Changes))
	}
	if !strings.Contains(strings.Join(applied.Notes, "\n"), "example.com. MX at cloudflare is read-only at Cloudflare: left alone") {
		t.Errorf("no note about the read-only record: %q", applied.Notes)
	}
	mx := 0
	for _, r := range s.Records("example.com") {
		if r.Type == "MX" {
			mx++
		}
	}
	if mx != 1 {
		t.Errorf("%d MX records at the emulator, want the read-only one alone", mx)
	}
}

// TestFaults: a 429 burst and transient 5xx with HTML bodies are retried
// within the budget and the zone converges.
func TestFaults(t *testing.T) {
	s, p := setup(t, emu.Options{})
	s.Inject(emu.Fault{Path: "/dns_records", Status: 429, RetryAfter: time.Second, Times: 2})
	s.Inject(emu.Fault{Path: "/batch", Status: 503, HTML: true, Times: 2})
	providertest.Converge(t, p, origin, providertest.Head+"www A 192.0.2.1\nwww A 192.0.2.2\n")
	statuses := map[int]int{}
	for _, r := range s.Requests() {
		statuses[r.Status]++
	}
	if statuses[429] != 2 || statuses[503] != 2 {
		t.Errorf("faults seen: %v; want 2×429 and 2×503", statuses)
	}
}

// TestDown: an API that stays down fails within the budget, with the
// provider's own answer in the error.
func TestDown(t *testing.T) {
	s, _ := setup(t, emu.Options{})
	p, err := cloudflare.New("cloudflare", cloudflare.Config{APIToken: providers.NewSecret("test-token"), APIURL: s.URL + "/client/v4",
		RequestsPerSecond: 1000, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	s.Inject(emu.Fault{Status: 500})
	if _, err := p.Records(t.Context(), origin); err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("a down API gave %v", err)
	}
}

// TestCallBudget: a no-change plan makes only the listing calls (one zone
// lookup and one list request per 100 records); an apply of k RRsets makes
// one batch request per 200 records, and one read of the record quota when
// the zone goes past 200 records.
func TestCallBudget(t *testing.T) {
	s, p := setup(t, emu.Options{})
	var b strings.Builder
	b.WriteString(providertest.Head)
	for i := range 450 {
		b.WriteString("h" + itoa(i) + " A 192.0.2." + itoa(i%250+1) + "\n")
	}
	s.ResetRequests()
	providertest.Converge(t, p, origin, b.String())
	var lists, batches, usage, other int
	for _, r := range s.Requests() {
		switch {
		case r.Method == "GET" && strings.HasSuffix(r.Path, "/dns_records"):
			lists++
		case r.Method == "GET" && strings.HasSuffix(r.Path, "/dns_records/usage"):
			usage++
		case strings.HasSuffix(r.Path, "/batch"):
			batches++
		case r.Method == "GET" && strings.HasSuffix(r.Path, "/zones"):
		default:
			other++
		}
	}
	// Plan (1 page: empty), apply 451 records (3 batches of ≤200), plan
	// again (5 pages of 100).
	if lists != 1+5 || batches != 3 || usage != 1 || other != 0 {
		t.Errorf("%d list requests, %d batches, %d quota reads, %d other requests; want 6, 3, 1, 0", lists, batches, usage, other)
	}
	s.ResetRequests()
	providertest.Converge(t, p, origin, b.String())
	for _, r := range s.Requests() {
		if r.Method != "GET" {
			t.Errorf("a no-change plan and apply sent %s %s", r.Method, r.Path)
		}
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// planned is the ordered changes that make the zone text at p.
func planned(t *testing.T, p providers.Provider, text string) []providers.Change {
	t.Helper()
	z, diags, err := zones.Parse(strings.NewReader(text), "desired.zone", zones.Options{Origin: origin})
	if err != nil || diags.HasErrors() {
		t.Fatalf("bad zone: %v %v", err, diags.Err())
	}
	target := providertest.PlanOf(t.Context(), t, p, z)
	return apply.Order(target.Changes)
}

// hosts is the head and n address records h0…h(n-1).
func hosts(n int) string {
	var b strings.Builder
	b.WriteString(providertest.Head)
	for i := range n {
		b.WriteString("h" + itoa(i) + " A 192.0.2." + itoa(i%250+1) + "\n")
	}
	return b.String()
}

// TestProgressPerBatch: the trace is told the count applied after each
// batch request (451 one-record creations: batches of 200, 200 and 51).
func TestProgressPerBatch(t *testing.T) {
	_, p := setup(t, emu.Options{})
	changes := planned(t, p, hosts(450))
	var reports []int
	ctx := providers.WithTrace(t.Context(), &providers.Trace{Applied: func(done int) { reports = append(reports, done) }})
	if n, err := p.Apply(ctx, origin, changes); err != nil || n != len(changes) {
		t.Fatalf("apply: %d of %d applied, err %v", n, len(changes), err)
	}
	if diff := cmp.Diff([]int{200, 400, 451}, reports); diff != "" {
		t.Errorf("progress reports (-want +got):\n%s", diff)
	}
}

// TestCancelBetweenBatches: a context cancelled during the first batch
// request stops the apply before the second, with that batch's changes
// applied and reported; a context cancelled before Apply sends nothing.
func TestCancelBetweenBatches(t *testing.T) {
	s, p := setup(t, emu.Options{})
	changes := planned(t, p, hosts(450))
	ctx, cancel := context.WithCancel(t.Context())
	ctx = providers.WithTrace(ctx, &providers.Trace{Applied: func(int) { cancel() }})
	s.ResetRequests()
	n, err := p.Apply(ctx, origin, changes)
	if n != 200 || !errors.Is(err, context.Canceled) {
		t.Errorf("apply cancelled after the first batch: %d applied, err %v; want 200, context.Canceled", n, err)
	}
	batches := 0
	for _, r := range s.Requests() {
		if strings.HasSuffix(r.Path, "/batch") {
			batches++
		}
	}
	held := 0
	for _, r := range s.Records("example.com") {
		if r.Type == "A" && strings.HasPrefix(r.Name, "h") {
			held++
		}
	}
	if batches != 1 || held != 200 {
		t.Errorf("%d batch requests sent, %d h* records held; want 1 and 200", batches, held)
	}

	s.ResetRequests()
	if n, err := p.Apply(ctx, origin, changes[200:]); n != 0 || !errors.Is(err, context.Canceled) {
		t.Errorf("apply with a cancelled context: %d applied, err %v; want 0, context.Canceled", n, err)
	}
	if len(s.Requests()) != 0 {
		t.Errorf("apply with a cancelled context sent %d requests", len(s.Requests()))
	}
}

// TestEditsKeepProxiedAndMetadata: adding an address to a proxied RRset,
// changing its value, and changing a DNS-only record's TTL keep proxied,
// comment, tags and settings, and the kept records their IDs; the new
// address of a proxied RRset is proxied too (issue 13, item 1).
func TestEditsKeepProxiedAndMetadata(t *testing.T) {
	s, p := setup(t, emu.Options{})
	note := "origin behind the WAF"
	www := s.AddRecord("example.com", emu.Record{Type: "A", Name: "www", Content: "192.0.2.80", Proxied: true,
		Comment: &note, Tags: []string{"team:web"}, Settings: []byte(`{"ipv4_only":true}`)})
	mail := s.AddRecord("example.com", emu.Record{Type: "A", Name: "mail", Content: "192.0.2.25", TTL: 300,
		Comment: &note, Tags: []string{"team:mail"}})
	check := func(step string, want map[string]string) {
		t.Helper()
		got := map[string]string{}
		for _, r := range s.Records("example.com") {
			if r.Type != "A" || (r.Name != "www.example.com" && r.Name != "mail.example.com") {
				continue
			}
			c := ""
			if r.Comment != nil {
				c = *r.Comment
			}
			got[r.Name+" "+r.Content] = fmt.Sprintf("proxied=%v ttl=%d comment=%q tags=%v settings=%s", r.Proxied, r.TTL, c, r.Tags, r.Settings)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: records at the emulator (-want +got):\n%s", step, d)
		}
	}
	wwwMeta := `proxied=true ttl=1 comment="origin behind the WAF" tags=[team:web] settings={"ipv4_only":true}`
	notes := func(step string, first plan.Target, want string) {
		t.Helper()
		if !slices.Contains(first.Notes, want) {
			t.Errorf("%s: the plan's notes %q lack %q", step, first.Notes, want)
		}
	}
	first := providertest.Converge(t, p, origin, providertest.Head+"www A 192.0.2.80\nwww A 192.0.2.81\nmail 300 A 192.0.2.25\n")
	notes("add an address", first, "www.example.com. A at cloudflare is proxied (1 of 1 records): the 1 record this change adds is proxied too; turn the proxy off there if it must not be")
	check("add an address", map[string]string{
		"www.example.com 192.0.2.80":  wwwMeta,
		"www.example.com 192.0.2.81":  `proxied=true ttl=1 comment="" tags=[] settings=`,
		"mail.example.com 192.0.2.25": `proxied=false ttl=300 comment="origin behind the WAF" tags=[team:mail] settings=`,
	})
	first = providertest.Converge(t, p, origin, providertest.Head+"www A 192.0.2.90\nmail 600 A 192.0.2.25\n")
	notes("change the value", first, "www.example.com. A at cloudflare is proxied (2 of 2 records): the records changed keep their proxy status, comment and tags")
	check("change the value and a TTL", map[string]string{
		"www.example.com 192.0.2.90":  wwwMeta,
		"mail.example.com 192.0.2.25": `proxied=false ttl=600 comment="origin behind the WAF" tags=[team:mail] settings=`,
	})
	ids := map[string]bool{}
	for _, r := range s.Records("example.com") {
		ids[r.ID] = true
	}
	if !ids[www.ID] || !ids[mail.ID] {
		t.Errorf("the edited records lost their IDs (www %v, mail %v): they were deleted and posted again", ids[www.ID], ids[mail.ID])
	}
	first = providertest.Converge(t, p, origin, providertest.Head+"www CNAME origin.example.net.\nmail 600 A 192.0.2.25\n")
	notes("A to CNAME", first, "www.example.com. A at cloudflare is proxied and is deleted; the CNAME created at that name is not proxied: it serves the origin's own data unless the proxy is turned on for it there")
	if r := find(s.Records("example.com"), "www.example.com"); r == nil || r.Proxied {
		t.Errorf("www after A to CNAME: %+v, want the CNAME DNS-only as the note says", r)
	}
}

// TestQuota: a first apply of 300 records to a zone with a 200-record quota
// is refused before any write, naming the quota and the fix; with the quota
// read from the API (or max_records) at 1,000 it goes through (issue 13,
// item 2).
func TestQuota(t *testing.T) {
	s, p := setup(t, emu.Options{RecordQuota: 200})
	changes := planned(t, p, hosts(300))
	s.ResetRequests()
	n, err := p.Apply(t.Context(), origin, changes)
	var qe *cloudflare.QuotaError
	if !errors.As(err, &qe) || n != 0 || qe.Quota != 200 || qe.Records != 301 || !qe.FromAPI ||
		!strings.Contains(err.Error(), "nothing was written") || !strings.Contains(err.Error(), "max_records") {
		t.Fatalf("apply over the quota: applied %d, err %v; want a *QuotaError of 301 records over 200", n, err)
	}
	for _, r := range s.Requests() {
		if r.Method != "GET" {
			t.Errorf("over the quota, the driver still sent %s %s", r.Method, r.Path)
		}
	}
	if got := len(s.Records("example.com")); got != 0 {
		t.Errorf("%d records written", got)
	}

	// The usage endpoint refused (a token without DNS Read there):
	// max_records decides.
	s.Inject(emu.Fault{Path: "/usage", Status: 403})
	big, err := cloudflare.New("cloudflare", cloudflare.Config{APIToken: providers.NewSecret("test-token"),
		APIURL: s.URL + "/client/v4", RequestsPerSecond: 1000, MaxRecords: 150, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := big.Apply(t.Context(), origin, planned(t, big, hosts(180))); !errors.As(err, &qe) || qe.Quota != 150 || qe.FromAPI {
		t.Errorf("max_records 150 with 181 records: %v", err)
	}

	s2, p2 := setup(t, emu.Options{RecordQuota: 1000})
	providertest.Converge(t, p2, origin, hosts(300))
	if got := len(s2.Records("example.com")); got != 301 {
		t.Errorf("%d records at a 1,000-record zone, want 301", got)
	}
}

// TestUnreadableRecord: a record the driver cannot read (URI, with its
// top-level priority) is a protected RRset with a note, and the rest of
// the zone plans and applies (issue 13, item 3).
func TestUnreadableRecord(t *testing.T) {
	s, p := setup(t, emu.Options{})
	ten := 10
	s.AddRecord("example.com", emu.Record{Type: "URI", Name: "_ftp._tcp", Priority: &ten, TTL: 300,
		Data: map[string]any{"weight": 1, "target": "ftp://ftp.example.com/public"}})
	// A value that reads as text but does not encode (a fingerprint that is
	// not hex) is left alone too, not a failed listing.
	s.AddRecord("example.com", emu.Record{Type: "SSHFP", Name: "host", TTL: 300,
		Data: map[string]any{"algorithm": 1, "type": 1, "fingerprint": "not-hex"}})
	applied := providertest.Converge(t, p, origin, providertest.Head+"www A 192.0.2.1\n")
	if !strings.Contains(strings.Join(applied.Notes, "\n"), "_ftp._tcp.example.com. URI at cloudflare is") {
		t.Errorf("no note about the URI record: %q", applied.Notes)
	}
	if !strings.Contains(strings.Join(applied.Notes, "\n"), "host.example.com. SSHFP at cloudflare is unreadable by zonecast") {
		t.Errorf("no note about the SSHFP record: %q", applied.Notes)
	}
	uri := 0
	for _, r := range s.Records("example.com") {
		if r.Type == "URI" {
			uri++
		}
	}
	if uri != 1 {
		t.Errorf("%d URI records, want the one left alone", uri)
	}
}

// TestZoneLookup: with libdns/cloudflare's two tokens (an API token that
// cannot read zones, a zone token that can only read them) the driver
// converges; a pending copy of the zone is passed over; a zone that is only
// pending, or active twice, is an error saying what to do (issue 13,
// item 4).
func TestZoneLookup(t *testing.T) {
	s := emu.New(emu.Options{RecordTokens: []string{"dns-token"}, ZoneTokens: []string{"zone-token"}})
	t.Cleanup(s.Close)
	s.AddZoneStatus("example.com", "pending")
	s.AddZone("example.com")
	s.AddZoneStatus("example.org", "pending")
	s.AddZoneStatus("example.net", "active")
	s.AddZoneStatus("example.net", "active")
	p, err := cloudflare.New("cloudflare", cloudflare.Config{APIToken: providers.NewSecret("dns-token"), ZoneToken: providers.NewSecret("zone-token"),
		APIURL: s.URL + "/client/v4", RequestsPerSecond: 1000, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	providertest.Converge(t, p, origin, providertest.Head+"www A 192.0.2.1\n")
	if _, err := p.Records(t.Context(), "example.org."); err == nil || !strings.Contains(err.Error(), "not active (") {
		t.Errorf("a pending zone alone: %v", err)
	}
	if _, err := p.Records(t.Context(), "example.net."); err == nil || !strings.Contains(err.Error(), "2 active zones") {
		t.Errorf("two active zones: %v", err)
	}
}

// TestRateLimitBlock: HTTP 429 is waited out past the transport's own
// budget (max_wait 1s here, shorter than one Retry-After), up to
// rate_limit_wait; past that the error says which setting to raise
// (issue 13, item 5).
func TestRateLimitBlock(t *testing.T) {
	s, _ := setup(t, emu.Options{})
	cfg := cloudflare.Config{APIToken: providers.NewSecret("test-token"), APIURL: s.URL + "/client/v4",
		RequestsPerSecond: 1000, MaxWait: time.Second, RateLimitWait: 10 * time.Second}
	p, err := cloudflare.New("cloudflare", cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Inject(emu.Fault{Path: "/batch", Status: 429, RetryAfter: time.Second, Times: 2})
	providertest.Converge(t, p, origin, providertest.Head+"www A 192.0.2.1\n")

	cfg.RateLimitWait = 1500 * time.Millisecond
	short, err := cloudflare.New("cloudflare", cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Inject(emu.Fault{Path: "/batch", Status: 429, RetryAfter: time.Second})
	changes := planned(t, short, providertest.Head+"www A 192.0.2.2\n")
	if _, err := short.Apply(t.Context(), origin, changes); err == nil || !strings.Contains(err.Error(), "rate_limit_wait") {
		t.Errorf("a block longer than rate_limit_wait: %v", err)
	}
}

// TestPlanTTLFloor: plan enterprise lowers the TTL floor to 30 s; the free
// plan raises 30 to 60 with a note (issue 13, item 6).
func TestPlanTTLFloor(t *testing.T) {
	s, _ := setup(t, emu.Options{Enterprise: true})
	p, err := cloudflare.New("cloudflare", cloudflare.Config{APIToken: providers.NewSecret("test-token"), APIURL: s.URL + "/client/v4",
		RequestsPerSecond: 1000, Plan: "enterprise"})
	if err != nil {
		t.Fatal(err)
	}
	if applied := providertest.Converge(t, p, origin, providertest.Head+"fast 30 A 192.0.2.1\n"); len(applied.Notes) != 0 {
		t.Errorf("notes on enterprise: %q", applied.Notes)
	}
	if r := find(s.Records("example.com"), "fast.example.com"); r == nil || r.TTL != 30 {
		t.Errorf("fast at the emulator: %+v, want TTL 30", r)
	}
	_, free := setup(t, emu.Options{})
	applied := providertest.Converge(t, free, origin, providertest.Head+"fast 30 A 192.0.2.1\n")
	if !strings.Contains(strings.Join(applied.Notes, "\n"), "TTL 30 raised to cloudflare's minimum 60") {
		t.Errorf("free plan notes: %q", applied.Notes)
	}
	if _, err := cloudflare.New("cloudflare", cloudflare.Config{APIToken: providers.NewSecret("t"), Plan: "gold"}); err == nil {
		t.Error("plan gold accepted")
	}
}

func find(rs []emu.Record, name string) *emu.Record {
	for i := range rs {
		if rs[i].Name == name {
			return &rs[i]
		}
	}
	return nil
}

// TestTXTLimits: a TXT record over 2,048 characters, or a name over 8,192,
// is refused before anything is written (issue 13, item 6).
func TestTXTLimits(t *testing.T) {
	s, p := setup(t, emu.Options{})
	long := `"` + strings.Repeat("a", 255) + `"`
	rec := strings.TrimSpace(strings.Repeat(long+" ", 9)) // 9×257+8 = 2,321 characters
	var many strings.Builder
	for i := range 5 {
		many.WriteString("many TXT " + strings.TrimSpace(strings.Repeat(long+" ", 7)) + ` "` + itoa(i) + "\"\n") // 5 × 1,8xx
	}
	changes := planned(t, p, providertest.Head+"big TXT "+rec+"\n"+many.String()+"ok TXT \"fine\"\n")
	s.ResetRequests()
	_, err := p.Apply(t.Context(), origin, changes)
	if err == nil || !strings.Contains(err.Error(), "big.example.com. TXT has a record of 2321 characters, over Cloudflare's 2048") ||
		!strings.Contains(err.Error(), "many.example.com. TXT holds") || !strings.Contains(err.Error(), "nothing was written") {
		t.Errorf("apply over the TXT limits: %v", err)
	}
	for _, r := range s.Requests() {
		if r.Method != "GET" {
			t.Errorf("over the TXT limits, the driver still sent %s %s", r.Method, r.Path)
		}
	}
}

// TestSVCBQuoted: HTTPS parameters go out quoted, as in Cloudflare's
// examples, and read back as the same RRset (issue 13, item 6).
func TestSVCBQuoted(t *testing.T) {
	s, p := setup(t, emu.Options{})
	providertest.Converge(t, p, origin, providertest.Head+"svc HTTPS 1 . alpn=h2,h3 port=8443 no-default-alpn\n")
	r := find(s.Records("example.com"), "svc.example.com")
	if r == nil || r.Data["value"] != `alpn="h2,h3" no-default-alpn port="8443"` {
		t.Errorf("HTTPS at the emulator: %+v", r)
	}
}

// TestRateLimitWindow: past the emulator's per-token limit every call gets
// 429 until the window ends (Cloudflare: 1,200 per 5 minutes, then blocked
// for 5 minutes; here 3 per 1.5 s, under the 4 requests of a converge: a
// lookup, two listings and a batch), and the driver waits it out although
// one block is longer than max_wait.
func TestRateLimitWindow(t *testing.T) {
	s, _ := setup(t, emu.Options{RateLimit: 3, RateWindow: 1500 * time.Millisecond})
	p, err := cloudflare.New("cloudflare", cloudflare.Config{APIToken: providers.NewSecret("test-token"), APIURL: s.URL + "/client/v4",
		RequestsPerSecond: 1000, MaxWait: time.Second, RateLimitWait: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	providertest.Converge(t, p, origin, providertest.Head+"www A 192.0.2.1\nwww A 192.0.2.2\n")
	n := 0
	for _, r := range s.Requests() {
		if r.Status == 429 {
			n++
		}
	}
	if n == 0 {
		t.Error("no 429 seen: the test proves nothing")
	}
}

// TestUnsupportedTypeProtected: a record of a type the driver does not
// write (SSHFP made in the dashboard) is left alone with a note, not
// deleted, whether or not the zone file has it (issue 13).
func TestUnsupportedTypeProtected(t *testing.T) {
	s, p := setup(t, emu.Options{})
	s.AddRecord("example.com", emu.Record{Type: "SSHFP", Name: "host", TTL: 300,
		Data: map[string]any{"algorithm": 4, "type": 2, "fingerprint": "123456789abcdef67890123456789abcdef67890123456789abcdef123456789"}})
	for _, zone := range []string{"", "host SSHFP 4 2 123456789abcdef67890123456789abcdef67890123456789abcdef123456789\n"} {
		applied := providertest.Converge(t, p, origin, providertest.Head+zone)
		if !strings.Contains(strings.Join(applied.Notes, "\n"), "host.example.com. SSHFP at cloudflare is of a type zonecast does not write") {
			t.Errorf("no note about the SSHFP record: %q", applied.Notes)
		}
		if find(s.Records("example.com"), "host.example.com") == nil {
			t.Fatal("the SSHFP record was deleted")
		}
	}
}
