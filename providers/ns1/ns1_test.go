package ns1_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/internal/apply"
	emu "github.com/zonecast/zonecast/internal/emulator/ns1"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/providers/ns1"
	"github.com/zonecast/zonecast/providers/providertest"
	"github.com/zonecast/zonecast/zones"
)

const (
	origin = "example.com."
	key    = "ns1-test-key"
)

// start runs an emulator serving example.com. (as NS1 makes it: its own
// apex NS, no other record) and a provider of it.
func start(t testing.TB, opts emu.Options) (*emu.Server, *ns1.Provider) {
	t.Helper()
	opts.Keys = []string{key}
	s := emu.New(opts)
	t.Cleanup(s.Close)
	s.AddZone(origin)
	p, err := ns1.New("ns1", s.URL+"/v1/", key, 10000)
	if err != nil {
		t.Fatal(err)
	}
	return s, p
}

func parse(t *testing.T, text string) *zones.Zone {
	t.Helper()
	z, diags, err := zones.Parse(strings.NewReader(text), "t.zone", zones.Options{Origin: origin})
	if err != nil || diags.HasErrors() {
		t.Fatalf("bad zone: %v %v", err, diags.Err())
	}
	return z
}

// The conformance suite against the emulator, with NS1's default rate
// limits on.
func TestConformance(t *testing.T) {
	s, p := start(t, emu.Options{})
	providertest.Run(t, p, origin)
	if c := s.Counts(); c["GET /v1/zones/{zone}"] == 0 || c["PUT /v1/zones/{zone}/{domain}/{type}"] == 0 ||
		c["POST /v1/zones/{zone}/{domain}/{type}"] == 0 || c["DELETE /v1/zones/{zone}/{domain}/{type}"] == 0 {
		t.Errorf("the suite did not use every route: %v", c)
	}
}

// Reading a zone of plain records is one GET; a NAPTR or HINFO record
// costs one GET more (its short answer loses empty fields and spaces), and
// is read exactly.
func TestReadCalls(t *testing.T) {
	s, p := start(t, emu.Options{})
	providertest.Converge(t, p, origin, providertest.Head+"www A 192.0.2.1\nmx MX 10 mail\nmail A 192.0.2.2\n")
	s.ResetRequests()
	if _, err := p.Records(t.Context(), origin); err != nil {
		t.Fatal(err)
	}
	if c := s.Counts(); len(c) != 1 || c["GET /v1/zones/{zone}"] != 1 {
		t.Errorf("reading plain records: %v, want one GET of the zone", c)
	}
	providertest.Converge(t, p, origin, providertest.Head+`www A 192.0.2.1
n NAPTR 100 10 "" "" "!^.*$!sip:a b@example.net!" .
h HINFO "Intel Xeon" ""
`)
	s.ResetRequests()
	if _, err := p.Records(t.Context(), origin); err != nil {
		t.Fatal(err)
	}
	if c := s.Counts(); c["GET /v1/zones/{zone}"] != 1 || c["GET /v1/zones/{zone}/{domain}/{type}"] != 2 {
		t.Errorf("reading NAPTR and HINFO: %v, want one GET of the zone and two of records", c)
	}
}

// A large zone's listing comes in pages; the driver follows them.
func TestPaging(t *testing.T) {
	s, p := start(t, emu.Options{PageSize: 40})
	for i := range 100 {
		s.AddRecord(origin, emu.Record{Domain: fmt.Sprintf("h%d", i), Type: "A", TTL: 300, Answers: []emu.Answer{{Answer: []string{"192.0.2.1"}}}})
	}
	sets, err := p.Records(t.Context(), origin)
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 102 { // SOA, apex NS and the 100
		t.Errorf("read %d RRsets, want 102", len(sets))
	}
	if c := s.Counts(); c["GET /v1/zones/{zone}"] != 3 {
		t.Errorf("%v: want three pages", c)
	}
}

// NS1's own: the SOA from the zone object, the apex NS record it made.
func TestSOAAndApexNS(t *testing.T) {
	s, p := start(t, emu.Options{})
	sets, err := p.Records(t.Context(), origin)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, set := range sets {
		got = append(got, fmt.Sprintf("%s %s %v", set.Name, set.TypeString(), set.Data))
	}
	want := []string{
		fmt.Sprintf("example.com. SOA [dns1.p01.nsone.net. hostmaster.nsone.net. %d 43200 7200 1209600 3600]", s.Serial(origin)),
		"example.com. NS [dns1.p01.nsone.net. dns2.p01.nsone.net. dns3.p01.nsone.net. dns4.p01.nsone.net.]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if c := p.Capabilities(); !c.OwnsSOA || c.OwnsApexNS || !c.TXTJoined {
		t.Errorf("capabilities %+v", c)
	}
}

