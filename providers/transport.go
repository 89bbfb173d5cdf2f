package providers

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Transport is the http.RoundTripper of the HTTP API drivers. It paces
// requests (a token bucket), retries what is transient (connection errors,
// HTTP 429 honouring Retry-After, HTTP 5xx) with exponential backoff and
// jitter inside a budget of attempts and time, and can send every request
// to another base URL (an emulator). It counts the requests it sends.
type Transport struct {
	// Base sends the requests; nil means BaseTransport.
	Base http.RoundTripper
	// Target, when set, replaces scheme and host of every request, and
	// Prefix (if the request path starts with it) is replaced by
	// Target.Path: the base-URL rewrite for emulators.
	Target *url.URL
	Prefix string
	// Limiter paces requests; nil means no pacing. Account, when set,
	// paces instead with the account's shared budget and bounds its
	// requests in flight (MaxInFlight over the whole process).
	Limiter *rate.Limiter
	Account *Account
	// MaxAttempts per request (default 6) and MaxWait, the longest a
	// request may take in all with its retries (default 2 minutes).
	MaxAttempts int
	MaxWait     time.Duration
	// MinBackoff is the first retry delay (default 200ms); it doubles.
	MinBackoff time.Duration

	requests atomic.Int64
}

// Requests returns how many HTTP requests the transport has sent,
// retries included.
func (t *Transport) Requests() int64 { return t.requests.Load() }

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = BaseTransport
	}
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
	}
	attempts := t.MaxAttempts
	if attempts <= 0 {
		attempts = 6
	}
	maxWait := t.MaxWait
	if maxWait <= 0 {
		maxWait = 2 * time.Minute
	}
	delay := t.MinBackoff
	if delay <= 0 {
		delay = 200 * time.Millisecond
	}
	deadline := time.Now().Add(maxWait)
	ctx := req.Context()
	perAttempt, _ := ctx.Value(attemptTimeoutKey{}).(time.Duration)
	for attempt := 1; ; attempt++ {
		release := func() {}
		switch {
		case t.Account != nil:
			r, err := t.Account.Wait(ctx)
			if err != nil {
				return nil, err
			}
			release = r
		case t.Limiter != nil:
			if err := t.Limiter.Wait(ctx); err != nil {
				return nil, err
			}
		}
		actx, cancel := ctx, context.CancelFunc(func() {})
		if perAttempt > 0 {
			actx, cancel = context.WithTimeout(ctx, perAttempt)
		}
		r := req.Clone(actx)
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}
		t.rewrite(r)
		t.requests.Add(1)
		resp, err := base.RoundTrip(r)
		release()
		if err != nil || resp == nil {
			cancel()
		} else {
			resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
		}
		wait, retry := retryable(resp, err, ctx)
		if !retry || attempt >= attempts {
			return resp, err
		}
		if wait == 0 {
			// Exponential backoff with full jitter over the upper half.
			wait = delay/2 + time.Duration(rand.Int64N(int64(delay/2)+1))
			delay *= 2
		}
		if time.Now().Add(wait).After(deadline) {
			return resp, err
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

type attemptTimeoutKey struct{}

// WithAttemptTimeout asks Transport to give each attempt of the request at
// most d; the request as a whole is bounded by MaxAttempts and MaxWait.
func WithAttemptTimeout(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, attemptTimeoutKey{}, d)
}

// cancelBody ends an attempt's context once its body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

func (t *Transport) rewrite(r *http.Request) {
	if t.Target == nil {
		return
	}
	r.URL.Scheme, r.URL.Host, r.Host = t.Target.Scheme, t.Target.Host, t.Target.Host
	if t.Prefix != "" && strings.HasPrefix(r.URL.Path, t.Prefix) {
		r.URL.Path = t.Target.Path + strings.TrimPrefix(r.URL.Path, t.Prefix)
		r.URL.RawPath = ""
	}
}

// retryable says whether a response or error is transient, and how long the
// server asked to wait (Retry-After), if it said.
func retryable(resp *http.Response, err error, ctx context.Context) (time.Duration, bool) {
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, context.Canceled) {
			return 0, false
		}
		return 0, true // connection refused or reset, timeout
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			return time.Duration(s) * time.Second, true
		}
		return 0, true
	case resp.StatusCode >= 500:
		return 0, true
	}
	return 0, false
}
