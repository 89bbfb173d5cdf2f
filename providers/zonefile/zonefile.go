// Package zonefile is a provider that writes each zone as a BIND zone file in
// a directory, for self-hosted servers fed by files (and for `make demo`).
//
// A zone is written whole, atomically (temp file, fsync, rename), in
// zonecast's canonical form, with its SOA serial bumped: the date-based
// serial (YYYYMMDD00) or the old serial plus one, whichever is larger;
// but a zone zonecast signed (dnssec: zonecast-signs) keeps the serial
// its signed SOA has (see Provider.signed). An
// optional reload command runs after each write (once per Apply, whatever
// its size); when it fails the write stands, Apply says so with a
// *providers.ReloadError, and Reload runs the command again. The provider
// reads its own file back as what it serves. The file ends with a seal (a
// comment with its SHA-256, zones.WriteSealed): while it holds, the file is
// read back as written, without a zone parser; a file edited by hand, or
// written by something else, is parsed and checked as any zone file.
package zonefile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/zonecast/zonecast/providers"
	"github.com/zonecast/zonecast/zones"
)

// Config is the provider's block in zonecast.yaml.
type Config struct {
	// Directory holds one file per zone, named after its origin
	// (example.com.zone); relative to the configuration file's folder.
	Directory string `yaml:"directory"`
	// Reload is a command run after each write, with {zone} replaced by the
	// zone's name without the final dot, e.g. [rndc, reload, "{zone}"].
	Reload []string `yaml:"reload"`
	// Nameservers of the servers that load these files (for verify and
	// failover).
	Nameservers []string `yaml:"nameservers"`
	// DNSSEC is zonecast-signs when the files are served as written, so
	// that zonecast may sign the zone for them, or none (the default: no
	// part in DNSSEC). server-signs is refused: a server that signs what
	// it loads (BIND inline-signing) is reached through rfc2136 instead,
	// where its keys can be read and changed.
	DNSSEC providers.ServerDNSSEC `yaml:"dnssec"`
}

// Driver is the zonefile entry of providers/all.
var Driver = providers.Driver{
	Type:      "zonefile",
	Summary:   "zone files in a directory, written atomically, with an optional reload command",
	NewConfig: func() any { return &Config{} },
	New: func(name string, cfg any, dir string) (providers.Provider, error) {
		c := cfg.(*Config)
		if c.Directory == "" {
			return nil, errors.New("directory: required")
		}
		d := c.Directory
		if !filepath.IsAbs(d) {
			d = filepath.Join(dir, d)
		}
		ns, err := providers.ParseNameservers(c.Nameservers)
		if err != nil {
			return nil, err
		}
		if err := c.DNSSEC.Check(); err != nil {
			return nil, err
		}
		if c.DNSSEC == providers.ServerSigns {
			return nil, errors.New("dnssec: server-signs is not for zone files (zonecast cannot read or change the keys of a server that signs what it loads); " +
				"use zonecast-signs, or reach the server through an rfc2136 provider")
		}
		return &Provider{name: name, dir: d, reload: c.Reload, now: time.Now, nameservers: ns, dnssec: c.DNSSEC}, nil
	},
}

// Provider writes zone files into a directory.
type Provider struct {
	name        string
	dir         string
	reload      []string
	now         func() time.Time
	nameservers []providers.Nameserver
	dnssec      providers.ServerDNSSEC
}

// New returns a provider writing into dir.
func New(name, dir string, reload []string) *Provider {
	return &Provider{name: name, dir: dir, reload: reload, now: time.Now}
}

// Name implements providers.Provider.
func (p *Provider) Name() string { return p.name }

// Capabilities implements providers.Provider: a zone file holds every type;
// zonecast writes its SOA (keeping the serial moving up) and its apex NS.
func (p *Provider) Capabilities() providers.Capabilities {
	sc := p.dnssec.Caps()
	if !sc.ServesGiven {
		sc.Enable = "set dnssec: zonecast-signs in the provider's configuration if the server loading " + p.dir + " serves the files as written"
	}
	return providers.Capabilities{Nameservers: p.nameservers, DNSSEC: sc, Notes: []string{"writes " + p.dir + "/<zone>zone"}}
}

// Path returns the file the zone origin is written to.
func (p *Provider) Path(origin string) string {
	return filepath.Join(p.dir, zones.CanonicalName(origin)+"zone")
}

// Records implements providers.Provider by reading the zone's file. A file
// this provider wrote and nobody changed since is read back as written
// (zones.ReadSets): its seal says so.
func (p *Provider) Records(_ context.Context, origin string) ([]zones.RRset, error) {
	return p.readSets(origin)
}

func (p *Provider) readSets(origin string) ([]zones.RRset, error) {
	path := p.Path(origin)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, providers.ErrZoneNotFound
	}
	sets, diags, err := zones.ReadSets(path, zones.Options{Origin: origin})
	if err != nil {
		return nil, err
	}
	if err := diags.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return sets, nil
}

