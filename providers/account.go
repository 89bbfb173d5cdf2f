package providers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ZonePreparer is a provider that can find the zones of a run in one go.
// The engine calls PrepareZones once per run and provider, before the first
// Records, with every origin the run covers at that provider (canonical,
// any order; duplicates are harmless). With more than a few origins the
// driver lists all the account's zones once, paged, and caches what it
// found in the provider's Account, so that each later lookup by name costs
// no request; with one or two it does nothing and the lookups stay by name,
// which is cheaper. An error says the listing failed; the run may go on,
// each zone then being looked up by name as without PrepareZones. A zone
// the listing does not hold is not an error here: Records reports it.
type ZonePreparer interface {
	PrepareZones(ctx context.Context, origins []string) error
}

// PrepareThreshold is the number of origins from which PrepareZones lists
// every zone of the account instead of leaving the lookups by name: a
// lookup by name is one request, a listing one request per page (50 zones
// at Cloudflare, 100 at Route 53), so for one or two zones the lookups
// are cheaper, and for three or more a one-page account is no dearer.
const PrepareThreshold = 3

// AccountKey identifies an account at a provider: the driver type, the API
// endpoint ("" for the provider's own) and a digest of the credential
// (Credential, never the credential itself), so that two configured
// providers with the same credential, and every configuration a
// long-running process loads, share one Account.
type AccountKey struct {
	Driver, Endpoint string
	// Credential is the hex SHA-256 of the secret values (see
	// CredentialDigest); it is safe to log.
	Credential string
}

