// Package libdnsadapter is the `libdns` driver: a generic adapter that
// serves zonecast through any libdns (v1.1) provider package compiled into
// zonecast, chosen by the configuration's `package:` key from a small
// registry (Packages). Each registry entry gives the package's module
// version, its verification status (whether it passed zonecast's
// conformance suite, against what, at which version), its capabilities, and
// the work-arounds the adapter applies for the package's known bugs.
//
// A package that is not verified at the version compiled in is refused
// unless its provider block says `allow_unverified: true`: a libdns package
// must earn trust before zonecast writes through it (the two that were
// checked first lose data: merged RRsets, dropped TXT boundaries, hidden
// alias sets).
//
// The adapter speaks libdns v1: GetRecords, SetRecords (the RRsets named
// become exactly the records given) and DeleteRecords, grouping records
// into RRsets with providers.FromLibdns and providers.ToLibdns. Where a
// package reads or writes an RRset wrongly, its registry entry says so
// (Native.Exact) and the adapter either takes another path the entry
// provides (Native) or refuses the change before any write; what it reads
// and cannot represent exactly is Protected.
//
// Pacing and retries: libdns packages own their HTTP clients. Those that
// use http.DefaultClient (libdns/desec does, with a fixed base URL) are
// routed: the adapter wraps http.DefaultClient's transport once with a
// router that sends requests for the package's API host carrying the
// provider's own credentials through that provider's providers.Transport
// (pacing, 429/5xx retries, and the `endpoint:` rewrite to an emulator);
// every other request goes on untouched. Each libdns call also waits for
// the provider's limiter.
package libdnsadapter

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"
	"golang.org/x/time/rate"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// Config is the provider's configuration block.
type Config struct {
	// Package names the libdns package (a key of the registry: "desec").
	Package string `yaml:"package"`
	// Settings are the package's provider struct fields, by their JSON
	// names ("token"); secret fields must be env:NAME or file:PATH.
	Settings map[string]string `yaml:"settings"`
	// AllowUnverified opts in to a package that has not passed the
	// conformance suite at the version compiled in.
	AllowUnverified bool `yaml:"allow_unverified"`
	// Endpoint, when set, sends the package's requests (and the adapter's
	// own) to this scheme://host[:port] instead of the package's API host:
	// an emulator, or a self-hosted deployment of the same API.
	Endpoint string `yaml:"endpoint"`
	// Nameservers are the provider's servers, for verify and failover.
	Nameservers []string `yaml:"nameservers"`
	// RequestsPerSecond paces HTTP requests and libdns calls (default: the
	// package's); Timeout bounds one request (default 30s); MaxAttempts
	// each request's tries (default 6).
	RequestsPerSecond float64       `yaml:"requests_per_second"`
	Timeout           time.Duration `yaml:"timeout"`
	MaxAttempts       int           `yaml:"max_attempts"`
}

// Client is what a libdns package's provider must implement for the
// adapter.
type Client interface {
	libdns.RecordGetter
	libdns.RecordSetter
	libdns.RecordDeleter
}

