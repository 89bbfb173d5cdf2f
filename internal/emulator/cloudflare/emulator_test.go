package cloudflare

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// answer is a decoded API response.
type answer struct {
	Status     int
	Header     http.Header
	Raw        string
	Result     json.RawMessage `json:"result"`
	Success    bool            `json:"success"`
	Errors     []apiError      `json:"errors"`
	Messages   []any           `json:"messages"`
	ResultInfo *resultInfo     `json:"result_info"`
}

// codes returns the error codes, with error_chain codes after a slash:
// "1004/9021".
func (a answer) codes() []string {
	var out []string
	for _, e := range a.Errors {
		c := fmt.Sprint(e.Code)
		for _, ch := range e.ErrorChain {
			c += fmt.Sprintf("/%d", ch.Code)
		}
		out = append(out, c)
	}
	return out
}

func (a answer) record(t *testing.T) apiRecord {
	t.Helper()
	var r apiRecord
	if err := json.Unmarshal(a.Result, &r); err != nil {
		t.Fatalf("decode record from %s: %v", a.Raw, err)
	}
	return r
}

func (a answer) records(t *testing.T) []apiRecord {
	t.Helper()
	var r []apiRecord
	if err := json.Unmarshal(a.Result, &r); err != nil {
		t.Fatalf("decode records from %s: %v", a.Raw, err)
	}
	return r
}

const token = "good-token"

// call sends one request with the given bearer token ("" = no header).
func call(t *testing.T, s *Server, tok, method, path, body string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL+"/client/v4"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return a
}

// start returns a server with zone example.com and its ID.
func start(t *testing.T, opts Options) (*Server, string) {
	t.Helper()
	if opts.Tokens == nil {
		opts.Tokens = []string{token}
	}
	s := New(opts)
	t.Cleanup(s.Close)
	return s, s.AddZone("Example.COM.")
}

func intp(i int) *int { return &i }

func TestZoneLookup(t *testing.T) {
	s, zid := start(t, Options{})
	s.AddZone("other.org")
	if len(zid) != 32 {
		t.Errorf("zone id %q: want 32 hex digits", zid)
	}
	for _, tc := range []struct{ query, want string }{
		{"example.com", "example.com"},
		{"example.com.", "example.com"},
		{"EXAMPLE.Com.", "example.com"},
		{"example.com..", ""},
		{"nope.example", ""},
	} {
		a := call(t, s, token, "GET", "/zones?name="+tc.query, "")
		if a.Status != 200 || !a.Success || a.ResultInfo == nil || a.ResultInfo.PerPage <= 0 {
			t.Fatalf("GET /zones?name=%s: %d %s", tc.query, a.Status, a.Raw)
		}
		var zones []apiZone
		json.Unmarshal(a.Result, &zones)
		var got string
		if len(zones) == 1 {
			got = zones[0].Name
			if zones[0].ID != zid || zones[0].Status != "active" {
				t.Errorf("zone %+v: want id %s, status active", zones[0], zid)
			}
		} else if len(zones) > 1 {
			t.Fatalf("name=%s: %d zones", tc.query, len(zones))
		}
		if got != tc.want {
			t.Errorf("name=%s: got zone %q, want %q", tc.query, got, tc.want)
		}
	}
	a := call(t, s, token, "GET", "/zones", "")
	if a.ResultInfo.TotalCount != 2 {
		t.Errorf("GET /zones: total_count %d, want 2", a.ResultInfo.TotalCount)
	}
	a = call(t, s, token, "GET", "/zones/"+zid, "")
	if a.Status != 200 || !strings.Contains(a.Raw, `"name":"example.com"`) {
		t.Errorf("GET /zones/{id}: %d %s", a.Status, a.Raw)
	}
	a = call(t, s, token, "GET", "/zones/0123456789abcdef0123456789abcdef/dns_records", "")
	if diff := cmp.Diff([]string{"7003"}, a.codes()); a.Status != 404 || diff != "" {
		t.Errorf("unknown zone: status %d, codes (-want +got):\n%s", a.Status, diff)
	}
}

func TestAuth(t *testing.T) {
	s, zid := start(t, Options{Tokens: []string{token}, ZoneTokens: []string{"zone-token"}})
	records := "/zones/" + zid + "/dns_records"
	for _, tc := range []struct {
		name, header, path string
		status             int
		codes              []string
	}{
		{"no header", "", records, 400, []string{"9106"}},
		{"not bearer", "Basic abc", records, 400, []string{"6003/6111"}},
		{"empty bearer", "Bearer ", records, 400, []string{"6003/6111"}},
		{"unknown token", "Bearer nope", records, 403, []string{"9109"}},
		{"zone token on records", "Bearer zone-token", records, 403, []string{"10000"}},
		{"zone token on zones", "Bearer zone-token", "/zones?name=example.com", 200, nil},
		{"good token", "Bearer " + token, records, 200, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), "GET", s.URL+"/client/v4"+tc.path, nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var a answer
			json.NewDecoder(resp.Body).Decode(&a)
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if diff := cmp.Diff(tc.codes, a.codes()); diff != "" {
				t.Errorf("codes (-want +got):\n%s", diff)
			}
			if a.Success != (tc.status == 200) {
				t.Errorf("success %v", a.Success)
			}
		})
	}

	open := New(Options{})
	t.Cleanup(open.Close)
	oz := open.AddZone("example.com")
	if a := call(t, open, "anything", "GET", "/zones/"+oz+"/dns_records", ""); a.Status != 200 {
		t.Errorf("no Tokens configured: any token should pass, got %d %s", a.Status, a.Raw)
	}
}

