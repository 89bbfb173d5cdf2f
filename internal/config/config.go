package config

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// DefaultPath is where the CLI looks for the configuration when --config is
// not given.
const DefaultPath = "./zonecast.yaml"

// DefaultMaxChangePercent is Safety.MaxChangePercent when the file does not
// set it.
const DefaultMaxChangePercent = 30

// DefaultState is the failover state file, relative to the configuration
// file's folder, when the file does not name one.
const DefaultState = ".zonecast/state.json"

// Config is a loaded, checked configuration with its providers built.
type Config struct {
	// File is the path the configuration was read from, as given to Load.
	File string
	// Dir is File's folder; relative paths in the file are taken from it.
	Dir string
	// Providers holds the built providers by name.
	Providers map[string]providers.Provider
	// ProviderOrder holds the provider names in the order of the file.
	ProviderOrder []string
	// Zones are in the order of the file, the members of a zone set in
	// its place, sorted by origin; origins are unique. Look one up by
	// origin with [Config.Zone].
	Zones []Zone
	// Sets are the zone sets of the file, in its order, empty ones too;
	// their members are in Zones.
	Sets []ZoneSet
	// Safety holds the limits apply checks.
	Safety Safety
	// State is the failover state file, resolved against Dir.
	State string
	// Resolvers are the DNS resolvers zonecast asks for the addresses of
	// names it must reach, "IP:PORT" (resolvers:); empty means the
	// system's. The addresses they give are kept as last-known ones in
	// Addresses.
	Resolvers []string
	// Addresses is the file of last-known addresses, beside State.
	Addresses string
	// Limits bound what zonecast reads and how long it waits.
	Limits Limits
	// Failover holds the guard rails and the automatic policy of failover.
	Failover Failover
	// Warnings are problems that do not stop zonecast (a secret file
	// others can read), for the caller to show.
	Warnings []*Error

	// byOrigin indexes Zones by origin (Config.Zone).
	byOrigin map[string]int
}

// Zone returns the configured zone with the given origin (canonical:
// lower-case with a trailing dot, as Zone.Origin is), and whether there is
// one. It looks the origin up in an index Load builds, so that a loop over
// ten thousand zones does not scan the list once per zone. A Config built
// by hand, or whose Zones changed length since Load, is scanned instead;
// one whose Zones were otherwise rewritten in place must not be asked.
func (c *Config) Zone(origin string) (Zone, bool) {
	if c.byOrigin != nil && len(c.byOrigin) == len(c.Zones) {
		if i, ok := c.byOrigin[origin]; ok && c.Zones[i].Origin == origin {
			return c.Zones[i], true
		}
		return Zone{}, false
	}
	for _, z := range c.Zones {
		if z.Origin == origin {
			return z, true
		}
	}
	return Zone{}, false
}

// index builds byOrigin.
func (c *Config) index() {
	c.byOrigin = make(map[string]int, len(c.Zones))
	for i, z := range c.Zones {
		c.byOrigin[z.Origin] = i
	}
}

// DefaultMinProviders is Failover.MinProviders when the file does not set it.
const DefaultMinProviders = 2

// Failover is the failover block: how few providers a zone may be left
// with, and whether sync drops and restores providers by itself.
type Failover struct {
	// MinProviders: `failover drop` refuses (without --force) to leave a
	// zone fewer providers in service; automatic drops never do, nor drop
	// the last (failover.min_providers).
	MinProviders int
	// AutoDropAfter, when more than zero, lets sync drop a provider after
	// that many cycles in a row in which it could not be read or written
	// (failover.auto_drop_after_failed_cycles); zero (the default) never.
	AutoDropAfter int
	// AutoRestore lets sync restore a provider it dropped by itself once
	// it verifiably serves the current zone (failover.auto_restore,
	// default true when AutoDropAfter is set).
	AutoRestore bool
}