// Package is one libdns package compiled into zonecast.
type Package struct {
	// Name is the configuration's `package:` value.
	Name string
	// Module and Version are the Go module and the version go.mod pins.
	Module, Version string
	// VerifiedAt is the version at which the package (through the adapter
	// and its work-arounds) passed the conformance suite, and
	// VerifiedAgainst against what ("internal/emulator/desec", "live
	// deSEC"); empty VerifiedAt: never.
	VerifiedAt, VerifiedAgainst string
	// EmulatedAt is the version at which the package passed the suite
	// against zonecast's emulator of its service (EmulatedAgainst). That
	// shows the adapter and its work-arounds hold together, not that the
	// service behaves as the emulator does: the package stays unverified
	// (allow_unverified needed) until a live run sets VerifiedAt.
	EmulatedAt, EmulatedAgainst string
	// New returns a pointer to a new, zero provider struct of the package.
	New func() Client
	// Secrets are the settings that are credentials; Required the ones
	// that must be given.
	Secrets, Required []string
	// Host is the API host the package sends its requests to through
	// http.DefaultClient ("desec.io"); "" when it does not use it.
	Host string
	// Auth returns the Authorization header the package sends for its
	// settings, the router's key; nil: the router keys on the host alone.
	Auth func(settings map[string]string) string
	// RequestsPerSecond is the default pace.
	RequestsPerSecond float64
	// Caps are the provider's capabilities (Nameservers are added).
	Caps providers.Capabilities
	// Bugs are the package's known faults, each with what the adapter
	// does about it (for `zonecast providers` and the documentation).
	Bugs []string
	// Native, when set, returns the entry's own paths for what the
	// package gets wrong.
	Native func(p *Provider) Native
	// NotFound reports whether a package error means the zone is unknown.
	NotFound func(error) bool
}

// Native is a registry entry's way around its package's bugs.
type Native interface {
	// Records reads the zone instead of the package's GetRecords.
	Records(ctx context.Context, origin string) ([]zones.RRset, error)
	// Exact says why the package cannot write (or, with del, delete) the
	// RRset exactly, or "" when it can.
	Exact(s zones.RRset, del bool) string
	// Apply makes the changes itself (Set or Delete, whole RRsets).
	Apply(ctx context.Context, origin string, changes []providers.Change) error
}

var registry = map[string]*Package{}

// Register adds a package to the registry (at init).
func Register(p *Package) { registry[p.Name] = p }

// Packages returns the registry, sorted by name.
func Packages() []*Package {
	out := make([]*Package, 0, len(registry))
	for _, p := range registry {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Compiled returns the version of the package's module in this binary
// (from its build information), or Version when that is not known.
func (p *Package) Compiled() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == p.Module {
				if d.Replace != nil {
					return d.Replace.Version + " (replaced)"
				}
				return d.Version
			}
		}
	}
	return p.Version
}

// Verified reports whether the package passed the suite at the version
// compiled in.
func (p *Package) Verified() bool { return p.VerifiedAt != "" && p.VerifiedAt == p.Compiled() }

// Status is the package's line in `zonecast providers`.
func (p *Package) Status() string {
	switch {
	case p.Verified():
		return fmt.Sprintf("verified: passes the conformance suite against %s at %s", p.VerifiedAgainst, p.VerifiedAt)
	case p.VerifiedAt != "":
		return fmt.Sprintf("unverified: %s %s is compiled in; it passed the conformance suite at %s only", p.Module, p.Compiled(), p.VerifiedAt)
	case p.EmulatedAt != "" && p.EmulatedAt == p.Compiled():
		return fmt.Sprintf("unverified: %s %s passes the conformance suite against %s, not yet against the live service", p.Module, p.Compiled(), p.EmulatedAgainst)
	}
	return fmt.Sprintf("unverified: %s %s has not passed the conformance suite", p.Module, p.Compiled())
}

// Details are the driver's lines for `zonecast providers`: each compiled-in
// package with its status.
func Details() []string {
	var out []string
	for _, p := range Packages() {
		out = append(out, fmt.Sprintf("package %s (%s %s): %s", p.Name, p.Module, p.Compiled(), p.Status()))
	}
	return out
}

func names() string {
	var n []string
	for _, p := range Packages() {
		n = append(n, p.Name)
	}
	return strings.Join(n, ", ")
}

// Driver is the libdns entry of providers/all.
var Driver = providers.Driver{
	Type:      "libdns",
	Summary:   "any libdns provider package compiled in (package: below); an unverified one needs allow_unverified: true",
	NewConfig: func() any { return &Config{} },
	New: func(name string, cfg any, dir string) (providers.Provider, error) {
		return build(name, cfg.(*Config), dir)
	},
	Details: Details,
}

