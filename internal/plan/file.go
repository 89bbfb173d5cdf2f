package plan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/zonecast/zonecast/zones"
)

// FileVersion is the version of the saved-plan format. Format 1 carried an
// unkeyed digest of the file; format 2 carries none (see File).
const FileVersion = 2

// ErrStale says a saved plan no longer matches what the providers serve or
// what the zone files and configuration say.
var ErrStale = errors.New("plan is stale")

// ErrBadFile says a saved plan file is not one zonecast wrote, or was
// changed since.
var ErrBadFile = errors.New("bad plan file")

// File is a saved plan: what was planned and what it was computed from.
// It holds no secrets, so CI can pass it between jobs.
//
// It carries no digest of itself. An unkeyed digest proves nothing (whoever
// edits the file recomputes it), and a keyed one needs a secret shared by
// the job that plans and the job that applies, which a pull-request job
// running a contributor's code must not hold. Nor is one needed: a saved
// plan is applied only if a fresh plan, made from the same zone files and
// configuration (their digests) and the same provider content (the
// fingerprints), holds exactly the saved changes. With those inputs equal
// the plan is determined, so changes that differ were edited (ErrBadFile,
// exit 1); inputs that differ are drift (ErrStale, exit 5). A file cannot
// make zonecast write anything a fresh plan would not.
type File struct {
	Format   int    `json:"format"`
	Zonecast string `json:"zonecast_version"`
	Config   string `json:"config_digest"`
	// Zones maps each origin to the digest of its zone file's canonical
	// content.
	Zones   map[string]string `json:"zone_digests"`
	Targets []FileTarget      `json:"targets"`
}

// FileTarget is one zone × provider of a saved plan.
type FileTarget struct {
	Zone        string   `json:"zone"`
	Provider    string   `json:"provider"`
	Fingerprint string   `json:"fingerprint"`
	Changes     []Change `json:"changes"`
}

// NewFile makes the saved form of p.
func NewFile(p *Plan, version, configDigest string, desired map[string]*zones.Zone) (*File, error) {
	f := &File{Format: FileVersion, Zonecast: version, Config: configDigest, Zones: map[string]string{}}
	for origin, z := range desired {
		f.Zones[origin] = ZoneDigest(z)
	}
	for _, t := range p.Targets {
		if t.Err != nil {
			return nil, fmt.Errorf("cannot save a plan: %s at %s could not be read: %w", t.Zone, t.Provider, t.Err)
		}
		f.Targets = append(f.Targets, FileTarget{Zone: t.Zone, Provider: t.Provider, Fingerprint: t.Fingerprint, Changes: t.Changes})
	}
	return f, nil
}

// Write saves f at path (0600: a plan names every record of the zones).
func (f *File) Write(path string) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

// Read loads a saved plan and checks that it is whole (see Decode). It
// reads a regular file of at most MaxFileBytes, nothing else.
func Read(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read plan file: %w", err)
	}
	defer fh.Close()
	if st, err := fh.Stat(); err != nil {
		return nil, fmt.Errorf("read plan file: %w", err)
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrBadFile, path)
	}
	b, err := io.ReadAll(io.LimitReader(fh, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read plan file: %w", err)
	}
	return Decode(b, path)
}

// MaxFileBytes bounds a saved plan file: a plan of a million changes is
// far less.
const MaxFileBytes = 1 << 30

