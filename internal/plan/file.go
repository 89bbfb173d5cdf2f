package plan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/zonecast/zonecast/zones"
)

// FileVersion is the version of the saved-plan format.
const FileVersion = 1

// ErrStale says a saved plan no longer matches what the providers serve or
// what the zone files and configuration say.
var ErrStale = errors.New("plan is stale")

// ErrBadFile says a saved plan file is not one zonecast wrote, or was
// changed since.
var ErrBadFile = errors.New("bad plan file")

// File is a saved plan: what was planned and what it was computed from.
// It holds no secrets, so CI can pass it between jobs.
type File struct {
	Format   int    `json:"format"`
	Zonecast string `json:"zonecast_version"`
	Config   string `json:"config_digest"`
	// Zones maps each origin to the digest of its zone file's canonical
	// content.
	Zones   map[string]string `json:"zone_digests"`
	Targets []FileTarget      `json:"targets"`
	// Digest covers everything above; a file whose digest does not match
	// was changed after zonecast wrote it.
	Digest string `json:"digest"`
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
	d, err := f.digest()
	if err != nil {
		return nil, err
	}
	f.Digest = d
	return f, nil
}

func (f *File) digest() (string, error) {
	c := *f
	c.Digest = ""
	b, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// Write saves f at path (0600: a plan names every record of the zones).
func (f *File) Write(path string) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

// Read loads a saved plan and checks that it is whole and unchanged.
func Read(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plan file: %w", err)
	}
	return Decode(b, path)
}

// Decode checks and decodes the bytes of a saved plan; name is for errors.
func Decode(b []byte, name string) (*File, error) {
	var f File
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadFile, name, err)
	}
	if f.Format != FileVersion {
		return nil, fmt.Errorf("%w: %s has format %d; this zonecast reads format %d", ErrBadFile, name, f.Format, FileVersion)
	}
	want, err := f.digest()
	if err != nil {
		return nil, err
	}
	if f.Digest != want {
		return nil, fmt.Errorf("%w: %s was changed after zonecast wrote it (digest mismatch); run `zonecast plan --out` again", ErrBadFile, name)
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

// ZoneDigest hashes a zone's canonical content.
func ZoneDigest(z *zones.Zone) string {
	var b bytes.Buffer
	zones.Write(&b, z)
	sum := sha256.Sum256(b.Bytes())
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Check compares a fresh plan with the saved one: every provider must serve
// what it served when the plan was made, and the fresh plan must hold
// exactly the saved changes. It names what differs.
func (f *File) Check(fresh *Plan) error {
	if len(fresh.Targets) != len(f.Targets) {
		return fmt.Errorf("%w: it covers %d zone × provider pairs, the configuration now %d; run `zonecast plan --out` again", ErrStale, len(f.Targets), len(fresh.Targets))
	}
	var problems []string
	for i, t := range fresh.Targets {
		saved := f.Targets[i]
		switch {
		case t.Zone != saved.Zone || t.Provider != saved.Provider:
			problems = append(problems, fmt.Sprintf("%s at %s is not in the saved plan", t.Zone, t.Provider))
		case t.Err != nil:
			problems = append(problems, fmt.Sprintf("%s at %s cannot be read: %v", t.Zone, t.Provider, t.Err))
		case t.Fingerprint != saved.Fingerprint:
			problems = append(problems, fmt.Sprintf("%s changed at %s since the plan was made%s", t.Zone, t.Provider, driftNames(saved.Changes, t.Changes)))
		case !sameChanges(t.Changes, saved.Changes):
			problems = append(problems, fmt.Sprintf("%s at %s: the saved changes are not what the zone file gives", t.Zone, t.Provider))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s; run `zonecast plan --out` again", ErrStale, joinProblems(problems))
	}
	return nil
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
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
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
