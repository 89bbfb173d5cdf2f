package dnsimple

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

const tok = "t0ken"

func do(t *testing.T, s *Server, method, path, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: body %q is not JSON", method, path, raw)
		}
	}
	return resp.StatusCode, resp.Header, out
}

func newServer(t *testing.T, opts Options) *Server {
	opts.Tokens = []string{tok}
	s := New(opts)
	t.Cleanup(s.Close)
	s.AddZone("example.com")
	return s
}

const recs = "/v2/1010/zones/example.com/records"

// Pages hold at most 100 records, whatever per_page asks.
func TestPagination(t *testing.T) {
	s := newServer(t, Options{})
	for i := range 245 {
		s.AddRecord("example.com", Record{Name: fmt.Sprintf("h%d", i), Type: "A", Content: "192.0.2.1", TTL: 300})
	}
	_, _, out := do(t, s, "GET", recs+"?per_page=500&page=3", "")
	pg := out["pagination"].(map[string]any)
	if n := len(out["data"].([]any)); n != 50 || pg["per_page"].(float64) != 100 || pg["total_pages"].(float64) != 3 || pg["total_entries"].(float64) != 250 {
		t.Errorf("page 3: %d records, pagination %v", n, pg)
	}
	_, _, out = do(t, s, "GET", recs, "")
	if n := len(out["data"].([]any)); n != 30 {
		t.Errorf("default page: %d records, want 30", n)
	}
}

// What the API refuses, with its error body.
func TestValidation(t *testing.T) {
	s := newServer(t, Options{})
	st, _, _ := do(t, s, "POST", recs, `{"name":"www","type":"A","content":"192.0.2.1","ttl":300}`)
	if st != 201 {
		t.Fatalf("create: %d", st)
	}
	soaID := s.Records("example.com")[0].ID
	for _, c := range []struct{ name, method, path, body, attr string }{
		{"CNAME beside A", "POST", recs, `{"name":"www","type":"CNAME","content":"x.example.net","ttl":300}`, "name"},
		{"CNAME at apex", "POST", recs, `{"name":"","type":"CNAME","content":"x.example.net","ttl":300}`, "record_type"},
		{"TTL below 60", "POST", recs, `{"name":"a","type":"A","content":"192.0.2.1","ttl":30}`, "ttl"},
		{"SOA", "POST", recs, `{"name":"","type":"SOA","content":"a b 1 2 3 4 5","ttl":300}`, "record_type"},
		{"bad address", "POST", recs, `{"name":"a","type":"A","content":"not-an-ip","ttl":300}`, "content"},
		{"duplicate", "POST", recs, `{"name":"www","type":"A","content":"192.0.2.1","ttl":600}`, "base"},
		{"system record", "DELETE", fmt.Sprintf("%s/%d", recs, soaID), "", ""},
	} {
		st, _, out := do(t, s, c.method, c.path, c.body)
		if st != 400 {
			t.Errorf("%s: HTTP %d, want 400", c.name, st)
			continue
		}
		if c.attr == "" {
			if out["message"] != systemMessage {
				t.Errorf("%s: %v", c.name, out)
			}
			continue
		}
		errs, _ := out["errors"].(map[string]any)
		if out["message"] != "Validation failed" || errs[c.attr] == nil {
			t.Errorf("%s: body %v, want Validation failed on %s", c.name, out, c.attr)
		}
	}
	if st, _, out := do(t, s, "GET", "/v2/1010/zones/nosuch.com/records", ""); st != 404 || out["message"] != "Zone `nosuch.com` not found" {
		t.Errorf("unknown zone: %d %v", st, out)
	}
	req, _ := http.NewRequest("GET", s.URL+recs, nil)
	req.Header.Set("Authorization", "Bearer other")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 401 {
		t.Errorf("bad token: %v %v", err, resp)
	}
}

// The hourly limit: headers on every answer, 429 past it, a full budget
// once the window turns.
func TestRateLimit(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := newServer(t, Options{RateLimit: 3, Now: func() time.Time { return now }})
	for i := range 3 {
		st, h, _ := do(t, s, "GET", "/v2/whoami", "")
		if st != 200 || h.Get("X-RateLimit-Limit") != "3" || h.Get("X-RateLimit-Remaining") != fmt.Sprint(2-i) || h.Get("X-RateLimit-Reset") != fmt.Sprint(now.Add(time.Hour).Unix()) {
			t.Errorf("request %d: %d %v", i, st, h)
		}
	}
	if st, h, out := do(t, s, "GET", "/v2/whoami", ""); st != 429 || h.Get("X-RateLimit-Remaining") != "0" || out["message"] != rateMessage {
		t.Errorf("past the limit: %d %v %v", st, h, out)
	}
	now = now.Add(time.Hour)
	if st, h, _ := do(t, s, "GET", "/v2/whoami", ""); st != 200 || h.Get("X-RateLimit-Remaining") != "2" {
		t.Errorf("after the window: %d %v", st, h)
	}
}

// A batch is all or nothing, capped, and for Enterprise accounts only.
func TestBatch(t *testing.T) {
	s := newServer(t, Options{})
	if st, _, _ := do(t, s, "POST", "/v2/1010/zones/example.com/batch", `{"creates":[]}`); st != 412 {
		t.Errorf("batch without Enterprise: %d, want 412", st)
	}
	s = newServer(t, Options{Enterprise: true})
	before := len(s.Records("example.com"))
	st, _, out := do(t, s, "POST", "/v2/1010/zones/example.com/batch",
		`{"creates":[{"name":"a","type":"A","content":"192.0.2.1","ttl":300},{"name":"b","type":"NOPE","content":"x","ttl":300}],"deletes":[{"id":999}]}`)
	errs, _ := out["errors"].(map[string]any)
	if st != 400 || errs["creates"] == nil || errs["deletes"] == nil || len(s.Records("example.com")) != before {
		t.Errorf("failed batch: %d %v, %d records (want %d: nothing applied)", st, out, len(s.Records("example.com")), before)
	}
	var ops []string
	for i := range 101 {
		ops = append(ops, fmt.Sprintf(`{"name":"h%d","type":"A","content":"192.0.2.1","ttl":300}`, i))
	}
	if st, _, _ := do(t, s, "POST", "/v2/1010/zones/example.com/batch", `{"creates":[`+strings.Join(ops, ",")+`]}`); st != 400 {
		t.Errorf("101 operations: %d, want 400", st)
	}
	if st, _, out := do(t, s, "POST", "/v2/1010/zones/example.com/batch", `{"creates":[`+strings.Join(ops[:100], ",")+`]}`); st != 200 || len(out["data"].(map[string]any)["creates"].([]any)) != 100 {
		t.Errorf("100 operations: %d", st)
	}
}