// Defaults of Limits' timeouts.
const (
	DefaultReadTimeout  = 10 * time.Minute
	DefaultWriteTimeout = time.Hour
	DefaultSlowReadWait = 10 * time.Second
)

// DefaultZonesAtOnce is Limits.ZonesAtOnce when the file does not set it.
const DefaultZonesAtOnce = 64

// Limits bound what zonecast reads and how long it waits for a provider:
// a zone file or a server that never ends must not hold a run, or a
// machine, hostage. The zone-file limits of zero mean the zones package's
// defaults (zones.DefaultLimits).
type Limits struct {
	ZoneFileBytes int64 // limits.zone_file_bytes: a zone file and its $INCLUDEs together
	ZoneRecords   int   // limits.zone_records: records, $GENERATE expanded
	IncludeDepth  int   // limits.include_depth: $INCLUDE nesting
	Includes      int   // limits.includes: $INCLUDE files opened in all
	// ReadTimeout bounds reading a whole zone from one provider,
	// WriteTimeout applying one plan to one provider (every attempt and
	// retry within). DefaultReadTimeout and DefaultWriteTimeout when not set.
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	// SlowReadWait is how long a run nobody confirms (apply --yes, a saved
	// plan, sync) waits for the slowest providers' reads before writing to
	// those already read; DefaultSlowReadWait when not set.
	SlowReadWait time.Duration
	// ZonesAtOnce is how many zones a run holds in memory at once
	// (limits.zones_at_once): a run over more zones goes through them in
	// batches of this many, each parsed, planned, applied and released
	// before the next; DefaultZonesAtOnce when not set.
	ZonesAtOnce int
}

// Zone is one zone zonecast manages.
type Zone struct {
	// Origin is absolute and lower-case, with a trailing dot.
	Origin string
	// File is the zone file, resolved against the configuration's folder
	// (so relative when that folder is); Load checked that it exists (for
	// a zone set's member: that its folder lists it).
	File string
	// Providers name the providers that serve the zone, in the order of the
	// file; each is a key of Config.Providers.
	Providers []string
	// Ignore lists the records zonecast neither changes nor deletes.
	Ignore []Ignore
	// Parent, when set, is the provider serving the parent zone, where
	// failover also changes the delegation (a delegated subdomain, a lab).
	Parent *Parent
	// FollowSymlinks lets the zone file be a symbolic link out of its
	// folder (follow_symlinks: true); otherwise such a link is refused, as
	// a $INCLUDE leaving the folder is.
	FollowSymlinks bool
	// IDN accepts names in the zone file written in raw UTF-8 and stores
	// them as their A-labels (idn: true; zones.Options.IDN).
	IDN bool
	// Set is the zone set (`dir:` as written in the file) the zone is a
	// member of, for messages; empty for a zone listed alone.
	Set string
	// DNSSEC says who signs the zone (the dnssec: block); Mode is
	// Unsigned when there is none.
	DNSSEC DNSSEC
}

// ZoneSet is a zone set entry (dir:) of the file: every zone file in a
// folder, each a Zone of Config.Zones with Zone.Set == Dir.
type ZoneSet struct {
	// Dir is the folder as the file writes it; Path is Dir resolved
	// against the configuration's folder.
	Dir, Path string
	// Match is the file name pattern of members (DefaultMatch when the
	// file does not set one).
	Match string
	// Providers serve every member.
	Providers []string
	// Line is the line of dir: in the file.
	Line int
	// Members counts the zones of the set.
	Members int
}

// Parent is where a zone's delegation lives.
type Parent struct {
	Provider string // a configured provider
	Zone     string // the parent zone's origin
}

// Safety holds the limits that make apply refuse a change without --force.
type Safety struct {
	// MaxChangePercent is the largest share, in percent, of a zone's
	// existing records that one apply may update or delete; 1 to 100, 100
	// turning the check off. DefaultMaxChangePercent when not set.
	MaxChangePercent int
}