// read returns the zone's file as a zone, for Apply to change.
func (p *Provider) read(origin string) (*zones.Zone, error) {
	sets, err := p.readSets(origin)
	if err != nil {
		return nil, err
	}
	z := zones.NewZone(origin)
	z.Sets = make(map[zones.Key]*zones.RRset, len(sets))
	for i := range sets {
		z.Sets[sets[i].Key()] = &sets[i]
	}
	return z, nil
}

// Apply implements providers.Provider: it applies every change to the zone in
// memory, bumps the serial and writes the file in one atomic step, so either
// all changes are applied or none; a missing file is a new zone. However many
// changes there are, a call writes the file once and runs the reload command
// once.
//
// A context cancelled before the write writes nothing and returns 0 and
// ctx.Err(). After the write the trace is told every change is applied; when
// the reload command then fails, Apply returns len(changes) and a
// *providers.ReloadError: the file holds the changes, the server has not
// loaded them, and Reload finishes the job.
func (p *Provider) Apply(ctx context.Context, origin string, changes []providers.Change) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	z, err := p.read(origin)
	if errors.Is(err, providers.ErrZoneNotFound) {
		z, err = zones.NewZone(origin), nil
	}
	if err != nil {
		return 0, err
	}
	var oldSerial uint32
	if soa := z.Lookup(z.Origin, dns.TypeSOA); soa != nil {
		oldSerial = serialOf(soa.Data[0])
	}
	for _, c := range changes {
		if c.Delete {
			delete(z.Sets, c.Set.Key())
			continue
		}
		s := c.Set
		s.Data = append([]string(nil), s.Data...)
		z.Sets[s.Key()] = &s
	}
	soa := z.Lookup(z.Origin, dns.TypeSOA)
	if soa == nil {
		return 0, fmt.Errorf("zone %s would have no SOA record", z.Origin)
	}
	if !p.signed(z) {
		soa.Data = []string{withSerial(soa.Data[0], nextSerial(oldSerial, p.now()))}
	}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return 0, err
	}
	// The last point where an interrupt leaves everything as it was.
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := writeAtomic(p.Path(origin), z); err != nil {
		return 0, fmt.Errorf("write zone %s to %s: %w", z.Origin, p.Path(origin), err)
	}
	providers.ReportApplied(ctx, len(changes))
	if err := p.Reload(ctx, z.Origin); err != nil {
		return len(changes), &providers.ReloadError{Zone: z.Origin, Err: err}
	}
	return len(changes), nil
}

// signed reports whether z is a zone zonecast signed for this provider
// (dnssec: zonecast-signs, and an RRSIG over the apex SOA): its SOA is
// then written as given, serial included. zonecast chose the serial before
// signing (internal/dnssec.Sign signs the SOA as given), so raising it here
// would leave the SOA's signature over a serial no longer served, and every
// negative answer would fail validation. A change of a signed zone must
// therefore carry its SOA with a new serial when the server loading the
// file (or its secondaries) needs to see one. Without zonecast-signs the
// serial is raised as always.
func (p *Provider) signed(z *zones.Zone) bool {
	if p.dnssec != providers.ZonecastSigns {
		return false
	}
	sig := z.Sets[zones.Key{Name: z.Origin, Type: dns.TypeRRSIG, Covers: dns.TypeSOA}]
	return sig != nil && len(sig.Data) > 0
}

// Reload implements providers.Reloader: it runs the reload command for the
// zone origin (at most a minute), and does nothing when there is none. The
// error names the program, its exit status and the start of its output, not
// its arguments, which may carry a key.
func (p *Provider) Reload(ctx context.Context, origin string) error {
	if len(p.reload) == 0 {
		return nil
	}
	args := make([]string, len(p.reload))
	for i, a := range p.reload {
		args[i] = strings.ReplaceAll(a, "{zone}", strings.TrimSuffix(zones.CanonicalName(origin), "."))
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (%w)", err, ctx.Err())
	}
	output := ""
	if text := strings.TrimSpace(string(out)); text != "" {
		const max = 400
		if len(text) > max {
			text = text[:max] + "…"
		}
		output = ": " + text
	}
	return fmt.Errorf("reload command %s at %s: %w%s", filepath.Base(args[0]), p.name, err, output)
}

// writeAtomic writes the zone to a temp file beside path, syncs it and
// renames it over path, then syncs the folder: a reader sees the old file or
// the new one, never half of one.
func writeAtomic(path string, z *zones.Zone) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := zones.WriteSealed(f, z); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// nextSerial is the date-based serial for today (YYYYMMDD00) or old+1,
// whichever is larger (RFC 1982 arithmetic is not needed while serials only
// go up from a date).
func nextSerial(old uint32, now time.Time) uint32 {
	date, _ := strconv.ParseUint(now.UTC().Format("20060102")+"00", 10, 32)
	if uint32(date) > old {
		return uint32(date)
	}
	return old + 1
}

func serialOf(soa string) uint32 {
	f := strings.Fields(soa)
	if len(f) != 7 {
		return 0
	}
	n, _ := strconv.ParseUint(f[2], 10, 32)
	return uint32(n)
}

func withSerial(soa string, serial uint32) string {
	f := strings.Fields(soa)
	if len(f) != 7 {
		return soa
	}
	f[2] = strconv.FormatUint(uint64(serial), 10)
	return strings.Join(f, " ")
}