// Provider is one provider served through a libdns package.
type Provider struct {
	name        string
	pkg         *Package
	client      Client
	native      Native
	settingErr  error // a secret that could not be read, reported on use
	limiter     *rate.Limiter
	transport   *providers.Transport
	http        *http.Client
	nameservers []providers.Nameserver
	base        string // the API's base URL for the adapter's own requests
	auth        string

	callMu sync.Mutex
	calls  map[string]int
}

func (p *Provider) count(what string) {
	p.callMu.Lock()
	defer p.callMu.Unlock()
	if p.calls == nil {
		p.calls = map[string]int{}
	}
	p.calls[what]++
}

// Calls returns how many times the provider called each libdns method of
// the package ("GetRecords", "SetRecords", "DeleteRecords") and the
// entry's own paths ("native read", "native write").
func (p *Provider) Calls() map[string]int {
	p.callMu.Lock()
	defer p.callMu.Unlock()
	return maps.Clone(p.calls)
}

func build(name string, c *Config, dir string) (*Provider, error) {
	if c.Package == "" {
		return nil, fmt.Errorf("package: required, one of the libdns packages compiled in: %s", names())
	}
	pkg := registry[c.Package]
	if pkg == nil {
		return nil, fmt.Errorf("package: %q is not compiled into zonecast (known: %s)", c.Package, names())
	}
	if !pkg.Verified() && !c.AllowUnverified {
		return nil, fmt.Errorf("package %s is unverified (%s); zonecast writes through it only if you opt in: add allow_unverified: true to the provider's block", pkg.Name, strings.TrimPrefix(pkg.Status(), "unverified: "))
	}
	p := &Provider{name: name, pkg: pkg, client: pkg.New()}
	settings, err := p.decode(c.Settings, dir)
	if err != nil {
		return nil, err
	}
	if p.nameservers, err = providers.ParseNameservers(c.Nameservers); err != nil {
		return nil, err
	}
	rps := cmp.Or(c.RequestsPerSecond, pkg.RequestsPerSecond, 10)
	p.limiter = rate.NewLimiter(rate.Limit(rps), 1)
	p.transport = &providers.Transport{Base: baseTransport(), Limiter: rate.NewLimiter(rate.Limit(rps), 1), MaxAttempts: c.MaxAttempts}
	p.base = "https://" + pkg.Host
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" {
			return nil, fmt.Errorf("endpoint %q: want http://HOST:PORT or https://HOST", c.Endpoint)
		}
		p.transport.Target = u
	}
	p.http = &http.Client{Transport: p.transport, Timeout: cmp.Or(c.Timeout, 30*time.Second)}
	if pkg.Host != "" && p.settingErr == nil {
		if pkg.Auth != nil {
			p.auth = pkg.Auth(settings)
		}
		route(pkg.Host, p.auth, p.transport)
	}
	if pkg.Native != nil {
		p.native = pkg.Native(p)
	}
	return p, nil
}