func TestListPaging(t *testing.T) {
	s, zid := start(t, Options{PerPageMax: 2})
	for i := range 5 {
		s.AddRecord("example.com", Record{Type: "A", Name: fmt.Sprintf("h%d", i), Content: fmt.Sprintf("192.0.2.%d", i)})
	}
	var names []string
	for page := 1; page <= 4; page++ {
		a := call(t, s, token, "GET", fmt.Sprintf("/zones/%s/dns_records?page=%d&per_page=100", zid, page), "")
		want := resultInfo{Page: page, PerPage: 2, Count: min(2, max(0, 5-(page-1)*2)), TotalCount: 5, TotalPages: 3}
		if diff := cmp.Diff(&want, a.ResultInfo); diff != "" {
			t.Errorf("page %d result_info (-want +got):\n%s", page, diff)
		}
		for _, r := range a.records(t) {
			names = append(names, r.Name)
		}
	}
	want := []string{"h0.example.com", "h1.example.com", "h2.example.com", "h3.example.com", "h4.example.com"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("names over all pages (-want +got):\n%s", diff)
	}

	big, bz := start(t, Options{})
	for i := range 150 {
		big.AddRecord(bz, Record{Type: "TXT", Name: "t", Content: fmt.Sprintf(`"%03d"`, i)})
	}
	a := call(t, big, token, "GET", "/zones/"+bz+"/dns_records", "")
	if a.ResultInfo.PerPage != 100 || a.ResultInfo.Count != 100 || a.ResultInfo.TotalPages != 2 {
		t.Errorf("default paging: %+v, want per_page 100, count 100, total_pages 2", a.ResultInfo)
	}
	a = call(t, big, token, "GET", "/zones/"+bz+"/dns_records?per_page=1000", "")
	if a.ResultInfo.Count != 150 {
		t.Errorf("per_page=1000: count %d, want 150", a.ResultInfo.Count)
	}
	for _, q := range []string{"per_page=0", "page=0", "page=x"} {
		if a := call(t, big, token, "GET", "/zones/"+bz+"/dns_records?"+q, ""); a.Status != 400 || a.Success {
			t.Errorf("%s: %d %s, want 400", q, a.Status, a.Raw)
		}
	}
}

func TestListFilters(t *testing.T) {
	s, zid := start(t, Options{})
	s.AddRecord(zid, Record{Type: "A", Name: "www", Content: "192.0.2.1"})
	s.AddRecord(zid, Record{Type: "A", Name: "www", Content: "192.0.2.2"})
	s.AddRecord(zid, Record{Type: "AAAA", Name: "www", Content: "2001:db8::1"})
	s.AddRecord(zid, Record{Type: "TXT", Name: "@", Content: `"v=spf1 -all"`})
	s.AddRecord(zid, Record{Type: "TXT", Name: "@", Content: "Unquoted Text"})
	s.AddRecord(zid, Record{Type: "MX", Name: "@", Content: "mail.example.com", Priority: intp(10)})
	for _, tc := range []struct {
		query string
		want  []string // type content
	}{
		{"type=A", []string{"A 192.0.2.1", "A 192.0.2.2"}},
		{"type=A&name=WWW.Example.com.", []string{"A 192.0.2.1", "A 192.0.2.2"}},
		{"name.exact=www.example.com&type=AAAA", []string{"AAAA 2001:db8::1"}},
		{"type=A&content.exact=192.0.2.2", []string{"A 192.0.2.2"}},
		{"type=TXT&name=example.com&content.contains=SPF1", []string{`TXT "v=spf1 -all"`}},
		{"type=TXT&content.contains=unquoted%20text", []string{"TXT Unquoted Text"}},
		{"type=MX&name=example.com&content.exact=MAIL.example.com", []string{"MX mail.example.com"}},
		{"name=www", nil},
		{"match=any&type=MX&content.exact=192.0.2.1", []string{"A 192.0.2.1", "MX mail.example.com"}},
	} {
		a := call(t, s, token, "GET", "/zones/"+zid+"/dns_records?"+tc.query, "")
		var got []string
		for _, r := range a.records(t) {
			got = append(got, r.Type+" "+r.Content)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.query, diff)
		}
	}
}