// The shapes of the file, decoded strictly by decoder.
type (
	fileYAML struct {
		Providers ast.Node     `yaml:"providers"`
		Zones     []zoneYAML   `yaml:"zones"`
		Safety    safetyYAML   `yaml:"safety"`
		Limits    limitsYAML   `yaml:"limits"`
		Failover  failoverYAML `yaml:"failover"`
		State     string       `yaml:"state"`
		Resolvers []string     `yaml:"resolvers"`
	}
	failoverYAML struct {
		MinProviders  *int  `yaml:"min_providers"`
		AutoDropAfter *int  `yaml:"auto_drop_after_failed_cycles"`
		AutoRestore   *bool `yaml:"auto_restore"`
	}
	limitsYAML struct {
		ZoneFileBytes *int64         `yaml:"zone_file_bytes"`
		ZoneRecords   *int           `yaml:"zone_records"`
		IncludeDepth  *int           `yaml:"include_depth"`
		Includes      *int           `yaml:"includes"`
		ReadTimeout   *time.Duration `yaml:"read_timeout"`
		WriteTimeout  *time.Duration `yaml:"write_timeout"`
		SlowReadWait  *time.Duration `yaml:"slow_read_wait"`
		ZonesAtOnce   *int           `yaml:"zones_at_once"`
	}
	zoneYAML struct {
		Origin string `yaml:"origin"`
		File   string `yaml:"file"`
		// Dir makes the entry a zone set: every zone file in the folder
		// (see zoneSet), Match narrowing which.
		Dir       string       `yaml:"dir"`
		Match     string       `yaml:"match"`
		Providers []string     `yaml:"providers"`
		Ignore    []ignoreYAML `yaml:"ignore"`
		Parent    *parentYAML  `yaml:"parent"`
		// FollowSymlinks: the zone file may link out of its folder.
		FollowSymlinks bool `yaml:"follow_symlinks"`
		// IDN: names in raw UTF-8 are stored as their A-labels.
		IDN bool `yaml:"idn"`
		// DNSSEC: who signs the zone, with which keys (dnssec.go).
		// A value, not a pointer, so that one bad value in the block
		// does not hide the others (see decoder.decode); d.given tells
		// whether the block is there.
		DNSSEC dnssecYAML `yaml:"dnssec"`
	}
	parentYAML struct {
		Provider string `yaml:"provider"`
		Zone     string `yaml:"zone"`
	}
	ignoreYAML struct {
		Name string `yaml:"name"`
		Type string `yaml:"type"`
	}
	safetyYAML struct {
		MaxChangePercent *int `yaml:"max_change_percent"`
	}
)

// provider is a provider block after decoding, before it is built.
type provider struct {
	name   string
	line   int
	driver providers.Driver
	cfg    any
}

// Load reads the configuration file at path, checks it against drivers (the
// known provider types) and builds its providers with Driver.New, giving
// each the configuration file's folder.
//
// A file that cannot be read is returned as the os error, wrapped. Every
// problem in the file is an [*Error]; all of them are returned at once,
// joined with errors.Join and sorted by line, and no provider is built
// then. Errors from Driver.New are *Errors too, at the provider's name.
func Load(path string, drivers []providers.Driver) (*Config, error) {
	return LoadSelected(path, drivers, nil)
}

// LoadSelected is Load for a run that uses only the providers named in
// only (every provider when only is empty), as `plan --provider P` does.
// The other providers are checked and built as Load does, so the file is
// checked whole, but their secrets are not read: an env: variable or a
// file: another machine has (another team's API token) fails nothing here.
// Their Secrets keep the reference without the value (Resolved is false),
// so such a provider serves for its settings (its nameservers) only and
// must not be asked anything. Names in only that the file lacks are the
// caller's to report.
func LoadSelected(path string, drivers []providers.Driver, only []string) (*Config, error) {
	return load(path, drivers, only, true)
}