// A zone NS1 does not have is ErrZoneNotFound, for reads and writes; a
// wrong key says so, without the key.
func TestNotFoundAndBadKey(t *testing.T) {
	s, p := start(t, emu.Options{})
	if _, err := p.Records(t.Context(), "nosuch.example."); !errors.Is(err, providers.ErrZoneNotFound) {
		t.Errorf("unknown zone: %v, want ErrZoneNotFound", err)
	}
	_, err := p.Apply(t.Context(), "nosuch.example.", []providers.Change{{Set: zones.RRset{Name: "www.nosuch.example.", Type: dns.TypeA, TTL: 300, Data: []string{"192.0.2.1"}}}})
	if !errors.Is(err, providers.ErrZoneNotFound) {
		t.Errorf("apply to an unknown zone: %v, want ErrZoneNotFound", err)
	}
	bad, err := ns1.New("ns1", s.URL+"/v1/", "not-the-key", 1000)
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Records(t.Context(), origin)
	if err == nil || !strings.Contains(err.Error(), "API key is refused") || strings.Contains(err.Error(), "not-the-key") || strings.Contains(err.Error(), key) {
		t.Errorf("wrong key: %v", err)
	}
	for _, r := range s.Requests() {
		if r.Status == http.StatusUnauthorized && strings.Contains(r.Path+r.Query, "not-the-key") {
			t.Errorf("the key went into the URL: %s", r.Path)
		}
	}
}