// decode sets the package's provider struct fields from settings, by their
// JSON names (or lower-cased Go names). Secrets must be references; one
// that cannot be read now is reported when the provider is used, as the
// configuration loader does for providers a run does not use.
func (p *Provider) decode(settings map[string]string, dir string) (map[string]string, error) {
	v := reflect.ValueOf(p.client)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("package %s: its provider is %T, not a pointer to a struct", p.pkg.Name, p.client)
	}
	v = v.Elem()
	fields := map[string]int{}
	var known []string
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		n, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if n == "-" {
			continue
		}
		if n == "" {
			n = strings.ToLower(f.Name)
		}
		switch f.Type.Kind() {
		case reflect.String, reflect.Bool, reflect.Int, reflect.Int64, reflect.Float64:
			fields[n] = i
			known = append(known, n)
		}
	}
	slices.Sort(known)
	resolved := map[string]string{}
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		raw := settings[k]
		i, ok := fields[k]
		if !ok {
			errs = append(errs, fmt.Errorf("settings.%s: package %s has no such setting (known: %s)", k, p.pkg.Name, strings.Join(known, ", ")))
			continue
		}
		val := raw
		if slices.Contains(p.pkg.Secrets, k) {
			if !strings.HasPrefix(raw, "env:") && !strings.HasPrefix(raw, "file:") {
				errs = append(errs, fmt.Errorf("settings.%s: a secret is written here as a value; write a reference, env:NAME or file:PATH, and keep the value itself out of the file", k))
				continue
			}
			s, err := providers.ResolveSecret(raw, dir)
			if err != nil {
				p.settingErr = errors.Join(p.settingErr, fmt.Errorf("settings.%s: %s: %v", k, raw, err))
				continue
			}
			val = s.Value()
		}
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(val)
		case reflect.Bool:
			b, err := strconv.ParseBool(val)
			if err != nil {
				errs = append(errs, fmt.Errorf("settings.%s: want true or false", k))
				continue
			}
			f.SetBool(b)
		case reflect.Int, reflect.Int64:
			if f.Type() == reflect.TypeFor[time.Duration]() {
				d, err := time.ParseDuration(val)
				if err != nil {
					errs = append(errs, fmt.Errorf("settings.%s: want a duration such as 30s", k))
					continue
				}
				f.SetInt(int64(d))
				break
			}
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("settings.%s: want a whole number", k))
				continue
			}
			f.SetInt(n)
		case reflect.Float64:
			n, err := strconv.ParseFloat(val, 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("settings.%s: want a number", k))
				continue
			}
			f.SetFloat(n)
		}
		resolved[k] = val
	}
	for _, k := range p.pkg.Required {
		if _, ok := settings[k]; !ok {
			errs = append(errs, fmt.Errorf("settings.%s: required by package %s", k, p.pkg.Name))
		}
	}
	return resolved, errors.Join(errs...)
}

// Name implements providers.Provider.
func (p *Provider) Name() string { return p.name }

// Package returns the registry entry the provider uses.
func (p *Provider) Package() *Package { return p.pkg }

// Requests returns how many HTTP requests went through the provider's
// transport (the package's routed requests and the adapter's own).
func (p *Provider) Requests() int64 { return p.transport.Requests() }

// HTTP returns the client of the adapter's own requests to the package's
// API (its Native paths), and BaseURL their base URL, for registry entries.
func (p *Provider) HTTP() *http.Client { return p.http }

// BaseURL is the API's base URL as the package knows it ("https://desec.io").
func (p *Provider) BaseURL() string { return p.base }

// Auth returns the Authorization header value of the provider's
// credentials, for the entry's Native requests. Never log it.
func (p *Provider) Auth() string { return p.auth }

// Capabilities implements providers.Provider.
func (p *Provider) Capabilities() providers.Capabilities {
	c := p.pkg.Caps
	c.Nameservers = p.nameservers
	c.Notes = append(slices.Clone(c.Notes), "libdns package "+p.pkg.Name+" ("+p.pkg.Module+" "+p.pkg.Compiled()+"): "+p.pkg.Status())
	return c
}

func (p *Provider) wait(ctx context.Context) error {
	if p.settingErr != nil {
		return fmt.Errorf("%s: %w", p.name, p.settingErr)
	}
	return p.limiter.Wait(ctx)
}

func (p *Provider) notFound(err error) bool {
	return p.pkg.NotFound != nil && p.pkg.NotFound(err)
}

// Records implements providers.Provider.
func (p *Provider) Records(ctx context.Context, origin string) ([]zones.RRset, error) {
	origin = zones.CanonicalName(origin)
	if err := p.wait(ctx); err != nil {
		return nil, err
	}
	if p.native != nil {
		p.count("native read")
		return p.native.Records(ctx, origin)
	}
	p.count("GetRecords")
	recs, err := p.client.GetRecords(ctx, origin)
	if err != nil {
		if p.notFound(err) {
			return nil, providers.ErrZoneNotFound
		}
		return nil, fmt.Errorf("read %s at %s (libdns package %s): %w", origin, p.name, p.pkg.Name, err)
	}
	return providers.FromLibdns(recs, origin)
}