// ParseOptions are the options zc's file is parsed with: its origin and
// settings, within the configuration's limits.
func (c *Config) ParseOptions(zc Zone) zones.Options {
	return zones.Options{Origin: zc.Origin, FollowSymlinks: zc.FollowSymlinks, IDN: zc.IDN,
		Limits: zones.Limits{MaxFileBytes: c.Limits.ZoneFileBytes, MaxRecords: c.Limits.ZoneRecords,
			MaxIncludeDepth: c.Limits.IncludeDepth, MaxIncludes: c.Limits.Includes}}
}

// Check is Load for a check of the file alone (`zonecast validate`): every
// provider is checked and built as Load does, but no secret is read (no
// provider is selected: "" names none), so it needs none of the machine's
// credentials and asks nothing of the network.
func Check(path string, drivers []providers.Driver) (*Config, error) {
	return load(path, drivers, []string{""}, true)
}

// LoadProviders is LoadSelected for a file that may have no zones yet, as
// `zonecast init --from` reads one: a file with the providers block only.
// Zones it does have are checked as Load checks them.
func LoadProviders(path string, drivers []providers.Driver, only []string) (*Config, error) {
	return load(path, drivers, only, false)
}

func load(path string, drivers []providers.Driver, only []string, needZones bool) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	name := filepath.Clean(path)
	dir := filepath.Dir(path)

	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		e := &Error{File: name, Err: errors.New(message(err))}
		var ye yaml.Error
		if errors.As(err, &ye) && ye.GetToken() != nil && ye.GetToken().Position != nil {
			e.Line = ye.GetToken().Position.Line
		}
		return nil, e
	}
	var root ast.Node
	for i, doc := range f.Docs {
		if i == 0 {
			root = doc.Body
			continue
		}
		if doc.Body != nil {
			return nil, &Error{File: name, Line: nodeLine(doc.Body), Err: errors.New("a configuration is one YAML document; remove the second one")}
		}
	}

	d := newDecoder(name, dir, root)
	d.only = only
	var raw fileYAML
	if root != nil {
		if body, _, _ := d.resolve(root); body != nil {
			if _, ok := asMapping(body); !ok {
				return nil, &Error{File: name, Line: nodeLine(body), Err: fmt.Errorf("want a mapping with providers: and zones:, got %s", describe(body))}
			}
		}
		d.decode(root, reflect.ValueOf(&raw).Elem(), "", 1, 0)
	}
	c := &Config{File: path, Dir: dir, Providers: map[string]providers.Provider{}}
	provs, declared := d.providers(raw.Providers, drivers)
	for _, p := range provs {
		c.ProviderOrder = append(c.ProviderOrder, p.name)
	}
	c.Zones = d.zones(raw.Zones, declared, needZones)
	c.Sets = d.sets
	c.Safety = d.safety(raw.Safety)
	c.Limits = d.limits(raw.Limits)
	c.Failover = d.failover(raw.Failover)
	c.State = filepath.Join(dir, cmp.Or(raw.State, DefaultState))
	c.Addresses = filepath.Join(filepath.Dir(c.State), "addresses.json")
	c.Resolvers = d.resolvers(raw.Resolvers)
	if len(d.errs) > 0 {
		return nil, d.err()
	}

	for _, p := range provs {
		built, err := p.driver.New(p.name, p.cfg, dir)
		if err != nil {
			d.errs = append(d.errs, &Error{File: name, Line: p.line, Key: "providers." + p.name, Err: err})
			continue
		}
		c.Providers[p.name] = built
	}
	if len(d.errs) > 0 {
		return nil, d.err()
	}
	d.dependencies(c)
	c.Warnings = d.warns
	c.index()
	return c, nil
}