func TestCreate(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       apiRecord // only the fields compared below
	}{
		{"apex at", `{"type":"A","name":"@","content":"192.0.2.1"}`,
			apiRecord{Name: "example.com", Type: "A", Content: "192.0.2.1", TTL: 1, Proxiable: true}},
		{"relative upper-case", `{"type":"A","name":"WWW","content":"192.0.2.1","ttl":300}`,
			apiRecord{Name: "www.example.com", Type: "A", Content: "192.0.2.1", TTL: 300, Proxiable: true}},
		{"fqdn with dot", `{"type":"A","name":"www.Example.com.","content":"192.0.2.1"}`,
			apiRecord{Name: "www.example.com", Type: "A", Content: "192.0.2.1", TTL: 1, Proxiable: true}},
		{"name outside zone is relative", `{"type":"A","name":"www.example.org","content":"192.0.2.1"}`,
			apiRecord{Name: "www.example.org.example.com", Type: "A", Content: "192.0.2.1", TTL: 1, Proxiable: true}},
		{"AAAA canonical", `{"type":"AAAA","name":"v6","content":"2001:DB8:0:0::1"}`,
			apiRecord{Name: "v6.example.com", Type: "AAAA", Content: "2001:db8::1", TTL: 1, Proxiable: true}},
		{"CNAME dot stripped, data ignored", `{"type":"CNAME","name":"alias","content":"target.example.net.","data":{"tag":""}}`,
			apiRecord{Name: "alias.example.com", Type: "CNAME", Content: "target.example.net", TTL: 1, Proxiable: true}},
		{"apex CNAME", `{"type":"CNAME","name":"@","content":"target.example.net"}`,
			apiRecord{Name: "example.com", Type: "CNAME", Content: "target.example.net", TTL: 1, Proxiable: true}},
		{"proxied forces TTL 1", `{"type":"A","name":"p","content":"192.0.2.9","ttl":3600,"proxied":true}`,
			apiRecord{Name: "p.example.com", Type: "A", Content: "192.0.2.9", TTL: 1, Proxiable: true, Proxied: true}},
		{"MX", `{"type":"MX","name":"@","content":"mail.example.com.","priority":10,"ttl":3600}`,
			apiRecord{Name: "example.com", Type: "MX", Content: "mail.example.com", Priority: intp(10), TTL: 3600}},
		{"null MX", `{"type":"MX","name":"@","content":".","priority":0}`,
			apiRecord{Name: "example.com", Type: "MX", Content: ".", Priority: intp(0), TTL: 1}},
		{"NS delegation", `{"type":"NS","name":"sub","content":"ns1.example.net."}`,
			apiRecord{Name: "sub.example.com", Type: "NS", Content: "ns1.example.net", TTL: 1}},
		{"TXT quoted kept", `{"type":"TXT","name":"t","content":"\"a b\" \"c\""}`,
			apiRecord{Name: "t.example.com", Type: "TXT", Content: `"a b" "c"`, TTL: 1}},
		{"TXT unquoted kept", `{"type":"TXT","name":"t","content":"hello \"world\""}`,
			apiRecord{Name: "t.example.com", Type: "TXT", Content: `hello "world"`, TTL: 1}},
		{"SRV from data", `{"type":"SRV","name":"_sip._tcp","content":"ignored","data":{"service":"_sip","proto":"_tcp","name":"@","priority":10,"weight":20,"port":5060,"target":"sip.example.com.","tag":""}}`,
			apiRecord{Name: "_sip._tcp.example.com", Type: "SRV", Content: "20 5060 sip.example.com", Priority: intp(10), TTL: 1,
				Data: map[string]any{"priority": 10.0, "weight": 20.0, "port": 5060.0, "target": "sip.example.com"}}},
		{"SRV weight omitted", `{"type":"SRV","name":"_sip._udp","data":{"priority":1,"port":5060,"target":"sip.example.com"}}`,
			apiRecord{Name: "_sip._udp.example.com", Type: "SRV", Content: "0 5060 sip.example.com", Priority: intp(1), TTL: 1,
				Data: map[string]any{"priority": 1.0, "weight": 0.0, "port": 5060.0, "target": "sip.example.com"}}},
		{"SRV name from data", `{"type":"SRV","data":{"service":"_xmpp","proto":"_tcp","name":"chat","priority":5,"weight":0,"port":5222,"target":"x.example.com"}}`,
			apiRecord{Name: "_xmpp._tcp.chat.example.com", Type: "SRV", Content: "0 5222 x.example.com", Priority: intp(5), TTL: 1,
				Data: map[string]any{"priority": 5.0, "weight": 0.0, "port": 5222.0, "target": "x.example.com"}}},
		{"CAA", `{"type":"CAA","name":"@","content":"0 issue \"letsencrypt.org\"","data":{"flags":0,"tag":"issue","value":"letsencrypt.org"}}`,
			apiRecord{Name: "example.com", Type: "CAA", Content: `0 issue "letsencrypt.org"`, TTL: 1,
				Data: map[string]any{"flags": 0.0, "tag": "issue", "value": "letsencrypt.org"}}},
		{"HTTPS", `{"type":"HTTPS","name":"@","data":{"priority":1,"target":".","value":"alpn=\"h2,h3\""}}`,
			apiRecord{Name: "example.com", Type: "HTTPS", Content: `1 . alpn="h2,h3"`, TTL: 1,
				Data: map[string]any{"priority": 1.0, "target": ".", "value": `alpn="h2,h3"`}}},
		{"HTTPS alias mode, priority omitted", `{"type":"HTTPS","name":"svc","data":{"target":"pool.example.net."}}`,
			apiRecord{Name: "svc.example.com", Type: "HTTPS", Content: "0 pool.example.net.", TTL: 1,
				Data: map[string]any{"priority": 0.0, "target": "pool.example.net.", "value": ""}}},
		{"DS", `{"type":"DS","name":"sub","data":{"key_tag":2371,"algorithm":13,"digest_type":2,"digest":"ABCD"}}`,
			apiRecord{Name: "sub.example.com", Type: "DS", Content: "2371 13 2 ABCD", TTL: 1,
				Data: map[string]any{"key_tag": 2371.0, "algorithm": 13.0, "digest_type": 2.0, "digest": "ABCD"}}},
		{"NAPTR", `{"type":"NAPTR","name":"n","data":{"order":100,"preference":10,"flags":"U","service":"E2U+sip","regex":"!^.*$!sip:info@example.com!","replacement":"."}}`,
			apiRecord{Name: "n.example.com", Type: "NAPTR", Content: `100 10 "U" "E2U+sip" "!^.*$!sip:info@example.com!" .`, TTL: 1,
				Data: map[string]any{"order": 100.0, "preference": 10.0, "flags": "U", "service": "E2U+sip", "regex": "!^.*$!sip:info@example.com!", "replacement": "."}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, zid := start(t, Options{})
			a := call(t, s, token, "POST", "/zones/"+zid+"/dns_records", tc.body)
			if a.Status != 200 || !a.Success {
				t.Fatalf("POST: %d %s", a.Status, a.Raw)
			}
			got := a.record(t)
			if len(got.ID) != 32 || got.ZoneID != zid || got.CreatedOn == "" {
				t.Errorf("bookkeeping: id %q zone_id %q created_on %q", got.ID, got.ZoneID, got.CreatedOn)
			}
			got = apiRecord{Name: got.Name, Type: got.Type, Content: got.Content, Priority: got.Priority,
				TTL: got.TTL, Proxied: got.Proxied, Proxiable: got.Proxiable, Data: got.Data}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("created record (-want +got):\n%s", diff)
			}
			list := call(t, s, token, "GET", "/zones/"+zid+"/dns_records", "").records(t)
			if len(list) != 1 || list[0].Content != tc.want.Content {
				t.Errorf("listing after POST: %+v", list)
			}
		})
	}
}