// Apply implements providers.Provider. Deletions go first, then the sets
// (so that a CNAME can take the place of other data at a name): the
// package's DeleteRecords with the records held, then its SetRecords with
// every RRset to set, in one call each; RRsets the package cannot write
// exactly go through the entry's Native path, or are refused before any
// write. The calls are not one transaction: applied counts the changes of
// the calls that succeeded.
func (p *Provider) Apply(ctx context.Context, origin string, changes []providers.Change) (int, error) {
	origin = zones.CanonicalName(origin)
	if len(changes) == 0 {
		return 0, nil
	}
	var pkgDel, pkgSet, natDel, natSet []providers.Change
	var refused []string
	for _, c := range changes {
		if c.Set.Type == dns.TypeSOA || zones.IsDNSSEC(c.Set.Type) {
			return 0, fmt.Errorf("%s: zonecast never writes %s records through libdns package %s", c, c.Set.TypeString(), p.pkg.Name)
		}
		why := p.exact(c, origin)
		switch {
		case why == "" && c.Delete:
			pkgDel = append(pkgDel, c)
		case why == "":
			pkgSet = append(pkgSet, c)
		case p.native == nil:
			refused = append(refused, fmt.Sprintf("%s: %s", c, why))
		case c.Delete:
			natDel = append(natDel, c)
		default:
			natSet = append(natSet, c)
		}
	}
	if len(refused) > 0 {
		return 0, fmt.Errorf("libdns package %s cannot make these changes exactly, so none was made: %s", p.pkg.Name, strings.Join(refused, "; "))
	}
	if err := p.wait(ctx); err != nil {
		return 0, err
	}
	done := 0
	report := func(n int) {
		done += n
		providers.ReportApplied(ctx, n)
	}
	if len(pkgDel) > 0 {
		missed, err := p.deleteRecords(ctx, origin, pkgDel)
		if err != nil {
			return done, err
		}
		report(len(pkgDel) - len(missed))
		natDel = append(natDel, missed...)
	}
	if len(natDel) > 0 {
		p.count("native write")
		if err := p.native.Apply(ctx, origin, natDel); err != nil {
			return done, fmt.Errorf("delete %d RRsets of %s at %s: %w", len(natDel), origin, p.name, err)
		}
		report(len(natDel))
	}
	if len(pkgSet) > 0 {
		var recs []libdns.Record
		for _, c := range pkgSet {
			r, err := providers.ToLibdns(c.Set, origin)
			if err != nil {
				return done, err
			}
			recs = append(recs, r...)
		}
		if err := p.wait(ctx); err != nil {
			return done, err
		}
		p.count("SetRecords")
		if _, err := p.client.SetRecords(ctx, origin, recs); err != nil {
			if p.notFound(err) {
				err = providers.ErrZoneNotFound
			}
			return done, fmt.Errorf("set %d RRsets of %s at %s (libdns package %s): %w", len(pkgSet), origin, p.name, p.pkg.Name, err)
		}
		report(len(pkgSet))
	}
	if len(natSet) > 0 {
		p.count("native write")
		if err := p.native.Apply(ctx, origin, natSet); err != nil {
			return done, fmt.Errorf("set %d RRsets of %s at %s: %w", len(natSet), origin, p.name, err)
		}
		report(len(natSet))
	}
	return done, nil
}

// exact says why the package cannot make change c exactly ("" if it can):
// the entry's own verdict, and libdns's own parsing of the records, which
// a package runs on what it sends and fails on (an SRV owner without
// _service._proto labels, say).
func (p *Provider) exact(c providers.Change, origin string) string {
	s := c.Set
	if c.Delete && c.Before != nil {
		s = *c.Before
	}
	if p.native != nil {
		if why := p.native.Exact(s, c.Delete); why != "" {
			return why
		}
	}
	recs, err := providers.ToLibdns(s, origin)
	if err != nil {
		return err.Error()
	}
	for _, r := range recs {
		if _, err := r.RR().Parse(); err != nil {
			return fmt.Sprintf("libdns cannot parse %s %s %q (%v)", r.RR().Name, r.RR().Type, r.RR().Data, err)
		}
	}
	return ""
}