// Decode checks and decodes the bytes of a saved plan; name is for errors.
// It is strict: one JSON document and nothing after it, no unknown field,
// this format version, every change well formed.
func Decode(b []byte, name string) (*File, error) {
	if len(b) > MaxFileBytes {
		return nil, fmt.Errorf("%w: %s is %d bytes, over the %d a plan file may hold", ErrBadFile, name, len(b), MaxFileBytes)
	}
	var head struct {
		Format int `json:"format"`
	}
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&head); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadFile, name, err)
	}
	if head.Format != FileVersion {
		return nil, fmt.Errorf("%w: %s has format %d; this zonecast reads format %d: run `zonecast plan --out` again", ErrBadFile, name, head.Format, FileVersion)
	}
	var f File
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadFile, name, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: %s has data after the plan (at byte %d): it was changed after zonecast wrote it", ErrBadFile, name, dec.InputOffset())
	}
	for _, t := range f.Targets {
		for _, c := range t.Changes {
			if c.Op < Create || c.Op > Delete || c.RRset() == nil || (c.Op != Create && c.Before == nil) || (c.Op != Delete && c.After == nil) {
				return nil, fmt.Errorf("%w: %s: a malformed change at %s", ErrBadFile, name, t.Provider)
			}
		}
	}
	return &f, nil
}