func TestTXTSplit(t *testing.T) {
	long := strings.Repeat("a", 300)
	esc := strings.Repeat(`\"`, 256) // 256 escaped quotes: 256 bytes
	for _, tc := range []struct{ name, in, want string }{
		{"short quoted", `"abc"`, `"abc"`},
		{"exactly 255", `"` + long[:255] + `"`, `"` + long[:255] + `"`},
		{"300 split", `"` + long + `"`, `"` + long[:255] + `" "` + long[255:] + `"`},
		{"unquoted long kept", long, long},
		{"already split kept", `"` + long + `" "x"`, `"` + long + `" "x"`},
		{"escapes not cut", `"` + esc + `"`, `"` + esc[:510] + `" "` + esc[510:] + `"`},
		{"decimal escapes count once", `"` + strings.Repeat(`\065`, 256) + `"`,
			`"` + strings.Repeat(`\065`, 255) + `" "\065"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, splitTXT(tc.in)); diff != "" {
				t.Errorf("splitTXT (-want +got):\n%s", diff)
			}
		})
	}
	s, zid := start(t, Options{})
	body, _ := json.Marshal(map[string]any{"type": "TXT", "name": "long", "content": `"` + long + `"`})
	a := call(t, s, token, "POST", "/zones/"+zid+"/dns_records", string(body))
	if got, want := a.record(t).Content, `"`+long[:255]+`" "`+long[255:]+`"`; got != want {
		t.Errorf("stored long TXT:\n got %s\nwant %s", got, want)
	}
}

func TestCreateErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    Options
		fixture []Record
		body    string
		status  int
		codes   []string
	}{
		{"TTL too low", Options{}, nil, `{"type":"A","name":"a","content":"192.0.2.1","ttl":30}`, 400, []string{"1004/9021"}},
		{"TTL too high", Options{}, nil, `{"type":"A","name":"a","content":"192.0.2.1","ttl":86401}`, 400, []string{"1004/9021"}},
		{"TTL zero", Options{}, nil, `{"type":"A","name":"a","content":"192.0.2.1","ttl":0}`, 400, []string{"1004/9021"}},
		{"TTL 30 on enterprise", Options{Enterprise: true}, nil, `{"type":"A","name":"a","content":"192.0.2.1","ttl":30}`, 200, nil},
		{"MX without priority", Options{}, nil, `{"type":"MX","name":"@","content":"mail.example.com"}`, 400, []string{"1004/9100"}},
		{"SRV without priority", Options{}, nil, `{"type":"SRV","name":"_a._tcp","data":{"weight":1,"port":1,"target":"x.example.com"}}`, 400, []string{"1004/9100"}},
		{"URI without priority", Options{}, nil, `{"type":"URI","name":"_http._tcp","data":{"weight":1,"target":"http://x/"}}`, 400, []string{"1004/9100"}},
		{"CAA without tag", Options{}, nil, `{"type":"CAA","name":"@","content":"0 issue \"x\"","data":{"tag":""}}`, 400, []string{"1004/9100"}},
		{"A not IPv4", Options{}, nil, `{"type":"A","name":"a","content":"2001:db8::1"}`, 400, []string{"1004/9005"}},
		{"AAAA not IPv6", Options{}, nil, `{"type":"AAAA","name":"a","content":"192.0.2.1"}`, 400, []string{"1004/9006"}},
		{"CNAME not a host", Options{}, nil, `{"type":"CNAME","name":"a","content":"not a host"}`, 400, []string{"1004/9007"}},
		{"TXT empty", Options{}, nil, `{"type":"TXT","name":"a","content":""}`, 400, []string{"1004/9100"}},
		{"unknown type", Options{}, nil, `{"type":"SPF","name":"a","content":"v=spf1"}`, 400, []string{"1004/9020"}},
		{"missing type", Options{}, nil, `{"name":"a","content":"192.0.2.1"}`, 400, []string{"1004/9100"}},
		{"missing name", Options{}, nil, `{"type":"A","content":"192.0.2.1"}`, 400, []string{"1004/9100"}},
		{"bad name", Options{}, nil, `{"type":"A","name":"a b","content":"192.0.2.1"}`, 400, []string{"1004/9000"}},
		{"proxied TXT", Options{}, nil, `{"type":"TXT","name":"a","content":"x","proxied":true}`, 400, []string{"1004/9004"}},
		{"bad JSON", Options{}, nil, `{"type":`, 400, []string{"9207"}},
		{"wrong field type", Options{}, nil, `{"type":"A","name":"a","content":"192.0.2.1","ttl":"300"}`, 400, []string{"9207"}},
		{"identical A", Options{}, []Record{{Type: "A", Name: "a", Content: "192.0.2.1", TTL: 300}},
			`{"type":"A","name":"A.example.com","content":"192.0.2.1","ttl":60}`, 400, []string{"81057"}},
		{"identical MX", Options{}, []Record{{Type: "MX", Name: "@", Content: "mail.example.com", Priority: intp(10)}},
			`{"type":"MX","name":"@","content":"MAIL.example.com.","priority":10}`, 400, []string{"81057"}},
		{"MX other priority is fine", Options{}, []Record{{Type: "MX", Name: "@", Content: "mail.example.com", Priority: intp(10)}},
			`{"type":"MX","name":"@","content":"mail.example.com","priority":20}`, 200, nil},
		{"identical TXT", Options{}, []Record{{Type: "TXT", Name: "t", Content: `"x"`}},
			`{"type":"TXT","name":"t","content":"\"x\""}`, 400, []string{"81057"}},
		{"CNAME over A", Options{}, []Record{{Type: "A", Name: "a", Content: "192.0.2.1"}},
			`{"type":"CNAME","name":"a","content":"t.example.net"}`, 400, []string{"81053"}},
		{"second CNAME", Options{}, []Record{{Type: "CNAME", Name: "a", Content: "t.example.net"}},
			`{"type":"CNAME","name":"a","content":"u.example.net"}`, 400, []string{"81053"}},
		{"A over CNAME", Options{}, []Record{{Type: "CNAME", Name: "a", Content: "t.example.net"}},
			`{"type":"A","name":"a","content":"192.0.2.1"}`, 400, []string{"81054"}},
		{"AAAA over apex CNAME", Options{}, []Record{{Type: "CNAME", Name: "@", Content: "t.example.net"}},
			`{"type":"AAAA","name":"@","content":"2001:db8::1"}`, 400, []string{"81054"}},
		{"TXT over CNAME below apex", Options{}, []Record{{Type: "CNAME", Name: "a", Content: "t.example.net"}},
			`{"type":"TXT","name":"a","content":"x"}`, 400, []string{"81054"}},
		{"CNAME over TXT below apex", Options{}, []Record{{Type: "TXT", Name: "a", Content: "x"}},
			`{"type":"CNAME","name":"a","content":"t.example.net"}`, 400, []string{"81053"}},
		{"CNAME over TXT allowed by option", Options{CNAMEWithOther: true}, []Record{{Type: "TXT", Name: "a", Content: "x"}},
			`{"type":"CNAME","name":"a","content":"t.example.net"}`, 200, nil},
		{"CNAME over A despite option", Options{CNAMEWithOther: true}, []Record{{Type: "A", Name: "a", Content: "192.0.2.1"}},
			`{"type":"CNAME","name":"a","content":"t.example.net"}`, 400, []string{"81053"}},
		{"apex CNAME beside MX and TXT", Options{}, []Record{
			{Type: "MX", Name: "@", Content: "mail.example.com", Priority: intp(10)}, {Type: "TXT", Name: "@", Content: "x"}},
			`{"type":"CNAME","name":"@","content":"t.example.net"}`, 200, nil},
		{"A beside NS below apex", Options{}, []Record{{Type: "NS", Name: "sub", Content: "ns1.example.net"}},
			`{"type":"A","name":"sub","content":"192.0.2.1"}`, 400, []string{"81056"}},
		{"NS beside TXT below apex", Options{}, []Record{{Type: "TXT", Name: "sub", Content: "x"}},
			`{"type":"NS","name":"sub","content":"ns1.example.net"}`, 400, []string{"81055"}},
		{"second NS below apex", Options{}, []Record{{Type: "NS", Name: "sub", Content: "ns1.example.net"}},
			`{"type":"NS","name":"sub","content":"ns2.example.net"}`, 200, nil},
		{"apex NS beside A", Options{}, []Record{{Type: "A", Name: "@", Content: "192.0.2.1"}},
			`{"type":"NS","name":"@","content":"ns1.example.net"}`, 200, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, zid := start(t, tc.opts)
			for _, r := range tc.fixture {
				s.AddRecord(zid, r)
			}
			before := s.Records(zid)
			a := call(t, s, token, "POST", "/zones/"+zid+"/dns_records", tc.body)
			if a.Status != tc.status {
				t.Errorf("status %d, want %d: %s", a.Status, tc.status, a.Raw)
			}
			if diff := cmp.Diff(tc.codes, a.codes()); diff != "" {
				t.Errorf("codes (-want +got):\n%s", diff)
			}
			if tc.status != 200 {
				if a.Success || string(a.Result) != "null" {
					t.Errorf("error answer: success %v, result %s", a.Success, a.Result)
				}
				if diff := cmp.Diff(before, s.Records(zid)); diff != "" {
					t.Errorf("a refused POST changed the zone (-before +after):\n%s", diff)
				}
			}
		})
	}
}

func TestGetPatchPutDelete(t *testing.T) {
	s, zid := start(t, Options{})
	base := "/zones/" + zid + "/dns_records"
	a := call(t, s, token, "POST", base, `{"type":"A","name":"www","content":"192.0.2.1","ttl":300,"proxied":true}`)
	id := a.record(t).ID

	got := call(t, s, token, "GET", base+"/"+id, "").record(t)
	if got.Content != "192.0.2.1" || !got.Proxied || got.TTL != 1 {
		t.Errorf("GET: %+v", got)
	}

	// PATCH merges: only content changes; proxied stays true.
	got = call(t, s, token, "PATCH", base+"/"+id, `{"content":"192.0.2.2"}`).record(t)
	if got.Content != "192.0.2.2" || !got.Proxied || got.Name != "www.example.com" {
		t.Errorf("PATCH content: %+v", got)
	}
	// PATCH with a relative name and a TTL, as libdns sends it.
	got = call(t, s, token, "PATCH", base+"/"+id, `{"type":"A","name":"web","content":"192.0.2.3","ttl":120,"proxied":false,"data":{"tag":""}}`).record(t)
	if got.Name != "web.example.com" || got.TTL != 120 || got.Proxied {
		t.Errorf("PATCH full: %+v", got)
	}
	// PUT replaces: fields left out get their defaults.
	got = call(t, s, token, "PUT", base+"/"+id, `{"type":"A","name":"web","content":"192.0.2.4"}`).record(t)
	if got.ID != id || got.TTL != 1 || got.Proxied || got.Content != "192.0.2.4" {
		t.Errorf("PUT: %+v", got)
	}
	// PUT without required fields fails and leaves the record alone.
	if a := call(t, s, token, "PUT", base+"/"+id, `{"content":"192.0.2.5"}`); a.Status != 400 {
		t.Errorf("PUT without type: %d %s", a.Status, a.Raw)
	}
	// PATCH into a conflict fails.
	s.AddRecord(zid, Record{Type: "A", Name: "web", Content: "192.0.2.9"})
	if a := call(t, s, token, "PATCH", base+"/"+id, `{"content":"192.0.2.9"}`); !cmp.Equal(a.codes(), []string{"81057"}) {
		t.Errorf("PATCH to a duplicate: %s", a.Raw)
	}
	// PATCH that changes nothing is not a duplicate of itself.
	if a := call(t, s, token, "PATCH", base+"/"+id, `{"content":"192.0.2.4"}`); a.Status != 200 {
		t.Errorf("PATCH to same content: %s", a.Raw)
	}

	a = call(t, s, token, "DELETE", base+"/"+id, "")
	if a.Status != 200 || string(a.Result) != fmt.Sprintf(`{"id":%q}`, id) {
		t.Errorf("DELETE: %d %s, want result {\"id\":...}", a.Status, a.Raw)
	}
	for _, m := range []string{"GET", "PATCH", "PUT", "DELETE"} {
		a := call(t, s, token, m, base+"/"+id, `{"content":"192.0.2.1"}`)
		if a.Status != 404 || !cmp.Equal(a.codes(), []string{"81044"}) {
			t.Errorf("%s deleted record: %d %s, want 404 81044", m, a.Status, a.Raw)
		}
	}
	if a := call(t, s, token, "DELETE", base, ""); a.Status != 405 || a.Success {
		t.Errorf("DELETE on the collection: %d %s", a.Status, a.Raw)
	}
	if a := call(t, s, token, "GET", "/nothing", ""); a.Status != 400 || !strings.Contains(a.Raw, "7000") {
		t.Errorf("unknown route: %d %s", a.Status, a.Raw)
	}
}

func TestFixtures(t *testing.T) {
	s, zid := start(t, Options{})
	base := "/zones/" + zid + "/dns_records"
	if list := call(t, s, token, "GET", base, "").records(t); len(list) != 0 {
		t.Errorf("a new zone lists %d records, want none (no apex NS or SOA)", len(list))
	}
	ro := s.AddRecord(zid, Record{Type: "MX", Name: "@", Content: "route1.mx.cloudflare.net", Priority: intp(13), TTL: 300, ReadOnly: true})
	px := s.AddRecord(zid, Record{Type: "CNAME", Name: "cdn", Content: "origin.example.net", TTL: 3600, Proxied: true})
	ns := s.AddRecord("example.com.", Record{Type: "NS", Name: "@", Content: "ada.ns.cloudflare.com", TTL: 86400})
	if px.TTL != 1 || px.Name != "cdn.example.com" || len(px.ID) != 32 {
		t.Errorf("proxied fixture: %+v", px)
	}
	list := call(t, s, token, "GET", base, "").records(t)
	if len(list) != 3 {
		t.Fatalf("listing: %d records, want 3", len(list))
	}
	byID := map[string]apiRecord{}
	for _, r := range list {
		byID[r.ID] = r
	}
	if r := byID[ro.ID]; !r.Meta.ReadOnly || *r.Priority != 13 {
		t.Errorf("read-only record listed as %+v", r)
	}
	if r := byID[px.ID]; !r.Proxied || r.TTL != 1 {
		t.Errorf("proxied record listed as %+v", r)
	}
	if r := byID[ns.ID]; r.Name != "example.com" || r.Type != "NS" {
		t.Errorf("apex NS fixture listed as %+v", r)
	}
	for _, m := range []string{"PATCH", "PUT", "DELETE"} {
		a := call(t, s, token, m, base+"/"+ro.ID, `{"type":"MX","name":"@","content":"x.example.com","priority":1}`)
		if a.Status != 400 || a.Success {
			t.Errorf("%s read-only: %d %s, want 400", m, a.Status, a.Raw)
		}
	}
	if diff := cmp.Diff(ro, s.Records(zid)[1]); diff != "" {
		t.Errorf("read-only record changed (-want +got):\n%s", diff)
	}
	// Records returns copies in type, name, content, id order.
	var order []string
	for _, r := range s.Records("EXAMPLE.com") {
		order = append(order, r.Type+" "+r.Name)
	}
	if diff := cmp.Diff([]string{"CNAME cdn.example.com", "MX example.com", "NS example.com"}, order); diff != "" {
		t.Errorf("Records order (-want +got):\n%s", diff)
	}
	s.Records(zid)[1].Priority = intp(99)
	if *s.Records(zid)[1].Priority != 13 {
		t.Error("Records returned shared state")
	}
}

func TestBatch(t *testing.T) {
	s, zid := start(t, Options{BatchLimit: 4})
	base := "/zones/" + zid + "/dns_records"
	a1 := s.AddRecord(zid, Record{Type: "A", Name: "swap", Content: "192.0.2.1"})
	mx := s.AddRecord(zid, Record{Type: "MX", Name: "@", Content: "mail.example.com", Priority: intp(10)})
	txt := s.AddRecord(zid, Record{Type: "TXT", Name: "t", Content: `"old"`, TTL: 300})

	// Deletes run first, so an A can become a CNAME in one batch; patches
	// and puts run before posts.
	body := fmt.Sprintf(`{
		"deletes":[{"id":%q}],
		"patches":[{"id":%q,"ttl":600}],
		"puts":[{"id":%q,"type":"TXT","name":"t","content":"\"new\""}],
		"posts":[{"type":"CNAME","name":"swap","content":"target.example.net"}]}`, a1.ID, mx.ID, txt.ID)
	a := call(t, s, token, "POST", base+"/batch", body)
	if a.Status != 200 || !a.Success {
		t.Fatalf("batch: %d %s", a.Status, a.Raw)
	}
	var res batchResult
	json.Unmarshal(a.Result, &res)
	if len(res.Deletes) != 1 || res.Deletes[0].ID != a1.ID || res.Deletes[0].Content != "192.0.2.1" ||
		len(res.Patches) != 1 || res.Patches[0].TTL != 600 || *res.Patches[0].Priority != 10 ||
		len(res.Puts) != 1 || res.Puts[0].Content != `"new"` || res.Puts[0].TTL != 1 ||
		len(res.Posts) != 1 || res.Posts[0].Type != "CNAME" {
		t.Errorf("batch result: %s", a.Result)
	}
	var got []string
	for _, r := range s.Records(zid) {
		got = append(got, fmt.Sprintf("%s %s %s %d", r.Type, r.Name, r.Content, r.TTL))
	}
	want := []string{"CNAME swap.example.com target.example.net 1", "MX example.com mail.example.com 600", `TXT t.example.com "new" 1`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("zone after batch (-want +got):\n%s", diff)
	}

	// Rollback: any failing operation applies nothing.
	ro := s.AddRecord(zid, Record{Type: "TXT", Name: "ro", Content: "x", ReadOnly: true})
	before := s.Records(zid)
	for _, tc := range []struct {
		name, body string
		codes      []string
		status     int
	}{
		{"duplicate post", fmt.Sprintf(`{"deletes":[{"id":%q}],"posts":[{"type":"A","name":"n","content":"192.0.2.7"},{"type":"A","name":"n","content":"192.0.2.7"}]}`, mx.ID), []string{"81057"}, 400},
		{"conflict with a record the batch keeps", `{"posts":[{"type":"A","name":"swap","content":"192.0.2.8"}]}`, []string{"81054"}, 400},
		{"unknown delete", fmt.Sprintf(`{"deletes":[{"id":%q},{"id":"ffffffffffffffffffffffffffffffff"}]}`, mx.ID), []string{"81044"}, 404},
		{"patch invalid", fmt.Sprintf(`{"deletes":[{"id":%q}],"patches":[{"id":%q,"ttl":5}]}`, txt.ID, mx.ID), []string{"1004/9021"}, 400},
		{"read-only delete", fmt.Sprintf(`{"deletes":[{"id":%q},{"id":%q}]}`, txt.ID, ro.ID), []string{"1004"}, 400},
		{"patch without id", `{"patches":[{"ttl":300}]}`, []string{"1004/9100"}, 400},
		{"over the limit", `{"posts":[{"type":"A","name":"a","content":"192.0.2.1"},{"type":"A","name":"b","content":"192.0.2.1"},{"type":"A","name":"c","content":"192.0.2.1"},{"type":"A","name":"d","content":"192.0.2.1"},{"type":"A","name":"e","content":"192.0.2.1"}]}`, []string{"1004"}, 400},
		{"bad JSON", `{"posts":{}}`, []string{"9207"}, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := call(t, s, token, "POST", base+"/batch", tc.body)
			if a.Status != tc.status || a.Success {
				t.Errorf("status %d, want %d: %s", a.Status, tc.status, a.Raw)
			}
			if diff := cmp.Diff(tc.codes, a.codes()); diff != "" {
				t.Errorf("codes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, s.Records(zid)); diff != "" {
				t.Errorf("failed batch changed the zone (-before +after):\n%s", diff)
			}
		})
	}
	if a := call(t, s, token, "POST", base+"/batch", `{}`); a.Status != 200 || !strings.Contains(string(a.Result), `"posts":[]`) {
		t.Errorf("empty batch: %s", a.Raw)
	}
}

func TestFaults(t *testing.T) {
	s, zid := start(t, Options{})
	list := "/zones/" + zid + "/dns_records"

	s.Inject(Fault{Method: "GET", Path: "/dns_records", Status: 429, RetryAfter: 1500 * time.Millisecond, Times: 2})
	if a := call(t, s, token, "GET", "/zones", ""); a.Status != 200 {
		t.Errorf("path not matched: %d", a.Status)
	}
	if a := call(t, s, token, "POST", list, `{"type":"A","name":"a","content":"192.0.2.1"}`); a.Status != 200 {
		t.Errorf("method not matched: %d %s", a.Status, a.Raw)
	}
	for i := range 2 {
		a := call(t, s, token, "GET", list, "")
		if a.Status != 429 || a.Header.Get("Retry-After") != "2" || !cmp.Equal(a.codes(), []string{"971"}) {
			t.Errorf("hit %d: %d Retry-After %q %s", i, a.Status, a.Header.Get("Retry-After"), a.Raw)
		}
	}
	if a := call(t, s, token, "GET", list, ""); a.Status != 200 {
		t.Errorf("after Times hits: %d %s", a.Status, a.Raw)
	}

	s.Inject(Fault{Status: 503, HTML: true})
	a := call(t, s, token, "GET", list, "")
	if a.Status != 503 || !strings.HasPrefix(a.Header.Get("Content-Type"), "text/html") || !strings.HasPrefix(a.Raw, "<html>") {
		t.Errorf("HTML 503: %d %q %q", a.Status, a.Header.Get("Content-Type"), a.Raw)
	}
	// An HTML body is what breaks libdns/cloudflare's decoder.
	if err := json.Unmarshal([]byte(a.Raw), new(any)); err == nil {
		t.Error("HTML body decoded as JSON")
	}
	a = call(t, s, "wrong token too", "GET", list, "")
	if a.Status != 503 {
		t.Errorf("faults apply before authentication: %d", a.Status)
	}
	s.ClearFaults()

	s.Inject(Fault{Status: 502, Times: 1})
	if a := call(t, s, token, "GET", list, ""); a.Status != 502 || a.Success || len(a.Errors) != 1 {
		t.Errorf("JSON 502: %d %s", a.Status, a.Raw)
	}

	s.Inject(Fault{Path: "/dns_records", Reset: true, Times: 1})
	req, _ := http.NewRequestWithContext(t.Context(), "GET", s.URL+"/client/v4"+list, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	// A fresh connection: Go's transport silently retries an idempotent
	// request whose reused connection was closed before any answer.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := fresh.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("reset: got status %d, want a transport error", resp.StatusCode)
	}

	s.Inject(Fault{Latency: 50 * time.Millisecond, Times: 1})
	start := time.Now()
	if a := call(t, s, token, "GET", list, ""); a.Status != 200 {
		t.Errorf("latency only: %d", a.Status)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("latency fault answered after %v, want >= 50ms", d)
	}

	reqs := s.Requests()
	var statuses []int
	for _, r := range reqs[len(reqs)-3:] {
		statuses = append(statuses, r.Status)
	}
	if diff := cmp.Diff([]int{502, 0, 200}, statuses); diff != "" {
		t.Errorf("logged statuses of 502, reset, latency (-want +got):\n%s", diff)
	}
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestRateLimit(t *testing.T) {
	c := &clock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	s, zid := start(t, Options{Tokens: []string{"a", "b"}, RateLimit: 3, Now: c.Now})
	list := "/zones/" + zid + "/dns_records"
	for i := range 3 {
		if a := call(t, s, "a", "GET", list, ""); a.Status != 200 || a.Header.Get("Ratelimit-Policy") == "" {
			t.Fatalf("request %d: %d, policy %q", i, a.Status, a.Header.Get("Ratelimit-Policy"))
		}
	}
	a := call(t, s, "a", "GET", list, "")
	if a.Status != 429 || a.Header.Get("Retry-After") != "300" || !cmp.Equal(a.codes(), []string{"971"}) {
		t.Errorf("over the limit: %d Retry-After %q %s", a.Status, a.Header.Get("Retry-After"), a.Raw)
	}
	if a := call(t, s, "b", "GET", list, ""); a.Status != 200 {
		t.Errorf("another token is limited separately: %d", a.Status)
	}
	c.Add(100 * time.Second)
	if a := call(t, s, "a", "GET", list, ""); a.Status != 429 || a.Header.Get("Retry-After") != "200" {
		t.Errorf("still blocked: %d Retry-After %q", a.Status, a.Header.Get("Retry-After"))
	}
	c.Add(200 * time.Second)
	if a := call(t, s, "a", "GET", list, ""); a.Status != 200 {
		t.Errorf("after the block: %d %s", a.Status, a.Raw)
	}
}

func TestRequestLog(t *testing.T) {
	s, zid := start(t, Options{})
	s.ResetRequests()
	call(t, s, token, "GET", "/zones?name=example.com", "")
	call(t, s, token, "POST", "/zones/"+zid+"/dns_records", `{"type":"A","name":"a","content":"192.0.2.1"}`)
	call(t, s, "", "GET", "/zones/"+zid+"/dns_records?type=A&name=a.example.com", "")
	want := []Request{
		{Method: "GET", Path: "/client/v4/zones", Query: "name=example.com", Status: 200, Token: token},
		{Method: "POST", Path: "/client/v4/zones/" + zid + "/dns_records", Body: `{"type":"A","name":"a","content":"192.0.2.1"}`, Status: 200, Token: token},
		{Method: "GET", Path: "/client/v4/zones/" + zid + "/dns_records", Query: "type=A&name=a.example.com", Status: 400},
	}
	if diff := cmp.Diff(want, s.Requests()); diff != "" {
		t.Errorf("request log (-want +got):\n%s", diff)
	}
	s.ResetRequests()
	if n := len(s.Requests()); n != 0 {
		t.Errorf("after ResetRequests: %d entries", n)
	}
}

func TestConcurrentWrites(t *testing.T) {
	s, zid := start(t, Options{})
	var wg sync.WaitGroup
	errs := make([]error, 50)
	for i := range errs {
		wg.Go(func() {
			body := fmt.Sprintf(`{"type":"A","name":"h%d","content":"192.0.2.1"}`, i%25)
			req, _ := http.NewRequest("POST", s.URL+"/client/v4/zones/"+zid+"/dns_records", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 && resp.StatusCode != 400 {
				errs[i] = fmt.Errorf("status %d", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Records(zid)); n != 25 {
		t.Errorf("%d records after racing duplicate POSTs, want 25", n)
	}
	if n := len(s.Requests()); n != 50 {
		t.Errorf("%d logged requests, want 50", n)
	}
}

// TestMetadata: proxied, comment, tags and settings are stored and
// returned; a PATCH that leaves them out keeps them, a PUT clears them.
func TestMetadata(t *testing.T) {
	s, zid := start(t, Options{})
	base := "/zones/" + zid + "/dns_records"
	a := call(t, s, token, "POST", base, `{"type":"A","name":"www","content":"192.0.2.1","proxied":true,"comment":"waf","tags":["team:web"],"settings":{"ipv4_only":true}}`)
	r := a.record(t)
	if !r.Proxied || r.Comment == nil || *r.Comment != "waf" || len(r.Tags) != 1 || string(r.Settings) != `{"ipv4_only":true}` {
		t.Fatalf("created record lost its metadata: %s", a.Raw)
	}
	a = call(t, s, token, "POST", base+"/batch", fmt.Sprintf(`{"patches":[{"id":%q,"content":"192.0.2.2"}]}`, r.ID))
	got := s.Records(zid)[0]
	if a.Status != 200 || got.Content != "192.0.2.2" || !got.Proxied || got.Comment == nil || *got.Comment != "waf" || len(got.Tags) != 1 || string(got.Settings) != `{"ipv4_only":true}` {
		t.Errorf("after a batch patch: %d %+v", a.Status, got)
	}
	a = call(t, s, token, "POST", base+"/batch", fmt.Sprintf(`{"puts":[{"id":%q,"type":"A","name":"www","content":"192.0.2.3"}]}`, r.ID))
	got = s.Records(zid)[0]
	if a.Status != 200 || got.Proxied || got.Comment != nil || got.Tags != nil || got.Settings != nil {
		t.Errorf("after a batch put: %d %+v", a.Status, got)
	}
	if l := call(t, s, token, "GET", base, ""); !strings.Contains(l.Raw, `"tags":[]`) || !strings.Contains(l.Raw, `"settings":{}`) {
		t.Errorf("listing without tags and settings: %s", l.Raw)
	}
}

// TestRecordQuota: past RecordQuota a create gets 81045, a batch that would
// go past it changes nothing, and the usage route reports quota and usage.
func TestRecordQuota(t *testing.T) {
	s, zid := start(t, Options{RecordQuota: 2})
	base := "/zones/" + zid + "/dns_records"
	s.AddRecord(zid, Record{Type: "A", Name: "a", Content: "192.0.2.1"})
	if a := call(t, s, token, "POST", base+"/batch", `{"posts":[{"type":"A","name":"b","content":"192.0.2.2"},{"type":"A","name":"c","content":"192.0.2.3"}]}`); a.Status != 400 || fmt.Sprint(a.codes()) != "[81045]" || len(s.Records(zid)) != 1 {
		t.Errorf("batch past the quota: %d %v, %d records", a.Status, a.codes(), len(s.Records(zid)))
	}
	if a := call(t, s, token, "POST", base, `{"type":"A","name":"b","content":"192.0.2.2"}`); a.Status != 200 {
		t.Errorf("create within the quota: %d %s", a.Status, a.Raw)
	}
	if a := call(t, s, token, "POST", base, `{"type":"A","name":"c","content":"192.0.2.3"}`); a.Status != 400 || fmt.Sprint(a.codes()) != "[81045]" {
		t.Errorf("create past the quota: %d %v", a.Status, a.codes())
	}
	if a := call(t, s, token, "GET", base+"/usage", ""); string(a.Result) != `{"record_quota":2,"record_usage":2}` {
		t.Errorf("usage: %s", a.Raw)
	}
}

// TestTokenScopesAndDuplicateZones: a record token reads and writes records
// but not zones; a zone token the reverse; a name added twice is listed
// twice with its status, and status= filters.
func TestTokenScopesAndDuplicateZones(t *testing.T) {
	s := New(Options{RecordTokens: []string{"rec"}, ZoneTokens: []string{"zone"}})
	t.Cleanup(s.Close)
	pending := s.AddZoneStatus("example.com", "pending")
	zid := s.AddZone("example.com")
	if a := call(t, s, "rec", "GET", "/zones?name=example.com", ""); a.Status != 403 || fmt.Sprint(a.codes()) != "[9109]" {
		t.Errorf("record token on /zones: %d %v", a.Status, a.codes())
	}
	if a := call(t, s, "rec", "GET", "/zones/"+zid+"/dns_records", ""); a.Status != 200 {
		t.Errorf("record token on dns_records: %d %s", a.Status, a.Raw)
	}
	if a := call(t, s, "zone", "GET", "/zones/"+zid+"/dns_records", ""); a.Status != 403 {
		t.Errorf("zone token on dns_records: %d", a.Status)
	}
	a := call(t, s, "zone", "GET", "/zones?name=example.com", "")
	if a.Status != 200 || !strings.Contains(a.Raw, `"id":"`+pending+`","name":"example.com","status":"pending"`) || strings.Count(a.Raw, `"name":"example.com"`) != 2 {
		t.Errorf("two zones of one name: %s", a.Raw)
	}
	if a := call(t, s, "zone", "GET", "/zones?name=example.com&status=active", ""); strings.Contains(a.Raw, pending) || !strings.Contains(a.Raw, zid) {
		t.Errorf("status=active: %s", a.Raw)
	}
}
