package providers_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/zonecast/zonecast/providers"
)

func key(t *testing.T, secret string) providers.AccountKey {
	return providers.AccountKey{Driver: "test", Endpoint: t.Name(), Credential: providers.CredentialDigest(secret)}
}

// TestAccountFor: one key, one account; another credential, another. The
// digest never holds the secret and tells apart secrets that join alike.
func TestAccountFor(t *testing.T) {
	a, b, c := providers.AccountFor(key(t, "s1")), providers.AccountFor(key(t, "s1")), providers.AccountFor(key(t, "s2"))
	if a != b || a == c {
		t.Errorf("same key: same account %v; other credential: other account %v", a == b, a != c)
	}
	d := providers.CredentialDigest("hunter2")
	if strings.Contains(d, "hunter2") || len(d) != 64 {
		t.Errorf("digest %q", d)
	}
	if providers.CredentialDigest("ab", "c") == providers.CredentialDigest("a", "bc") {
		t.Error("(ab, c) and (a, bc) have one digest")
	}
}

// TestAccountPace: the account paces at the strictest of its providers'
// wishes, and a provider built again replaces its own.
func TestAccountPace(t *testing.T) {
	a := providers.AccountFor(key(t, "s"))
	a.Pace("one", 5, 5)
	if a.Limiter().Limit() != 5 || a.Limiter().Burst() != 5 || a.Limiter().Tokens() < 4.9 {
		t.Errorf("first pace: %v/%d, %f tokens; want 5/5 and a full bucket", a.Limiter().Limit(), a.Limiter().Burst(), a.Limiter().Tokens())
	}
	a.Pace("two", 2, 3)
	if a.Limiter().Limit() != 2 || a.Limiter().Burst() != 3 {
		t.Errorf("two providers: %v/%d, want the stricter 2/3", a.Limiter().Limit(), a.Limiter().Burst())
	}
	a.Pace("two", 10, 10) // reloaded with a higher pace
	if a.Limiter().Limit() != 5 || a.Limiter().Burst() != 5 {
		t.Errorf("after a reload: %v/%d, want 5/5", a.Limiter().Limit(), a.Limiter().Burst())
	}
	lim := a.Limiter()
	a.Pace("three", 1, 1)
	if a.Limiter() != lim || lim.Limit() != rate.Limit(1) {
		t.Error("a later pace replaced the bucket instead of setting it")
	}
}

// TestAccountZoneCache: found zones keep ZoneCacheTTL, a listing's misses
// ZoneMissTTL; DropZone forgets an id (and the listing's word on misses);
// NeedListing counts origins without a fresh entry.
func TestAccountZoneCache(t *testing.T) {
	a := providers.AccountFor(key(t, "s"))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a.SetClock(func() time.Time { return now })
	if !a.NeedListing([]string{"a.", "b.", "c."}) || a.NeedListing([]string{"a.", "b.", "A."}) {
		t.Error("NeedListing: want true for three unknown origins, false for two (one given twice)")
	}
	a.PutListing(map[string][]providers.ZoneInfo{"A.example": {{ID: "1"}}, "b.example.": {{ID: "2"}}})
	if e, ok := a.Zone("a.example."); !ok || e.Zones[0].ID != "1" {
		t.Errorf("a listed zone: %+v %v", e, ok)
	}
	if e, ok := a.Zone("missing.example."); !ok || len(e.Zones) != 0 {
		t.Errorf("a zone the listing lacks: %+v %v, want a fresh miss", e, ok)
	}
	if got, ok := a.Listing(); !ok || len(got) != 2 {
		t.Errorf("Listing: %v %v", got, ok)
	}
	now = now.Add(providers.ZoneMissTTL)
	if _, ok := a.Zone("missing.example."); ok {
		t.Error("a miss older than ZoneMissTTL is still trusted")
	}
	if _, ok := a.Zone("a.example."); !ok {
		t.Error("a found zone expired before ZoneCacheTTL")
	}
	if a.DropZone("a.example.", "other") || !a.DropZone("a.example.", "1") {
		t.Error("DropZone: want false for another id, true for the cached one")
	}
	if _, ok := a.Zone("a.example."); ok {
		t.Error("a dropped zone is still cached")
	}
	a.PutZone("c.example.", []providers.ZoneInfo{{ID: "3"}})
	now = now.Add(providers.ZoneCacheTTL)
	if _, ok := a.Zone("c.example."); ok {
		t.Error("a found zone outlived ZoneCacheTTL")
	}
}

// TestAccountPrepareOnce: providers of one account preparing at once list
// it once.
func TestAccountPrepareOnce(t *testing.T) {
	a := providers.AccountFor(key(t, "s"))
	var lists atomic.Int32
	list := func(context.Context) (map[string][]providers.ZoneInfo, bool, error) {
		lists.Add(1)
		return map[string][]providers.ZoneInfo{"a.": {{ID: "1"}}, "b.": {{ID: "2"}}, "c.": {{ID: "3"}}}, true, nil
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := a.Prepare(t.Context(), []string{"a.", "b.", "c."}, list); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := lists.Load(); n != 1 {
		t.Errorf("%d listings for 8 providers preparing at once, want 1", n)
	}
}

// TestAccountInFlight: no more than MaxInFlight slots are held at once.
func TestAccountInFlight(t *testing.T) {
	a := providers.AccountFor(key(t, "s"))
	var releases []func()
	for range providers.MaxInFlight {
		r, err := a.Acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, r)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := a.Acquire(ctx); err == nil {
		t.Error("a slot past MaxInFlight was given")
	}
	releases[0]()
	if r, err := a.Acquire(t.Context()); err != nil {
		t.Error(err)
	} else {
		r()
	}
}
