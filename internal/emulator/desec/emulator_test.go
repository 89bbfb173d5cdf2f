package desec

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

const tok = "emu-token"

func call(t *testing.T, s *Server, method, path, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token "+tok)
	req.Header.Set("Content-Type", "application/json")
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func newServer(t *testing.T, opts Options) *Server {
	opts.Tokens = []string{tok}
	s := New(opts)
	t.Cleanup(s.Close)
	s.AddDomain("example.com.")
	return s
}

func TestAuth(t *testing.T) {
	s := newServer(t, Options{})
	for _, c := range []struct{ header, want string }{
		{"", "Authentication credentials were not provided."},
		{"Token wrong", "Invalid token."},
		{"Bearer " + tok, "Invalid token."},
	} {
		req, _ := http.NewRequest("GET", s.URL+"/api/v1/domains/", nil)
		if c.header != "" {
			req.Header.Set("Authorization", c.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 401 || !strings.Contains(string(b), c.want) {
			t.Errorf("%q: %d %s", c.header, resp.StatusCode, b)
		}
	}
	if resp, body := call(t, s, "GET", "/api/v1/domains/nosuch.example/rrsets/", ""); resp.StatusCode != 404 || !strings.Contains(body, "Not found.") {
		t.Errorf("unknown domain: %d %s", resp.StatusCode, body)
	}
}

// Over the page size, a listing without cursor is refused; with it, the
// pages are linked and cover every RRset once.
func TestPagination(t *testing.T) {
	s := newServer(t, Options{PageSize: 3})
	for i := range 7 {
		s.Put("example.com", RRset{Subname: fmt.Sprintf("h%d", i), Type: "A", TTL: 3600, Records: []string{"192.0.2.1"}})
	}
	resp, body := call(t, s, "GET", "/api/v1/domains/example.com/rrsets/", "")
	if resp.StatusCode != 400 || !strings.Contains(body, "Pagination required. You can query up to 3 items at a time (8 total).") || !strings.Contains(resp.Header.Get("Link"), `rel="first"`) {
		t.Fatalf("no cursor: %d %s %q", resp.StatusCode, body, resp.Header.Get("Link"))
	}
	seen := map[string]bool{}
	next := "/api/v1/domains/example.com/rrsets/?cursor="
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("the pages never end")
		}
		resp, body := call(t, s, "GET", next, "")
		var page []RRset
		if err := json.Unmarshal([]byte(body), &page); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", next, resp.StatusCode, body)
		}
		for _, r := range page {
			if seen[r.Subname+r.Type] {
				t.Errorf("%s %s twice", r.Subname, r.Type)
			}
			seen[r.Subname+r.Type] = true
		}
		next = ""
		for _, l := range strings.Split(resp.Header.Get("Link"), ", ") {
			if strings.HasSuffix(l, `rel="next"`) {
				next = strings.TrimPrefix(l[1:strings.Index(l, ">")], s.URL)
			}
		}
	}
	if len(seen) != 8 {
		t.Errorf("pages held %d RRsets, want 8", len(seen))
	}
}