// err joins the collected errors, sorted by line.
func (d *decoder) err() error {
	slices.SortStableFunc(d.errs, func(a, b *Error) int { return cmp.Compare(a.Line, b.Line) })
	errs := make([]error, len(d.errs))
	for i, e := range d.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// providers decodes the providers mapping, each block into its driver's
// configuration struct, in the order of the file. Blocks with errors are
// left out of out; declared has every name in the mapping.
func (d *decoder) providers(n ast.Node, drivers []providers.Driver) (out []provider, declared []string) {
	const key = "providers"
	var known []string
	byType := map[string]providers.Driver{}
	for _, drv := range drivers {
		known = append(known, drv.Type)
		byType[drv.Type] = drv
	}
	slices.Sort(known)
	knownList := strings.Join(known, ", ")

	n, _, err := d.resolve(n)
	if err != nil {
		d.errorf(d.line(key), key, "%v", err)
		return nil, nil
	}
	if _, null := n.(*ast.NullNode); n == nil || null {
		d.errorf(d.line(key), key, "no providers; add at least one (known types: %s)", knownList)
		return nil, nil
	}
	pairs, ok := asMapping(n)
	if ok && len(pairs) == 0 {
		d.errorf(d.line(key), key, "no providers; add at least one (known types: %s)", knownList)
		return nil, nil
	}
	if !ok {
		d.errorf(d.line(key), key, "want a mapping of provider names to their settings, got %s", describe(n))
		return nil, nil
	}
	for _, p := range pairs {
		name := keyText(p.Key)
		declared = append(declared, name)
		pkey := join(key, name)
		line := nodeLine(p.Key)
		d.lines[pkey] = line
		if !validName(name) {
			d.errorf(line, pkey, "a provider name is letters, digits, '-' and '_'")
			continue
		}
		body, _, err := d.resolve(p.Value)
		if err != nil {
			d.errorf(line, pkey, "%v", err)
			continue
		}
		fields, ok := asMapping(body)
		if !ok {
			d.errorf(line, pkey, "want a mapping with at least type:, got %s", describe(body))
			continue
		}
		var typ ast.Node
		for _, f := range fields {
			if keyText(f.Key) == "type" {
				typ = f.Value
			}
		}
		if typ == nil {
			d.errorf(line, pkey, "no type; say which kind of provider this is (known types: %s)", knownList)
			continue
		}
		tkey := join(pkey, "type")
		var t string
		before := len(d.errs)
		d.decode(typ, reflect.ValueOf(&t).Elem(), tkey, line, 1)
		if t == "" {
			if len(d.errs) == before {
				d.errorf(d.line(tkey), tkey, "empty; known types: %s", knownList)
			}
			continue
		}
		drv, ok := byType[t]
		if !ok {
			d.errorf(d.line(tkey), tkey, "unknown provider type %q (known types: %s)", t, knownList)
			continue
		}
		var cfg any = &struct{}{}
		if drv.NewConfig != nil {
			cfg = drv.NewConfig()
		}
		v := reflect.ValueOf(cfg)
		if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
			// A bug in the driver, not in the file.
			d.errorf(line, pkey, "driver %s: NewConfig returns %T, not a pointer to a struct", t, cfg)
			continue
		}
		before = len(d.errs)
		d.unused = len(d.only) > 0 && !slices.Contains(d.only, name)
		d.decodeStruct(body, v.Elem(), pkey, line, 1, []string{"type"})
		d.unused = false
		if len(d.errs) > before {
			continue
		}
		out = append(out, provider{name: name, line: line, driver: drv, cfg: cfg})
	}
	return out, declared
}