// ZoneDigest hashes a zone's canonical content, the addresses record
// left out (AddressesLabel).
func ZoneDigest(z *zones.Zone) string {
	var b bytes.Buffer
	if s := z.Lookup(AddressesLabel+"."+z.Origin, dns.TypeTXT); s != nil {
		c := *z
		c.Sets = maps.Clone(z.Sets)
		delete(c.Sets, s.Key())
		z = &c
	}
	zones.Write(&b, z)
	sum := sha256.Sum256(b.Bytes())
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Check compares a fresh plan with the saved one: every provider must serve
// what it served when the plan was made (ErrStale otherwise), and the fresh
// plan must hold exactly the saved changes. The caller has checked that the
// zone files and configuration are the ones the plan was made from
// (Engine.CheckSaved), so changes that differ where the provider's content
// is the same were edited in the file (ErrBadFile). It names what differs.
func (f *File) Check(fresh *Plan) error {
	if len(fresh.Targets) != len(f.Targets) {
		return fmt.Errorf("%w: it covers %d zone × provider pairs, the configuration now %d; run `zonecast plan --out` again", ErrStale, len(f.Targets), len(fresh.Targets))
	}
	var problems, edited []string
	for i, t := range fresh.Targets {
		var slow *SlowError
		if errors.As(t.Err, &slow) {
			continue // checked with CheckTarget once read
		}
		switch err := f.CheckTarget(i, t); {
		case errors.Is(err, ErrBadFile):
			edited = append(edited, err.(*targetProblem).what)
		case err != nil:
			problems = append(problems, err.(*targetProblem).what)
		}
	}
	if len(edited) > 0 {
		return editedError(edited)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s; run `zonecast plan --out` again", ErrStale, joinProblems(problems))
	}
	return nil
}

// CheckTarget checks the fresh plan t of the saved plan's i-th target, as
// Check does for every target: a provider read late is checked alone.
func (f *File) CheckTarget(i int, t *Target) error {
	if i >= len(f.Targets) {
		return &targetProblem{ErrStale, fmt.Sprintf("%s at %s is not in the saved plan", t.Zone, t.Provider)}
	}
	saved := f.Targets[i]
	switch {
	case t.Zone != saved.Zone || t.Provider != saved.Provider:
		return &targetProblem{ErrStale, fmt.Sprintf("%s at %s is not in the saved plan", t.Zone, t.Provider)}
	case t.Err != nil:
		return &targetProblem{ErrStale, fmt.Sprintf("%s at %s cannot be read: %v", t.Zone, t.Provider, t.Err)}
	case t.Fingerprint != saved.Fingerprint:
		return &targetProblem{ErrStale, fmt.Sprintf("%s changed at %s since the plan was made%s", t.Zone, t.Provider, driftNames(saved.Changes, t.Changes))}
	case !sameChanges(t.Changes, saved.Changes):
		return &targetProblem{ErrBadFile, fmt.Sprintf("%s at %s%s", t.Zone, t.Provider, driftNames(saved.Changes, t.Changes))}
	}
	return nil
}

// targetProblem is what CheckTarget finds: stale or edited, and what.
type targetProblem struct {
	kind error
	what string
}

func (e *targetProblem) Error() string {
	if e.kind == ErrBadFile {
		return editedError([]string{e.what}).Error()
	}
	return fmt.Sprintf("%v: %s; run `zonecast plan --out` again", ErrStale, e.what)
}

func (e *targetProblem) Unwrap() error { return e.kind }

func editedError(what []string) error {
	return fmt.Errorf("%w: the saved changes of %s are not what the same zone file and provider content give: the file was edited after zonecast wrote it; run `zonecast plan --out` again",
		ErrBadFile, joinProblems(what))
}

// SlowError stands for a provider whose read had not ended when a run went
// ahead with the others: it is written once read, if it passes the checks.
type SlowError struct{ After time.Duration }

func (e *SlowError) Error() string {
	return fmt.Sprintf("no answer yet after %s: the other providers go ahead; this one is written once it is read, if it passes the checks", e.After)
}

// driftNames names the RRsets whose planned change differs.
func driftNames(saved, fresh []Change) string {
	key := func(c Change) string {
		s := c.RRset()
		b, _ := json.Marshal(c)
		return s.Name + " " + s.TypeString() + string(b)
	}
	seen := map[string]bool{}
	for _, c := range saved {
		seen[key(c)] = true
	}
	var names []string
	for _, c := range fresh {
		if !seen[key(c)] {
			s := c.RRset()
			names = append(names, s.Name+" "+s.TypeString())
		}
	}
	for _, c := range saved {
		found := false
		for _, d := range fresh {
			if key(c) == key(d) {
				found = true
				break
			}
		}
		if !found {
			s := c.RRset()
			names = append(names, s.Name+" "+s.TypeString())
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) == 0 {
		return ""
	}
	if len(names) > 10 {
		names = append(names[:10], fmt.Sprintf("and %d more", len(names)-10))
	}
	return fmt.Sprintf(" (%s)", joinProblems(names))
}

func sameChanges(a, b []Change) bool {
	ja, _ := json.Marshal(comparable(a))
	jb, _ := json.Marshal(comparable(b))
	return bytes.Equal(ja, jb)
}

// SigningStateLabel is the owner label, below a signed zone's apex, of the
// record where zonecast keeps its DNSSEC state (the signers' phases and
// times, see internal/engine).
const SigningStateLabel = "_zonecast-dnssec"

// AddressesLabel is the owner label, below the apex, of the record where
// zonecast shares the last-known addresses of the names it needs
// (internal/failover). What it holds is what each machine learnt, not
// what the files say: a saved plan is neither made stale by it nor
// checked for it.
const AddressesLabel = "_zonecast-addresses"

// isAddresses reports whether s is an addresses record.
func isAddresses(s *zones.RRset) bool {
	return s.Type == dns.TypeTXT && strings.HasPrefix(s.Name, AddressesLabel+".")
}

// comparable is cs as a saved plan and a fresh one must agree on: a
// signature is made anew each time (ECDSA signing is randomised) and the
// DNSSEC state record carries the time of the run, so those changes are
// compared by what they change (name, type, operation), not by data.
func comparable(cs []Change) []Change {
	var out []Change
	for _, c := range cs {
		s := c.RRset()
		if isAddresses(s) {
			continue
		}
		if s.Type == dns.TypeRRSIG || strings.HasPrefix(s.Name, SigningStateLabel+".") {
			c = Change{Op: c.Op, After: &zones.RRset{Name: s.Name, Type: s.Type, Covers: s.Covers}}
		}
		out = append(out, c)
	}
	return out
}

func joinProblems(ps []string) string {
	var b bytes.Buffer
	for i, p := range ps {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p)
	}
	return b.String()
}

// Join is f with g's zones and targets after its own: the saved plan of a
// run over many zones, made batch by batch. A nil f is g.
func (f *File) Join(g *File) *File {
	if f == nil {
		return g
	}
	for origin, d := range g.Zones {
		f.Zones[origin] = d
	}
	f.Targets = append(f.Targets, g.Targets...)
	return f
}