func TestRedirectWithoutSlash(t *testing.T) {
	s := newServer(t, Options{})
	resp, _ := call(t, s, "GET", "/api/v1/domains/example.com/rrsets/@/NS", "")
	if resp.StatusCode != 301 || resp.Header.Get("Location") != "/api/v1/domains/example.com/rrsets/@/NS/" {
		t.Errorf("%d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := call(t, s, "GET", "/api/v1/domains/example.com/rrsets/@/NS/", "")
	if resp.StatusCode != 200 || !strings.Contains(body, "ns1.desec.io.") {
		t.Errorf("apex NS: %d %s", resp.StatusCode, body)
	}
}

// deSEC's refusals, each with its message; a refused bulk request changes
// nothing.
func TestRefusals(t *testing.T) {
	s := newServer(t, Options{})
	for _, c := range []struct{ body, want string }{
		{`[{"subname":"a","type":"A","ttl":300,"records":["192.0.2.1"]}]`, "Ensure this value is greater than or equal to 3600."},
		{`[{"subname":"a","type":"A","ttl":700000,"records":["192.0.2.1"]}]`, "Ensure this value is less than or equal to 604800."},
		{`[{"subname":"","type":"DNSKEY","ttl":3600,"records":["257 3 13 AAAA"]}]`, "You cannot tinker with the DNSKEY RR set. It is managed automatically."},
		{`[{"subname":"","type":"SOA","ttl":3600,"records":["a. b. 1 2 3 4 5"]}]`, "You cannot tinker with the SOA RR set."},
		{`[{"subname":"d","type":"DNAME","ttl":3600,"records":["x.example."]}]`, "The DNAME RR set type is currently unsupported."},
		{`[{"subname":"d","type":"TYPE99","ttl":3600,"records":["\\# 0"]}]`, "Generic type format is not supported."},
		{`[{"subname":"a","type":"A","ttl":3600,"records":["192.0.2.1"]},{"subname":"a","type":"A","ttl":3600,"records":["192.0.2.2"]}]`, "Same subname and type as in position(s) 0, but must be unique."},
		{`[{"subname":"","type":"NS","ttl":3600,"records":["ns1.desec.io."]},{"subname":"","type":"CNAME","ttl":3600,"records":["x.example."]}]`, "CNAME RRset cannot have empty subname."},
		{`[{"subname":"c","type":"CNAME","ttl":3600,"records":["x"]}]`, "domain names must end with a dot"},
		{`[{"subname":"t","type":"TXT","ttl":3600,"records":["unquoted"]}]`, "Content must be quoted."},
		{`[{"subname":"a","type":"A","ttl":3600,"records":["not-an-ip"]}]`, "Record content for type A malformed"},
		{`[{"subname":"Upper","type":"A","ttl":3600,"records":["192.0.2.1"]}]`, "Subname can only use (lowercase)"},
		{`[{"subname":"a","type":"A","records":["192.0.2.1"]}]`, "This field is required."},
	} {
		resp, body := call(t, s, "PUT", "/api/v1/domains/example.com/rrsets/", c.body)
		if resp.StatusCode != 400 || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s, want 400 %q", c.body, resp.StatusCode, body, c.want)
		}
	}
	// CNAME exclusivity, against what is stored and in one request.
	call(t, s, "PUT", "/api/v1/domains/example.com/rrsets/", `[{"subname":"w","type":"A","ttl":3600,"records":["192.0.2.1"]}]`)
	resp, body := call(t, s, "PUT", "/api/v1/domains/example.com/rrsets/", `[{"subname":"z","type":"A","ttl":3600,"records":["192.0.2.9"]},{"subname":"w","type":"CNAME","ttl":3600,"records":["x.example."]}]`)
	if resp.StatusCode != 400 || !strings.Contains(body, "RRset with conflicting type present: database (A). (No other RRsets are allowed alongside CNAME.)") {
		t.Errorf("CNAME beside A: %d %s", resp.StatusCode, body)
	}
	if len(s.RRsets("example.com")) != 2 {
		t.Errorf("a refused bulk request was applied in part: %v", s.RRsets("example.com"))
	}
	// The same swap with the A deleted in the request is accepted.
	resp, body = call(t, s, "PUT", "/api/v1/domains/example.com/rrsets/", `[{"subname":"w","type":"A","records":[]},{"subname":"w","type":"CNAME","ttl":3600,"records":["x.example."]}]`)
	if resp.StatusCode != 200 {
		t.Errorf("swap: %d %s", resp.StatusCode, body)
	}
}

// Content is stored canonical: long TXT strings split every 255 octets,
// octets outside printable ASCII as \DDD, AAAA compressed.
func TestCanonical(t *testing.T) {
	s := newServer(t, Options{})
	long := strings.Repeat("a", 300)
	body := fmt.Sprintf(`[{"subname":"t","type":"TXT","ttl":3600,"records":["\"%s\"", "\"caf\u00e9\""]},{"subname":"v6","type":"AAAA","ttl":3600,"records":["2001:db8:0:0::1"]}]`, long)
	if resp, b := call(t, s, "PUT", "/api/v1/domains/example.com/rrsets/", body); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	got := map[string][]string{}
	for _, r := range s.RRsets("example.com") {
		got[r.Subname] = r.Records
	}
	want := fmt.Sprintf(`"%s" "%s"`, long[:255], long[255:])
	if len(got["t"]) != 2 || (got["t"][0] != want && got["t"][1] != want) || (got["t"][0] != `"caf\195\169"` && got["t"][1] != `"caf\195\169"`) {
		t.Errorf("TXT stored %q", got["t"])
	}
	if fmt.Sprint(got["v6"]) != "[2001:db8::1]" {
		t.Errorf("AAAA stored %v", got["v6"])
	}
}

func TestThrottleAndFaults(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := newServer(t, Options{Rates: []Rate{{"dns_api_cheap", 2, time.Minute}}, Now: func() time.Time { return now }})
	for range 2 {
		if resp, _ := call(t, s, "GET", "/api/v1/domains/", ""); resp.StatusCode != 200 {
			t.Fatal(resp.Status)
		}
	}
	resp, body := call(t, s, "GET", "/api/v1/domains/", "")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "60" || !strings.Contains(body, "Request was throttled. Expected available in 60 seconds.") {
		t.Errorf("third read: %d %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	now = now.Add(61 * time.Second)
	if resp, _ := call(t, s, "GET", "/api/v1/domains/", ""); resp.StatusCode != 200 {
		t.Errorf("after the window: %s", resp.Status)
	}
	s.Inject(Fault{Method: "PUT", Status: 503, HTML: true, Times: 1})
	resp, body = call(t, s, "PUT", "/api/v1/domains/example.com/rrsets/", "[]")
	if resp.StatusCode != 503 || !strings.Contains(body, "<html>") {
		t.Errorf("fault: %d %s", resp.StatusCode, body)
	}
	if resp, _ := call(t, s, "PUT", "/api/v1/domains/example.com/rrsets/", "[]"); resp.StatusCode != 200 {
		t.Errorf("after the fault: %s", resp.Status)
	}
	if c := s.Counts(); c["fault"] != 1 || c["429"] != 1 || c["PUT rrsets"] != 1 {
		t.Errorf("counts %v", c)
	}
}