// validName reports whether a provider name is safe in key paths, flags and
// file names.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// zones checks the zone entries, expanding each zone set into its
// members. declared are the provider names of the file, whether or not
// their blocks are correct: a broken block is reported once, not again at
// every zone that uses it. With none declared, the missing providers are
// reported once, too. need: a file without zones is an error.
func (d *decoder) zones(raw []zoneYAML, declared []string, need bool) []Zone {
	const key = "zones"
	if d.failed(key) && len(raw) == 0 {
		return nil
	}
	if len(raw) == 0 {
		if need {
			d.errorf(d.line(key), key, "no zones; add at least one with origin, file and providers, or a zone set with dir and providers")
		}
		return nil
	}
	var out []Zone
	seen := map[string]place{}
	for i, r := range raw {
		zkey := index(key, i)
		if r.Dir != "" || d.failed(join(zkey, "dir")) {
			out = append(out, d.zoneSet(r, zkey, declared, seen)...)
			continue
		}
		z := Zone{Providers: r.Providers, FollowSymlinks: r.FollowSymlinks, IDN: r.IDN}

		okey := join(zkey, "origin")
		switch origin, err := canonicalOrigin(r.Origin); {
		case d.failed(okey):
		case r.Origin == "":
			d.errorf(d.line(okey), okey, "missing; give the zone's domain name, such as example.com. (or dir: for a zone set)")
		case err != nil:
			d.errorf(d.line(okey), okey, "%v", err)
		default:
			z.Origin = origin
			d.unique(seen, origin, place{line: d.line(okey)}, okey)
		}

		fkey := join(zkey, "file")
		if d.failed(fkey) {
			// reported
		} else if r.File == "" {
			d.errorf(d.line(fkey), fkey, "missing; give the zone file, relative to %s", d.dir)
		} else {
			z.File = r.File
			if !filepath.IsAbs(z.File) {
				z.File = filepath.Join(d.dir, z.File)
			}
			switch fi, err := os.Stat(z.File); {
			case errors.Is(err, fs.ErrNotExist):
				d.errorf(d.line(fkey), fkey, "zone file %s does not exist", z.File)
			case err != nil:
				d.errorf(d.line(fkey), fkey, "zone file: %v", err)
			case fi.IsDir():
				d.errorf(d.line(fkey), fkey, "zone file %s is a folder (for a zone set of its files, write dir: instead of file: and origin:)", z.File)
			}
		}
		if mkey := join(zkey, "match"); r.Match != "" {
			d.errorf(d.line(mkey), mkey, "match: narrows a zone set (dir:); a single zone has its file:")
		}

		d.providerList(r.Providers, zkey, declared, cmp.Or(z.Origin, "this zone"))
		if p, ok := d.parent(r.Parent, zkey, declared); ok {
			if z.Origin != "" && !below(z.Origin, p.Zone) {
				pk := join(join(zkey, "parent"), "zone")
				d.errorf(d.line(pk), pk, "%s is not a parent of %s", p.Zone, z.Origin)
			} else {
				z.Parent = p
			}
		}
		z.Ignore = d.ignores(r.Ignore, zkey)
		sec := d.dnssecBlock(r, zkey)
		if dn, ok := d.dnssec(sec, zkey, r.Providers, false); ok {
			z.DNSSEC = dn
			if z.Origin != "" {
				d.dnssecKeys(sec, zkey, &z, "")
			}
		}
		out = append(out, z)
	}
	return out
}

// place is where an origin is configured, for duplicate messages.
type place struct {
	line int
	file string // the member's file, for a zone set
}

func (p place) String() string {
	if p.file == "" {
		return fmt.Sprintf("line %d", p.line)
	}
	return fmt.Sprintf("line %d (zone set file %s)", p.line, p.file)
}

// unique records that origin is configured at at, or reports at key that it
// was already, naming both places: there is no precedence between a zone
// listed alone and a zone set, or between two sets.
func (d *decoder) unique(seen map[string]place, origin string, at place, key string) bool {
	if first, dup := seen[origin]; dup {
		what := "zone " + origin
		if at.file != "" {
			what += " (zone set file " + at.file + ")"
		}
		d.errorf(at.line, key, "%s is already configured at %s; configure each zone once", what, first)
		return false
	}
	seen[origin] = at
	return true
}

// providerList checks an entry's providers: at least one, each declared,
// none twice.
func (d *decoder) providerList(list []string, zkey string, declared []string, what string) {
	pkey := join(zkey, "providers")
	if len(list) == 0 && !d.failed(pkey) {
		d.errorf(d.line(pkey), pkey, "no providers; list the providers that serve %s", what)
	}
	for j, p := range list {
		ekey := index(pkey, j)
		switch {
		case slices.Index(list, p) < j:
			d.errorf(d.line(ekey), ekey, "provider %s is listed twice", p)
		case len(declared) > 0 && !slices.Contains(declared, p):
			d.errorf(d.line(ekey), ekey, "unknown provider %q (configured: %s)", p, strings.Join(declared, ", "))
		}
	}
}