// deleteRecords deletes the RRsets with the package's DeleteRecords, giving
// it the records held (Before). It returns the changes of which the package
// deleted fewer records than it was given (libdns packages delete by value
// and skip values they do not match), for the Native path.
func (p *Provider) deleteRecords(ctx context.Context, origin string, dels []providers.Change) ([]providers.Change, error) {
	var recs []libdns.Record
	want := map[string]int{}
	for _, c := range dels {
		s := c.Set
		if c.Before != nil {
			s = *c.Before
		}
		r, err := providers.ToLibdns(s, origin)
		if err != nil {
			return nil, err
		}
		recs = append(recs, r...)
		want[strings.ToUpper(s.TypeString())+" "+libdns.RelativeName(s.Name, origin)] += len(r)
	}
	if err := p.wait(ctx); err != nil {
		return nil, err
	}
	p.count("DeleteRecords")
	gone, err := p.client.DeleteRecords(ctx, origin, recs)
	if err != nil {
		if p.notFound(err) {
			err = providers.ErrZoneNotFound
		}
		return nil, fmt.Errorf("delete %d RRsets of %s at %s (libdns package %s): %w", len(dels), origin, p.name, p.pkg.Name, err)
	}
	for _, r := range gone {
		rr := r.RR()
		want[strings.ToUpper(rr.Type)+" "+rr.Name]--
	}
	var missed []providers.Change
	for _, c := range dels {
		if want[strings.ToUpper(c.Set.TypeString())+" "+libdns.RelativeName(c.Set.Name, origin)] > 0 {
			if p.native == nil {
				return nil, fmt.Errorf("delete %s of %s at %s: libdns package %s left records it was asked to delete", c.Set.TypeString(), c.Set.Name, p.name, p.pkg.Name)
			}
			missed = append(missed, c)
		}
	}
	return missed, nil
}

// The router: requests of packages that use http.DefaultClient, by API host
// and Authorization header, to their provider's transport.
type routeKey struct{ host, auth string }

var (
	routeMu   sync.RWMutex
	routes    = map[routeKey]*providers.Transport{}
	routeOnce sync.Once
	next      http.RoundTripper
)

type router struct{}

func (router) RoundTrip(req *http.Request) (*http.Response, error) {
	routeMu.RLock()
	t := routes[routeKey{req.URL.Host, req.Header.Get("Authorization")}]
	if t == nil {
		t = routes[routeKey{req.URL.Host, ""}]
	}
	routeMu.RUnlock()
	if t != nil {
		return t.RoundTrip(req)
	}
	return next.RoundTrip(req)
}

// baseTransport returns what http.DefaultClient used before the router
// wrapped it.
func baseTransport() http.RoundTripper {
	install()
	return next
}

func install() {
	routeOnce.Do(func() {
		next = http.DefaultClient.Transport
		if next == nil {
			next = providers.BaseTransport
		}
		http.DefaultClient.Transport = router{}
	})
}

// route sends the package's requests to host carrying auth through t. The
// provider built last of a host and credentials holds the route: providers
// with the same credentials share that one's pace, as the service counts
// one account's requests together.
func route(host, auth string, t *providers.Transport) {
	install()
	routeMu.Lock()
	defer routeMu.Unlock()
	routes[routeKey{host, auth}] = t
}

// Endpoints is the API's host as the adapter reaches it
// (providers.Endpointer), when the package entry gives one.
func (p *Provider) Endpoints() []providers.Endpoint {
	if e, ok := providers.HostEndpoint("endpoint", p.base); ok && p.base != "" {
		return []providers.Endpoint{e}
	}
	return nil
}
