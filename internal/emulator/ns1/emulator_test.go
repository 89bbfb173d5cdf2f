package ns1

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

const key = "emu-key"

func do(t *testing.T, s *Server, key, method, path, body string) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("X-NSONE-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, strings.TrimSpace(string(b))
}

// The answers and refusals the driver relies on, with NS1's bodies.
func TestRoutes(t *testing.T) {
	s := New(Options{Keys: []string{key}})
	defer s.Close()
	s.AddZone("example.com")
	const a = `{"zone":"example.com","domain":"www.example.com","type":"A","ttl":300,"answers":[{"answer":["192.0.2.1"]}]}`
	for _, c := range []struct {
		name, key, method, path, body string
		status                        int
		want                          string
	}{
		{"no key", "", "GET", "/v1/zones/example.com", "", 401, `{"message":"Unauthorized"}`},
		{"bad key", "nope", "GET", "/v1/zones/example.com", "", 401, `{"message":"Unauthorized"}`},
		{"unknown zone", key, "GET", "/v1/zones/nosuch.example", "", 404, `{"message":"zone not found"}`},
		{"unknown record", key, "GET", "/v1/zones/example.com/www.example.com/A", "", 404, `{"message":"record not found"}`},
		{"POST of a missing record", key, "POST", "/v1/zones/example.com/www.example.com/A", a, 404, `{"message":"record not found"}`},
		{"DELETE of a missing record", key, "DELETE", "/v1/zones/example.com/www.example.com/A", "", 404, `{"message":"record not found"}`},
		{"create", key, "PUT", "/v1/zones/example.com/www.example.com/A", a, 200, `"answer":["192.0.2.1"]`},
		{"PUT of an existing record", key, "PUT", "/v1/zones/example.com/www.example.com/A", a, 400, `{"message":"record already exists"}`},
		{"bad address", key, "PUT", "/v1/zones/example.com/x.example.com/A", `{"answers":[{"answer":["300.1.1.1"]}]}`, 400, `not a valid IPv4 address`},
		{"fields", key, "PUT", "/v1/zones/example.com/m.example.com/MX", `{"answers":[{"answer":["10"]}]}`, 400, `MX answer needs 2 rdata fields`},
		{"outside the zone", key, "PUT", "/v1/zones/example.com/x.other.net/A", `{"answers":[{"answer":["192.0.2.1"]}]}`, 400, `domain x.other.net is not in zone example.com`},
		{"unsupported type", key, "PUT", "/v1/zones/example.com/x.example.com/LOC", `{"answers":[]}`, 400, `unsupported record type LOC`},
		{"DNSSEC", key, "PUT", "/v1/zones/example.com/example.com/DNSKEY", `{"answers":[]}`, 405, `Operation on DNSSEC record is not allowed`},
		{"URL and body differ", key, "PUT", "/v1/zones/example.com/y.example.com/A", a, 400, `does not match the URL`},
	} {
		status, _, body := do(t, s, c.key, c.method, c.path, c.body)
		if status != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s, want %d %s", c.name, status, body, c.status, c.want)
		}
	}
	_, _, body := do(t, s, key, "GET", "/v1/zones/example.com", "")
	var z struct {
		Records []struct {
			Domain, Type string
			Short        []string `json:"short_answers"`
			Tier         int
		}
	}
	if err := json.Unmarshal([]byte(body), &z); err != nil || len(z.Records) != 2 {
		t.Fatalf("zone %s: %v", body, err)
	}
	if r := z.Records[1]; r.Domain != "www.example.com" || r.Short[0] != "192.0.2.1" || r.Tier != 1 {
		t.Errorf("listed %+v", r)
	}
	if r := z.Records[0]; r.Type != "NS" || len(r.Short) != 4 || r.Short[0] != "dns1.p01.nsone.net" {
		t.Errorf("apex NS %+v", r)
	}
}

// Names lose the final dot; tiers follow meta and filters.
func TestStoredForm(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	s.AddZone("example.com")
	if st, _, b := do(t, s, "k", "PUT", "/v1/zones/example.com/mx.example.com/MX", `{"answers":[{"answer":["10","mail.example.net."]},{"answer":["0","."]}]}`); st != 200 {
		t.Fatal(st, b)
	}
	geo := s.AddRecord("example.com", Record{Domain: "geo", Type: "A", Answers: []Answer{{Answer: []string{"192.0.2.1"}}}, Filters: []Filter{{Filter: "up"}}})
	meta := s.AddRecord("example.com", Record{Domain: "meta", Type: "A", Answers: []Answer{{Answer: []string{"192.0.2.1"}, Meta: map[string]any{"up": true}}}})
	if geo.Tier != 3 || meta.Tier != 2 {
		t.Errorf("tiers %d %d, want 3 and 2", geo.Tier, meta.Tier)
	}
	for _, r := range s.Records("example.com") {
		if r.Type == "MX" && (r.Answers[0].Answer[1] != "mail.example.net" || r.Answers[1].Answer[1] != ".") {
			t.Errorf("MX stored as %v", r.Answers)
		}
	}
}

// Buckets: headers on every answer, 429 with NS1's body when empty, refill
// at Limit/Period; Retry-After only when asked for.
func TestRateLimit(t *testing.T) {
	now := time.Unix(1000, 0)
	s := New(Options{ReadLimit: 2, Period: 10 * time.Second, Now: func() time.Time { return now }})
	defer s.Close()
	s.AddZone("example.com")
	var got []string
	for range 3 {
		st, h, _ := do(t, s, "k", "GET", "/v1/zones/example.com", "")
		got = append(got, strings.Join([]string{http.StatusText(st), h.Get("X-RateLimit-Limit"), h.Get("X-RateLimit-Remaining"), h.Get("X-RateLimit-Period"), h.Get("Retry-After")}, "/"))
	}
	want := "OK/2/1/10/ OK/2/0/10/ Too Many Requests/2/0/10/"
	if strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q", strings.Join(got, " "), want)
	}
	_, _, body := do(t, s, "k", "GET", "/v1/zones/example.com", "")
	if body != `{"message":"rate limit exceeded"}` {
		t.Errorf("429 body %s", body)
	}
	now = now.Add(5 * time.Second) // one token back
	if st, _, _ := do(t, s, "k", "GET", "/v1/zones/example.com", ""); st != 200 {
		t.Errorf("after a token's time: %d", st)
	}
	// Writes have their own bucket.
	if st, _, _ := do(t, s, "k", "DELETE", "/v1/zones/example.com/x.example.com/A", ""); st != 404 {
		t.Errorf("a write with the read bucket empty: %d, want 404 (not 429)", st)
	}
}

// Faults: status, Retry-After, Times and After.
func TestFaults(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	s.AddZone("example.com")
	s.Inject(Fault{Method: "GET", Status: 429, RetryAfter: 1500 * time.Millisecond, Times: 1, After: 1})
	var got []int
	var ra string
	for range 3 {
		st, h, _ := do(t, s, "k", "GET", "/v1/zones/example.com", "")
		got = append(got, st)
		if st == 429 {
			ra = h.Get("Retry-After")
		}
	}
	if got[0] != 200 || got[1] != 429 || got[2] != 200 || ra != "2" {
		t.Errorf("statuses %v, Retry-After %q", got, ra)
	}
	if c := s.Counts()["GET /v1/zones/{zone}"]; c != 3 {
		t.Errorf("counted %d", c)
	}
}