// CredentialDigest returns the hex SHA-256 of the secret values, each
// followed by a NUL so that ("ab", "c") and ("a", "bc") differ. Only the
// digest is ever kept.
func CredentialDigest(secrets ...string) string {
	h := sha256.New()
	for _, s := range secrets {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Account is what every provider of one account shares in the process: the
// pacing budget (one token bucket), a bound on requests in flight, and the
// zone-id cache. Its methods are safe for concurrent use.
type Account struct {
	Key AccountKey

	limiter *rate.Limiter
	slots   chan struct{}

	listing sync.Mutex // held while one provider lists the whole account

	mu    sync.Mutex
	paces map[string]pace // provider name → what its configuration asks
	zones map[string]ZoneEntry
	// complete is when a listing of every zone of the account filled
	// zones: an origin it does not hold was not at the provider then.
	complete time.Time
	now      func() time.Time
	extra    map[string]any
}

type pace struct {
	rps   float64
	burst int
}

// ZoneInfo is one zone of the account, as the provider lists it.
type ZoneInfo struct {
	ID string
	// Status is the provider's word for it ("active", "pending"…; ""
	// where the provider has none).
	Status string
	// Private: a Route 53 private hosted zone.
	Private bool
	// Nameservers are the names the provider assigned the zone, when the
	// listing gives them (Cloudflare's name_servers), canonical.
	Nameservers []string
	// Owner is the provider's name for the owning account, for messages.
	Owner string
}

// ZoneEntry is what a lookup found for one name: every zone of that name
// (none when the provider has none), and when.
type ZoneEntry struct {
	Zones []ZoneInfo
	At    time.Time
}

// Lifetimes of the zone cache: an entry that found a zone is kept for
// ZoneCacheTTL (zone ids do not change; a zone that went away answers 404
// and is then looked up again at once); one that found none, or a listing
// of the whole account that lacks an origin, for ZoneMissTTL, so that a zone
// added at the provider is seen by the next run.
const (
	ZoneCacheTTL = time.Hour
	ZoneMissTTL  = time.Minute
)

// MaxInFlight bounds the requests one account has in flight at once, over
// every provider and zone of the process: rate limits are per account, and
// a run over thousands of zones would otherwise hold hundreds of requests
// waiting in the token bucket.
const MaxInFlight = 8

var accounts = struct {
	sync.Mutex
	m map[AccountKey]*Account
}{m: map[AccountKey]*Account{}}

// AccountFor returns the process's Account for key, creating it on first
// use.
func AccountFor(key AccountKey) *Account {
	accounts.Lock()
	defer accounts.Unlock()
	a := accounts.m[key]
	if a == nil {
		a = &Account{Key: key, limiter: rate.NewLimiter(rate.Inf, 1), slots: make(chan struct{}, MaxInFlight),
			paces: map[string]pace{}, zones: map[string]ZoneEntry{}, now: time.Now}
		accounts.m[key] = a
	}
	return a
}

// Pace records that the provider called name (a configuration's provider
// name) asks for rps requests per second with burst, and sets the
// account's budget to the strictest of what its providers ask: the rate
// limit is the account's, whichever provider spends it. A provider built
// again (a reloaded configuration) replaces its own earlier wish.
func (a *Account) Pace(name string, rps float64, burst int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.paces[name] = pace{rps, max(burst, 1)}
	lim, b := rate.Inf, 0
	for _, p := range a.paces {
		if rate.Limit(p.rps) < lim {
			lim = rate.Limit(p.rps)
		}
		if b == 0 || p.burst < b {
			b = p.burst
		}
	}
	if len(a.paces) == 1 && a.limiter.Limit() == rate.Inf {
		// The first pace: a new bucket starts full (SetLimit on the
		// unpaced one would keep its single token).
		a.limiter = rate.NewLimiter(lim, b)
		return
	}
	a.limiter.SetLimit(lim)
	a.limiter.SetBurst(b)
}

// Limiter returns the account's token bucket, shared by all its providers.
func (a *Account) Limiter() *rate.Limiter {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.limiter
}

// Acquire waits for one of the account's MaxInFlight request slots; the
// returned func gives it back.
func (a *Account) Acquire(ctx context.Context) (func(), error) {
	select {
	case a.slots <- struct{}{}:
		return func() { <-a.slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Wait takes a slot and a token: the pacing of one request. The returned
// func gives the slot back once the request is answered. When the token
// would come only after ctx's deadline it says so at once, with an error
// that wraps context.DeadlineExceeded (rate.Limiter.Wait's own error does
// not, so a caller waiting out a deadline could not tell it from a failed
// request).
func (a *Account) Wait(ctx context.Context) (func(), error) {
	release, err := a.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	r := a.Limiter().Reserve()
	if !r.OK() {
		release()
		return nil, errors.New("account pace: no request may go (burst 0)")
	}
	d := r.Delay()
	if d == 0 {
		return release, nil
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		r.Cancel()
		release()
		return nil, fmt.Errorf("account pace: the next request may go in %v, after the deadline: %w", d.Round(time.Millisecond), context.DeadlineExceeded)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return release, nil
	case <-ctx.Done():
		r.Cancel()
		release()
		return nil, ctx.Err()
	}
}

// canonical is the cache's key for an origin: lower case, one final dot.
func canonical(origin string) string {
	return strings.ToLower(strings.TrimSuffix(origin, ".")) + "."
}

// Zone returns what the cache knows of origin: the entry and true when it
// is fresh (a found zone within ZoneCacheTTL, a miss within ZoneMissTTL,
// or an origin absent from a listing of the whole account made within
// ZoneMissTTL); false when the driver must look it up.
func (a *Account) Zone(origin string) (ZoneEntry, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	e, ok := a.zones[canonical(origin)]
	if ok {
		ttl := ZoneCacheTTL
		if len(e.Zones) == 0 {
			ttl = ZoneMissTTL
		}
		if now.Sub(e.At) < ttl {
			return e, true
		}
		return ZoneEntry{}, false
	}
	if !a.complete.IsZero() && now.Sub(a.complete) < ZoneMissTTL {
		return ZoneEntry{At: a.complete}, true
	}
	return ZoneEntry{}, false
}

// PutZone keeps what a lookup by name found for origin. Drivers keep only
// a result they could use (one zone chosen): a miss or an ambiguous answer
// is asked again next time, as a by-name lookup is cheap, so a zone made
// or fixed at the provider is seen at once.
func (a *Account) PutZone(origin string, zones []ZoneInfo) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.zones[canonical(origin)] = ZoneEntry{Zones: slices.Clone(zones), At: a.now()}
}

// PutListing replaces the cache with a listing of every zone of the
// account, keyed by origin (any case and final dot): an origin it lacks is
// then known to be missing for ZoneMissTTL.
func (a *Account) PutListing(byOrigin map[string][]ZoneInfo) { a.putListing(byOrigin, true) }

// Keep is PutListing for a listing that may have missed zones (complete
// false: its paging shifted under it): an origin it lacks is then looked up
// by name.
func (a *Account) Keep(byOrigin map[string][]ZoneInfo, complete bool) {
	a.putListing(byOrigin, complete)
}

func (a *Account) putListing(byOrigin map[string][]ZoneInfo, complete bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	a.zones = make(map[string]ZoneEntry, len(byOrigin))
	for o, zs := range byOrigin {
		a.zones[canonical(o)] = ZoneEntry{Zones: slices.Clone(zs), At: now}
	}
	a.complete = time.Time{}
	if complete {
		a.complete = now
	}
}

// Listing returns the origins of the last listing of the whole account and
// their zones, sorted by origin, and true while it is fresh (ZoneCacheTTL);
// false when there was none.
func (a *Account) Listing() (map[string][]ZoneInfo, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.complete.IsZero() || a.now().Sub(a.complete) >= ZoneCacheTTL {
		return nil, false
	}
	out := make(map[string][]ZoneInfo, len(a.zones))
	for o, e := range a.zones {
		if len(e.Zones) > 0 && !e.At.Before(a.complete) {
			out[o] = slices.Clone(e.Zones)
		}
	}
	return out, true
}

// DropZone forgets origin when the cache holds id for it (id "" forgets it
// whatever it holds): a cached id that the provider no longer knows
// (HTTP 404, NoSuchHostedZone) is looked up again. It reports whether it
// dropped anything. A drop also ends the trust in the last listing of the
// whole account, which is as old as the entry.
func (a *Account) DropZone(origin, id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	k := canonical(origin)
	e, ok := a.zones[k]
	if !ok || id != "" && !slices.ContainsFunc(e.Zones, func(z ZoneInfo) bool { return z.ID == id }) {
		return false
	}
	delete(a.zones, k)
	a.complete = time.Time{}
	return true
}

// NeedListing reports whether more than PrepareThreshold-1 of origins lack
// a fresh cache entry: PrepareZones then lists the whole account.
func (a *Account) NeedListing(origins []string) bool {
	missing := map[string]bool{}
	for _, o := range origins {
		if _, ok := a.Zone(o); !ok {
			missing[canonical(o)] = true
		}
	}
	return len(missing) >= PrepareThreshold
}

// Prepare is PrepareZones for a driver: when NeedListing(origins), it
// calls list, which lists every zone of the account (paged), and keeps its
// answer with PutListing, marking the listing complete only when
// complete is true (a listing that changed under the paging may have
// skipped a zone). Providers of one account that prepare at once list it
// once: the others wait and find the cache filled.
func (a *Account) Prepare(ctx context.Context, origins []string, list func(context.Context) (byOrigin map[string][]ZoneInfo, complete bool, err error)) error {
	if !a.NeedListing(origins) {
		return nil
	}
	a.listing.Lock()
	defer a.listing.Unlock()
	if !a.NeedListing(origins) {
		return nil
	}
	by, complete, err := list(ctx)
	if err != nil {
		return err
	}
	a.putListing(by, complete)
	return nil
}

// Extra returns the value a driver keeps in the account under key (per
// zone data beside the id, such as Route 53's delegation sets), making it
// with mk on first use.
func (a *Account) Extra(key string, mk func() any) any {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.extra == nil {
		a.extra = map[string]any{}
	}
	v, ok := a.extra[key]
	if !ok {
		v = mk()
		a.extra[key] = v
	}
	return v
}

// Since returns how long ago t was by the account's clock.
func (a *Account) Since(t time.Time) time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.now().Sub(t)
}

// SetClock replaces the account's clock (time.Now), for tests of the
// cache's lifetimes.
func (a *Account) SetClock(now func() time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.now = now
}