// Records with filter chains, meta or a link are protected: an apply of
// a zone that says otherwise leaves them exactly as they were, and the
// plan says why.
func TestAdvancedRecordsProtected(t *testing.T) {
	s, p := start(t, emu.Options{})
	link := "www.example.com"
	fixtures := []emu.Record{
		{Domain: "geo", Type: "A", TTL: 60, Answers: []emu.Answer{
			{Answer: []string{"192.0.2.1"}, Meta: map[string]any{"georegion": []any{"US-EAST"}}},
			{Answer: []string{"192.0.2.2"}, Meta: map[string]any{"georegion": []any{"EUROPE"}}}},
			Filters: []emu.Filter{{Filter: "geotarget_regional", Config: map[string]any{}}, {Filter: "select_first_n", Config: map[string]any{"N": 1}}}},
		{Domain: "meta", Type: "A", TTL: 60, Answers: []emu.Answer{{Answer: []string{"192.0.2.3"}, Meta: map[string]any{"up": false}}}},
		{Domain: "www", Type: "A", TTL: 300, Answers: []emu.Answer{{Answer: []string{"192.0.2.4"}}}},
		{Domain: "linked", Type: "A", TTL: 300, Link: &link},
	}
	for _, r := range fixtures {
		s.AddRecord(origin, r)
	}
	before := s.Records(origin)
	target := providertest.Converge(t, p, origin, providertest.Head+`www A 192.0.2.4
geo A 198.51.100.1
meta A 198.51.100.2
other A 198.51.100.3
`)
	notes := strings.Join(target.Notes, "\n")
	for _, want := range []string{"geo.example.com. A at ns1 is an NS1 record with a filter chain (geotarget_regional, select_first_n)", "meta.example.com. A at ns1 is an NS1 record with meta on 1 answers", "linked.example.com. A at ns1 is linked to www.example.com"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	after := s.Records(origin)
	for _, b := range before {
		if b.Domain == "example.com" {
			continue // the apex NS, which the zone file sets
		}
		i := slices.IndexFunc(after, func(a emu.Record) bool { return a.Domain == b.Domain && a.Type == b.Type })
		if i < 0 {
			t.Errorf("%s %s was deleted", b.Domain, b.Type)
			continue
		}
		if a, _ := json.Marshal(after[i]); string(a) != mustJSON(t, b) {
			t.Errorf("%s %s changed:\n%+v\nwas\n%+v", b.Domain, b.Type, after[i], b)
		}
	}
}

// The zone drifts between plan and apply: the record the plan creates
// exists (PUT is 400 "record already exists": POST instead), the record it
// updates is gone (POST is 404 "record not found": PUT instead), and the
// one it deletes is gone too (done).
func TestDrift(t *testing.T) {
	s, p := start(t, emu.Options{})
	providertest.Converge(t, p, origin, providertest.Head+"upd A 192.0.2.1\ndel A 192.0.2.2\n")
	desired := parse(t, providertest.Head+"upd A 192.0.2.11\nnew A 192.0.2.3\n")
	first := providertest.PlanOf(t.Context(), t, p, desired)
	if len(first.Changes) != 3 {
		t.Fatalf("planned %d changes, want 3", len(first.Changes))
	}
	s.AddRecord(origin, emu.Record{Domain: "new", Type: "A", TTL: 1, Answers: []emu.Answer{{Answer: []string{"192.0.2.99"}}}})
	for _, d := range []string{"upd", "del"} {
		req, _ := http.NewRequest(http.MethodDelete, s.URL+"/v1/zones/example.com/"+d+".example.com/A", nil)
		req.Header.Set("X-NSONE-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("delete %s: %v %v", d, err, resp)
		}
		resp.Body.Close()
	}
	s.ResetRequests()
	res := apply.Run(t.Context(), []apply.Job{{Target: &first, Provider: p}})[0]
	if res.Err != nil || res.Applied != 3 {
		t.Fatalf("apply: %v (applied %d)", res.Err, res.Applied)
	}
	var statuses []string
	for _, r := range s.Requests() {
		statuses = append(statuses, fmt.Sprintf("%s %s %d", r.Method, strings.TrimPrefix(r.Path, "/v1/zones/example.com/"), r.Status))
	}
	// apply sends the deletes last.
	want := []string{"PUT new.example.com/A 400", "POST new.example.com/A 200", "POST upd.example.com/A 404", "PUT upd.example.com/A 200", "DELETE del.example.com/A 404"}
	if !slices.Equal(statuses, want) {
		t.Errorf("requests %q\nwant %q", statuses, want)
	}
	if again := providertest.PlanOf(t.Context(), t, p, desired); len(again.Changes) != 0 {
		t.Errorf("a plan after apply has %d changes", len(again.Changes))
	}
}

// The API's own refusals come back with NS1's message and stop the apply
// there, counting what was done.
func TestRefusal(t *testing.T) {
	s, p := start(t, emu.Options{})
	changes := []providers.Change{
		{Set: zones.RRset{Name: "a.example.com.", Type: dns.TypeA, TTL: 300, Data: []string{"192.0.2.1"}}},
		{Set: zones.RRset{Name: "x.other.net.", Type: dns.TypeA, TTL: 300, Data: []string{"192.0.2.2"}}},
		{Set: zones.RRset{Name: "b.example.com.", Type: dns.TypeA, TTL: 300, Data: []string{"192.0.2.3"}}},
	}
	n, err := p.Apply(t.Context(), origin, changes)
	if n != 1 || err == nil || !strings.Contains(err.Error(), "HTTP 400: domain x.other.net is not in zone example.com") {
		t.Errorf("applied %d, %v", n, err)
	}
	if len(s.Records(origin)) != 2 {
		t.Errorf("records %v", s.Records(origin))
	}
}

// A TXT record is one text to NS1: "a" "b" is written as "ab" and read
// back as one string, which the plan says and then compares in that form.
func TestTXTJoined(t *testing.T) {
	s, p := start(t, emu.Options{})
	long := strings.Repeat("x", 300)
	target := providertest.Converge(t, p, origin, providertest.Head+`t TXT "a" "b c" "semi;colon \"q\""
l TXT "`+long[:100]+`" "`+long[100:]+`"
`)
	if !strings.Contains(strings.Join(target.Notes, "\n"), "t.example.com. TXT: strings joined and cut at 255 octets") {
		t.Errorf("notes %q", target.Notes)
	}
	for _, r := range s.Records(origin) {
		switch r.Domain {
		case "t.example.com":
			if got := r.Answers[0].Answer; !slices.Equal(got, []string{`ab csemi;colon "q"`}) {
				t.Errorf("stored %q", got)
			}
		case "l.example.com":
			if got := r.Answers[0].Answer; !slices.Equal(got, []string{long}) {
				t.Errorf("stored %q", got)
			}
		}
	}
}

// 429 (without Retry-After, as NS1 sends it) and 5xx are retried.
func TestFaults(t *testing.T) {
	s, p := start(t, emu.Options{})
	s.Inject(emu.Fault{Method: http.MethodGet, Status: http.StatusTooManyRequests, Times: 1})
	s.Inject(emu.Fault{Method: http.MethodGet, Status: http.StatusBadGateway, Times: 1})
	if _, err := p.Records(t.Context(), origin); err != nil {
		t.Fatal(err)
	}
	s.Inject(emu.Fault{Method: http.MethodPut, Status: http.StatusTooManyRequests, RetryAfter: time.Second, Times: 1})
	s.Inject(emu.Fault{Method: http.MethodPut, Status: http.StatusServiceUnavailable, Times: 1})
	s.Inject(emu.Fault{Method: http.MethodPut, Reset: true, Times: 1})
	if _, err := p.Apply(t.Context(), origin, []providers.Change{{Set: zones.RRset{Name: "a.example.com.", Type: dns.TypeA, TTL: 300, Data: []string{"192.0.2.1"}}}}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range s.Requests() {
		got = append(got, fmt.Sprintf("%s %d", r.Method, r.Status))
	}
	want := []string{"GET 429", "GET 502", "GET 200", "PUT 429", "PUT 503", "PUT 0", "PUT 200"}
	if !slices.Equal(got, want) {
		t.Errorf("requests %q, want %q", got, want)
	}
	// A fault that does not end is reported, after max_attempts.
	s.Inject(emu.Fault{Method: http.MethodGet, Status: http.StatusInternalServerError})
	s.ResetRequests()
	two, err := ns1.Driver.New("ns1", &ns1.Config{APIKey: providers.NewSecret(key), Endpoint: s.URL + "/v1/", MaxAttempts: 2}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := two.Records(t.Context(), origin); err == nil || !strings.Contains(err.Error(), "HTTP 500") {
		t.Errorf("a lasting 500: %v", err)
	}
	if n := len(s.Requests()); n != 2 {
		t.Errorf("a lasting 500 was tried %d times, want max_attempts 2", n)
	}
}

// NS1's buckets: with 3 writes a period, an apply of 6 changes waits for
// tokens as the X-RateLimit headers say instead of running into 429s, and
// a 429 all the same (another client spending the tokens) is retried
// after one token's time.
func TestRateLimits(t *testing.T) {
	s, p := start(t, emu.Options{WriteLimit: 3, Period: time.Second})
	var changes []providers.Change
	for i := range 6 {
		changes = append(changes, providers.Change{Set: zones.RRset{Name: fmt.Sprintf("h%d.example.com.", i), Type: dns.TypeA, TTL: 300, Data: []string{"192.0.2.1"}}})
	}
	if n, err := p.Apply(t.Context(), origin, changes); err != nil || n != 6 {
		t.Fatalf("applied %d: %v", n, err)
	}
	limited := 0
	for _, r := range s.Requests() {
		if r.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited > 1 || p.Waited() == 0 {
		t.Errorf("%d answers were 429 and the driver waited %s: want it to pace by the headers", limited, p.Waited())
	}
	// Another client of the account empties the bucket.
	other, _ := ns1.New("other", s.URL+"/v1/", key, 10000)
	for i := range 3 {
		other.Apply(context.Background(), origin, []providers.Change{{Delete: true, Set: zones.RRset{Name: fmt.Sprintf("h%d.example.com.", i), Type: dns.TypeA}}})
	}
	s.ResetRequests()
	if _, err := p.Apply(t.Context(), origin, []providers.Change{{Delete: true, Set: zones.RRset{Name: "h5.example.com.", Type: dns.TypeA}}}); err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, r := range s.Requests() {
		got = append(got, r.Status)
	}
	if got[len(got)-1] != 200 {
		t.Errorf("statuses %v: want the delete to go through in the end", got)
	}
}

// The configuration: api_key required, the endpoint checked.
func TestConfig(t *testing.T) {
	if _, err := ns1.Driver.New("n", &ns1.Config{}, ""); err == nil || !strings.Contains(err.Error(), "api_key") {
		t.Errorf("no key: %v", err)
	}
	if _, err := ns1.Driver.New("n", &ns1.Config{APIKey: providers.NewSecret("k"), Endpoint: "ftp://x"}, ""); err == nil {
		t.Error("an ftp endpoint was accepted")
	}
	if _, err := ns1.Driver.New("n", &ns1.Config{APIKey: providers.NewSecret("k")}, ""); err != nil {
		t.Errorf("the default endpoint: %v", err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TXT octets that are not UTF-8 cannot travel in NS1's JSON: the apply is
// refused before any request, naming the set; UTF-8 text goes through.
func TestTXTNotUTF8(t *testing.T) {
	s, p := start(t, emu.Options{})
	providertest.Converge(t, p, origin, providertest.Head+`u TXT "\195\169t\195\169 a\009b"`+"\n")
	desired := parse(t, providertest.Head+`u TXT "\195\169t\195\169 a\009b"`+"\nbad TXT \"a\\212b\"\nok A 192.0.2.1\n")
	first := providertest.PlanOf(t.Context(), t, p, desired)
	s.ResetRequests()
	res := apply.Run(t.Context(), []apply.Job{{Target: &first, Provider: p}})[0]
	if res.Err == nil || res.Applied != 0 || !strings.Contains(res.Err.Error(), "bad.example.com. TXT: \"a\\212b\" holds octets that are not UTF-8") {
		t.Errorf("apply: %v (applied %d)", res.Err, res.Applied)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}
