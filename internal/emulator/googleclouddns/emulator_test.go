package googleclouddns

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	dnsv1 "google.golang.org/api/dns/v1"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const email = "sa@emu-project.iam.gserviceaccount.com"

func setup(t *testing.T, opts Options) (*Server, *rsa.PrivateKey, *clock) {
	t.Helper()
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	opts.Now = c.now
	s := New(opts)
	t.Cleanup(s.Close)
	s.AddZone("example-com", "example.com.", "public")
	b, err := s.ServiceAccountKey(email)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		PrivateKey string `json:"private_key"`
		TokenURI   string `json:"token_uri"`
	}
	if err := json.Unmarshal(b, &f); err != nil || f.TokenURI != s.TokenURL {
		t.Fatalf("key file: %v, token_uri %q", err, f.TokenURI)
	}
	block, _ := pem.Decode([]byte(f.PrivateKey))
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return s, k.(*rsa.PrivateKey), c
}

func jwt(t *testing.T, k *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT"})
	c, _ := json.Marshal(claims)
	in := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	sum := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// grant posts a JWT-bearer grant and returns the status and the body.
func grant(t *testing.T, s *Server, assertion string) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(s.TokenURL, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {assertion}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func claims(s *Server, now time.Time) map[string]any {
	return map[string]any{"iss": email, "scope": dnsv1.NdevClouddnsReadwriteScope, "aud": s.TokenURL, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
}

// The token endpoint hands out a token for a good assertion only, and the
// API takes only its tokens, until they expire.
func TestToken(t *testing.T) {
	s, k, c := setup(t, Options{})
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	for _, tc := range []struct {
		name  string
		key   *rsa.PrivateKey
		edit  func(map[string]any)
		error string
	}{
		{"signed by another key", other, func(map[string]any) {}, "invalid_grant"},
		{"another audience", k, func(m map[string]any) { m["aud"] = "https://oauth2.googleapis.com/token" }, "invalid_grant"},
		{"expired", k, func(m map[string]any) { m["exp"] = c.now().Add(-time.Minute).Unix() }, "invalid_grant"},
		{"longer than an hour", k, func(m map[string]any) { m["exp"] = c.now().Add(2 * time.Hour).Unix() }, "invalid_grant"},
		{"unknown account", k, func(m map[string]any) { m["iss"] = "nobody@x" }, "invalid_grant"},
		{"no DNS scope", k, func(m map[string]any) { m["scope"] = "https://www.googleapis.com/auth/devstorage.read_only" }, "invalid_scope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := claims(s, c.now())
			tc.edit(m)
			status, body := grant(t, s, jwt(t, tc.key, m))
			if status != 400 || body["error"] != tc.error {
				t.Errorf("HTTP %d %v, want 400 %s", status, body, tc.error)
			}
		})
	}
	status, body := grant(t, s, jwt(t, k, claims(s, c.now())))
	tok, _ := body["access_token"].(string)
	if status != 200 || tok == "" || body["token_type"] != "Bearer" {
		t.Fatalf("good grant: HTTP %d %v", status, body)
	}
	get := func(auth string) int {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/dns/v1/projects/emu-project/managedZones/example-com", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := get("Bearer " + tok); st != 200 {
		t.Errorf("with the token: HTTP %d", st)
	}
	if st := get(""); st != 401 {
		t.Errorf("without a token: HTTP %d, want 401", st)
	}
	c.add(time.Hour + time.Second)
	if st := get("Bearer " + tok); st != 401 {
		t.Errorf("with an expired token: HTTP %d, want 401", st)
	}
}

// api calls the API with a fresh token and decodes Google's error body.
func api(t *testing.T, s *Server, k *rsa.PrivateKey, c *clock, method, path string, body any) (int, string, []byte) {
	t.Helper()
	_, g := grant(t, s, jwt(t, k, claims(s, c.now())))
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.URL+"/dns/v1/projects/emu-project/managedZones/example-com"+path, rd)
	req.Header.Set("Authorization", "Bearer "+g["access_token"].(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var e struct {
		Error struct {
			Code   int
			Errors []struct{ Reason string }
		}
	}
	json.Unmarshal(raw, &e)
	reason := ""
	if len(e.Error.Errors) > 0 {
		reason = e.Error.Errors[0].Reason
	}
	if resp.StatusCode >= 300 && e.Error.Code != resp.StatusCode {
		t.Errorf("%s %s: HTTP %d with error body %s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, reason, raw
}

func rrset(name, typ string, ttl int64, data ...string) *dnsv1.ResourceRecordSet {
	return &dnsv1.ResourceRecordSet{Name: name, Type: typ, Ttl: ttl, Rrdatas: data}
}

// Changes are checked whole and refused as Cloud DNS refuses them.
func TestChangeRefusals(t *testing.T) {
	s, k, c := setup(t, Options{})
	www := rrset("www.example.com.", "A", 300, "192.0.2.1", "192.0.2.2")
	if st, r, raw := api(t, s, k, c, "POST", "/changes", &dnsv1.Change{Additions: []*dnsv1.ResourceRecordSet{www}}); st != 200 {
		t.Fatalf("add www: %d %s %s", st, r, raw)
	}
	for _, tc := range []struct {
		name   string
		change dnsv1.Change
		status int
		reason string
	}{
		{"deletion with another TTL", dnsv1.Change{Deletions: []*dnsv1.ResourceRecordSet{rrset("www.example.com.", "A", 60, "192.0.2.1", "192.0.2.2")}}, 412, "conditionNotMet"},
		{"deletion of part of the set", dnsv1.Change{Deletions: []*dnsv1.ResourceRecordSet{rrset("www.example.com.", "A", 300, "192.0.2.1")}}, 412, "conditionNotMet"},
		{"deletion of nothing", dnsv1.Change{Deletions: []*dnsv1.ResourceRecordSet{rrset("nx.example.com.", "A", 300, "192.0.2.1")}}, 404, "notFound"},
		{"addition that exists", dnsv1.Change{Additions: []*dnsv1.ResourceRecordSet{rrset("www.example.com.", "A", 300, "192.0.2.3")}}, 409, "alreadyExists"},
		{"SOA deleted", dnsv1.Change{Deletions: []*dnsv1.ResourceRecordSet{s.RRsets("example-com")[1]}}, 400, "invalid"},
		{"bad rrdata", dnsv1.Change{Additions: []*dnsv1.ResourceRecordSet{rrset("x.example.com.", "AAAA", 300, "192.0.2.1")}}, 400, "invalid"},
		{"relative name", dnsv1.Change{Additions: []*dnsv1.ResourceRecordSet{rrset("x", "A", 300, "192.0.2.1")}}, 400, "invalid"},
		{"ALIAS", dnsv1.Change{Additions: []*dnsv1.ResourceRecordSet{rrset("example.com.", "ALIAS", 300, "lb.example.net.")}}, 400, "invalid"},
		{"LOC", dnsv1.Change{Additions: []*dnsv1.ResourceRecordSet{rrset("x.example.com.", "LOC", 300, "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m")}}, 400, "invalid"},
		{"CNAME beside A", dnsv1.Change{Additions: []*dnsv1.ResourceRecordSet{rrset("www.example.com.", "CNAME", 300, "x.example.net.")}}, 400, "invalid"},
		{"twice in one change", dnsv1.Change{Additions: []*dnsv1.ResourceRecordSet{rrset("y.example.com.", "A", 300, "192.0.2.1"), rrset("y.example.com.", "A", 300, "192.0.2.2")}}, 400, "invalid"},
		{"empty", dnsv1.Change{}, 400, "required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.RRsets("example-com")
			st, r, raw := api(t, s, k, c, "POST", "/changes", &tc.change)
			if st != tc.status || r != tc.reason {
				t.Errorf("HTTP %d %s (%s), want %d %s", st, r, raw, tc.status, tc.reason)
			}
			if after := s.RRsets("example-com"); len(after) != len(before) {
				t.Errorf("the refused change changed the zone: %d RRsets, were %d", len(after), len(before))
			}
		})
	}
	// The SOA sorts after the NS: check the fixture picked it.
	if s.RRsets("example-com")[1].Type != "SOA" {
		t.Fatal("fixture: RRsets()[1] is not the SOA")
	}
	// Replacing the apex NS (deletion and addition in one change) is fine.
	ns := s.RRsets("example-com")[0]
	if st, r, raw := api(t, s, k, c, "POST", "/changes", &dnsv1.Change{Deletions: []*dnsv1.ResourceRecordSet{ns},
		Additions: []*dnsv1.ResourceRecordSet{rrset("example.com.", "NS", 300, "ns1.example.net.")}}); st != 200 {
		t.Errorf("replace the apex NS: %d %s %s", st, r, raw)
	}
}

// A change is pending for PendingFor, then done; the quotas are Cloud
// DNS's.
func TestPendingAndQuotas(t *testing.T) {
	s, k, c := setup(t, Options{PendingFor: time.Minute, AdditionsPerChange: 2, RrdataBytesPerChange: 30})
	st, _, raw := api(t, s, k, c, "POST", "/changes", &dnsv1.Change{Additions: []*dnsv1.ResourceRecordSet{rrset("a.example.com.", "A", 300, "192.0.2.1")}})
	var ch dnsv1.Change
	json.Unmarshal(raw, &ch)
	if st != 200 || ch.Status != "pending" || ch.Id == "" {
		t.Fatalf("create: %d %s", st, raw)
	}
	c.add(time.Minute)
	_, _, raw = api(t, s, k, c, "GET", "/changes/"+ch.Id, nil)
	json.Unmarshal(raw, &ch)
	if ch.Status != "done" {
		t.Errorf("after PendingFor: %s", raw)
	}
	three := []*dnsv1.ResourceRecordSet{rrset("b.example.com.", "A", 300, "192.0.2.1"), rrset("c.example.com.", "A", 300, "192.0.2.1"), rrset("d.example.com.", "A", 300, "192.0.2.1")}
	if st, r, raw := api(t, s, k, c, "POST", "/changes", &dnsv1.Change{Additions: three}); st != 403 || r != "quotaExceeded" || !strings.Contains(string(raw), "additions per change") {
		t.Errorf("3 additions over a quota of 2: %d %s %s", st, r, raw)
	}
	if st, r, raw := api(t, s, k, c, "POST", "/changes", &dnsv1.Change{Additions: []*dnsv1.ResourceRecordSet{rrset("t.example.com.", "TXT", 300, `"`+strings.Repeat("x", 40)+`"`)}}); st != 403 || !strings.Contains(string(raw), "rrdata size") {
		t.Errorf("42 bytes over a quota of 30: %d %s %s", st, r, raw)
	}
}

// Listings page by maxResults and an opaque pageToken; a bad token is 400.
func TestPaging(t *testing.T) {
	s, k, c := setup(t, Options{PageSize: 2})
	var adds []*dnsv1.ResourceRecordSet
	for _, n := range []string{"a", "b", "c"} {
		adds = append(adds, rrset(n+".example.com.", "A", 300, "192.0.2.1"))
	}
	api(t, s, k, c, "POST", "/changes", &dnsv1.Change{Additions: adds})
	var names []string
	token := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("the listing does not end")
		}
		_, _, raw := api(t, s, k, c, "GET", "/rrsets?maxResults=10&pageToken="+token, nil)
		var r dnsv1.ResourceRecordSetsListResponse
		json.Unmarshal(raw, &r)
		if len(r.Rrsets) > 2 {
			t.Errorf("a page of %d, over PageSize 2", len(r.Rrsets))
		}
		for _, rr := range r.Rrsets {
			names = append(names, rr.Name+" "+rr.Type)
		}
		if token = r.NextPageToken; token == "" {
			break
		}
	}
	if want := "a.example.com. A,b.example.com. A,c.example.com. A,example.com. NS,example.com. SOA"; strings.Join(names, ",") != want {
		t.Errorf("listed %q, want %q", names, want)
	}
	if st, r, _ := api(t, s, k, c, "GET", "/rrsets?pageToken=garbage!", nil); st != 400 || r != "invalid" {
		t.Errorf("a bad page token: %d %s", st, r)
	}
}