// parent checks an entry's parent: block on its own; whether it is above
// the zone is the caller's check. ok is false when there is none or it is
// wrong (reported).
func (d *decoder) parent(r *parentYAML, zkey string, declared []string) (*Parent, bool) {
	if r == nil {
		return nil, false
	}
	pk := join(zkey, "parent")
	pz, err := canonicalOrigin(r.Zone)
	switch {
	case r.Provider == "" || r.Zone == "":
		d.errorf(d.line(pk), pk, "give provider: (who serves the parent zone) and zone: (the parent zone)")
	case err != nil:
		d.errorf(d.line(join(pk, "zone")), join(pk, "zone"), "%v", err)
	case len(declared) > 0 && !slices.Contains(declared, r.Provider):
		d.errorf(d.line(join(pk, "provider")), join(pk, "provider"), "unknown provider %q (configured: %s)", r.Provider, strings.Join(declared, ", "))
	default:
		return &Parent{Provider: r.Provider, Zone: pz}, true
	}
	return nil, false
}

// below reports whether zone origin is strictly below parent.
func below(origin, parent string) bool {
	return origin != parent && dns.IsSubDomain(parent, origin)
}

// ignores checks an entry's ignore rules, keeping the good ones.
func (d *decoder) ignores(raw []ignoreYAML, zkey string) []Ignore {
	var out []Ignore
	for j, ig := range raw {
		ikey := index(join(zkey, "ignore"), j)
		if rule, ok := d.ignore(ig, ikey); ok {
			out = append(out, rule)
		}
	}
	return out
}

// canonicalOrigin returns origin lower-cased with a trailing dot, or an
// error when it is not a host-style domain name.
func canonicalOrigin(origin string) (string, error) {
	//lint:ignore ST1005 the final "." is the root label of the example name example.com., not punctuation
	errNotDomain := errors.New("not a domain name; write it like example.com.")
	if _, ok := dns.IsDomainName(origin); !ok {
		return "", errNotDomain
	}
	o := strings.ToLower(dns.Fqdn(origin))
	// IsDomainName accepts anything miekg/dns can write in a zone file,
	// spaces, '@' and escapes included; a zone origin is stricter.
	for _, r := range strings.TrimSuffix(o, ".") {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return "", errNotDomain
		}
	}
	return o, nil
}

func (d *decoder) ignore(ig ignoreYAML, key string) (Ignore, bool) {
	ok := true
	nkey := join(key, "name")
	if d.failed(nkey) {
		ok = false
	} else if ig.Name == "" {
		d.errorf(d.line(nkey), nkey, "missing; give an owner name pattern such as _acme-challenge.*")
		ok = false
	} else if err := checkPattern(ig.Name); err != nil {
		d.errorf(d.line(nkey), nkey, "%v", err)
		ok = false
	}
	rule := Ignore{Name: strings.ToLower(ig.Name), Type: strings.ToUpper(ig.Type)}
	if d.failed(join(key, "type")) {
		ok = false
	} else if rule.Type != "" {
		if _, known := typeCode(rule.Type); !known {
			tkey := join(key, "type")
			d.errorf(d.line(tkey), tkey, "unknown record type %q", ig.Type)
			ok = false
		}
	}
	return rule, ok
}

