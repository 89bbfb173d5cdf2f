package providers_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zonecast/zonecast/providers"
)

// flaky answers with the given statuses in turn, then 200 with the request
// body echoed.
func flaky(t *testing.T, statuses ...int) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i < len(statuses) {
			if statuses[i] == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "1")
			}
			w.WriteHeader(statuses[i])
			io.WriteString(w, "<html>busy</html>")
			return
		}
		b, _ := io.ReadAll(r.Body)
		io.WriteString(w, r.URL.Path+" "+string(b))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestTransportRetries(t *testing.T) {
	srv, n := flaky(t, 503, 502, 500)
	tr := &providers.Transport{MinBackoff: time.Millisecond}
	resp, err := (&http.Client{Transport: tr}).Post(srv.URL+"/x", "text/plain", strings.NewReader("body"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != "/x body" || n.Load() != 4 || tr.Requests() != 4 {
		t.Errorf("got %d %q after %d requests (counted %d); want 200, the body resent, 4 requests", resp.StatusCode, b, n.Load(), tr.Requests())
	}
}

func TestTransportHonoursRetryAfter(t *testing.T) {
	srv, _ := flaky(t, 429)
	tr := &providers.Transport{MinBackoff: time.Millisecond}
	start := time.Now()
	resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Errorf("retried after %v; the server asked for 1s", waited)
	}
}

func TestTransportGivesUp(t *testing.T) {
	srv, n := flaky(t, 500, 500, 500, 500, 500)
	tr := &providers.Transport{MinBackoff: time.Millisecond, MaxAttempts: 3}
	resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
	if err != nil || resp.StatusCode != 500 || n.Load() != 3 {
		t.Errorf("got %v %v after %d requests; want the last 500 after 3", resp, err, n.Load())
	}
	// A client error is not retried.
	srv2, n2 := flaky(t, 400)
	resp, _ = (&http.Client{Transport: &providers.Transport{MinBackoff: time.Millisecond}}).Get(srv2.URL)
	if resp.StatusCode != 400 || n2.Load() != 1 {
		t.Errorf("a 400 was retried: %d requests", n2.Load())
	}
}

func TestTransportRewritesBaseURL(t *testing.T) {
	srv, _ := flaky(t)
	target, _ := url.Parse(srv.URL + "/emu")
	tr := &providers.Transport{Target: target, Prefix: "/client/v4"}
	resp, err := (&http.Client{Transport: tr}).Get("https://api.cloudflare.com/client/v4/zones")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "/emu/zones " {
		t.Errorf("request reached %q", b)
	}
}

// TestTransportAccount: two transports on one Account share its token
// bucket; with one token a pace of one per 10,000 s, the second
// transport's request is refused by the limiter at once, without being
// sent.
func TestTransportAccount(t *testing.T) {
	srv, n := flaky(t)
	a := providers.AccountFor(providers.AccountKey{Driver: "test", Endpoint: srv.URL, Credential: providers.CredentialDigest("k")})
	a.Pace("p", 0.0001, 1)
	one, two := &providers.Transport{Account: a}, &providers.Transport{Account: a}
	if _, err := (&http.Client{Transport: one}).Get(srv.URL + "/a"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/b", nil)
	if _, err := (&http.Client{Transport: two}).Do(req); err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the second transport's request: %v, want the shared pace to refuse it (DeadlineExceeded)", err)
	}
	if n.Load() != 1 {
		t.Errorf("%d requests reached the server, want 1", n.Load())
	}
}