// failover checks the failover block.
func (d *decoder) failover(raw failoverYAML) Failover {
	f := Failover{MinProviders: DefaultMinProviders}
	if key := "failover.min_providers"; raw.MinProviders != nil && !d.failed(key) {
		if *raw.MinProviders < 1 {
			d.errorf(d.line(key), key, "%d: want 1 or more", *raw.MinProviders)
		} else {
			f.MinProviders = *raw.MinProviders
		}
	}
	if key := "failover.auto_drop_after_failed_cycles"; raw.AutoDropAfter != nil && !d.failed(key) {
		if *raw.AutoDropAfter < 0 {
			d.errorf(d.line(key), key, "%d: want 0 (never) or more", *raw.AutoDropAfter)
		} else {
			f.AutoDropAfter = *raw.AutoDropAfter
		}
	}
	f.AutoRestore = f.AutoDropAfter > 0
	if raw.AutoRestore != nil {
		f.AutoRestore = *raw.AutoRestore
	}
	return f
}

// limits checks the limits block: every value positive when given.
func (d *decoder) limits(raw limitsYAML) Limits {
	l := Limits{ReadTimeout: DefaultReadTimeout, WriteTimeout: DefaultWriteTimeout, SlowReadWait: DefaultSlowReadWait, ZonesAtOnce: DefaultZonesAtOnce}
	positive := func(name string, v *int64, dst *int64) {
		key := "limits." + name
		if v == nil || d.failed(key) {
			return
		}
		if *v < 1 {
			d.errorf(d.line(key), key, "%d: want a positive number", *v)
			return
		}
		*dst = *v
	}
	asInt := func(name string, v *int, dst *int) {
		if v == nil {
			return
		}
		w, out := int64(*v), int64(0)
		positive(name, &w, &out)
		*dst = int(out)
	}
	positive("zone_file_bytes", raw.ZoneFileBytes, &l.ZoneFileBytes)
	asInt("zone_records", raw.ZoneRecords, &l.ZoneRecords)
	asInt("include_depth", raw.IncludeDepth, &l.IncludeDepth)
	if key := "limits.include_depth"; l.IncludeDepth > 7 {
		// miekg/dns refuses deeper nesting whatever zonecast allows.
		d.errorf(d.line(key), key, "%d: at most 7 (the zone file parser's own limit)", l.IncludeDepth)
	}
	asInt("includes", raw.Includes, &l.Includes)
	asInt("zones_at_once", raw.ZonesAtOnce, &l.ZonesAtOnce)
	duration := func(name string, v *time.Duration, dst *time.Duration) {
		key := "limits." + name
		if v == nil || d.failed(key) {
			return
		}
		if *v <= 0 {
			d.errorf(d.line(key), key, "%s: want a positive duration, such as 10m", *v)
			return
		}
		*dst = *v
	}
	duration("read_timeout", raw.ReadTimeout, &l.ReadTimeout)
	duration("write_timeout", raw.WriteTimeout, &l.WriteTimeout)
	duration("slow_read_wait", raw.SlowReadWait, &l.SlowReadWait)
	return l
}

func (d *decoder) safety(raw safetyYAML) Safety {
	s := Safety{MaxChangePercent: DefaultMaxChangePercent}
	key := "safety.max_change_percent"
	if raw.MaxChangePercent != nil && !d.failed(key) {
		if p := *raw.MaxChangePercent; p < 1 || p > 100 {
			d.errorf(d.line(key), key, "%d is not between 1 and 100 (100 turns the check off)", p)
		} else {
			s.MaxChangePercent = p
		}
	}
	return s
}

// resolvers checks resolvers: each an IP address, with a port or not
// (53); a name is refused, since resolving it would need a resolver.
func (d *decoder) resolvers(raw []string) []string {
	var out []string
	for i, r := range raw {
		key := fmt.Sprintf("resolvers[%d]", i)
		host, port, err := net.SplitHostPort(r)
		if err != nil {
			host, port = r, "53"
		}
		if net.ParseIP(host) == nil {
			d.errorf(d.line(key), key, "%q: want an IP address, with :PORT or not (a name would itself need resolving)", r)
			continue
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			d.errorf(d.line(key), key, "%q: bad port", r)
			continue
		}
		out = append(out, net.JoinHostPort(host, port))
	}
	return out
}
