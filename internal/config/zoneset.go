package config

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zonecast/zonecast/zones"
)

// DefaultMatch is a zone set's match: when the file does not set one:
// every file of the folder that is not hidden or a backup (see member).
const DefaultMatch = "*"

// zoneSet expands a zone set entry (dir:) into its members, sorted by
// origin: one Zone per file of the folder that member accepts, its origin
// from the file name as zones.OriginFromName gives it, each with the
// entry's providers, ignore rules, parent, follow_symlinks and idn.
//
// The folder is read once (os.ReadDir); no member is opened, parsed or
// stat'ed here, so that a set of ten thousand files loads in milliseconds:
// a file that cannot be read is the parse's to report, as for a single
// zone. Subfolders are not descended. A file whose name gives no origin,
// or a canonical origin another member or entry already has, is an error
// naming the file; an empty set is a warning.
func (d *decoder) zoneSet(r zoneYAML, zkey string, declared []string, seen map[string]place) []Zone {
	dkey := join(zkey, "dir")
	if r.Origin != "" {
		okey := join(zkey, "origin")
		d.errorf(d.line(okey), okey, "a zone set (dir:) takes each zone's origin from its file's name; remove origin:, or dir: to list the zone alone")
	}
	if r.File != "" {
		fkey := join(zkey, "file")
		d.errorf(d.line(fkey), fkey, "a zone set (dir:) is every zone file in its folder; remove file:, or dir: to list the zone alone")
	}
	d.providerList(r.Providers, zkey, declared, "the zones of "+cmp.Or(r.Dir, "this zone set"))
	parent, hasParent := d.parent(r.Parent, zkey, declared)
	ignore := d.ignores(r.Ignore, zkey)
	block := d.dnssecBlock(r, zkey)
	sec, secOK := d.dnssec(block, zkey, r.Providers, true)

	match := cmp.Or(r.Match, DefaultMatch)
	mkey := join(zkey, "match")
	if _, err := filepath.Match(match, ""); err != nil {
		d.errorf(d.line(mkey), mkey, "%q is not a file name pattern (such as *.zone): %v", match, err)
		return nil
	}
	if strings.Contains(match, "/") {
		d.errorf(d.line(mkey), mkey, "%q: a pattern matches file names in the folder, without '/'; subfolders are not read", match)
		return nil
	}
	if d.failed(dkey) {
		return nil
	}
	dir := r.Dir
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(d.dir, dir)
	}
	line := d.line(dkey)
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d.errorf(line, dkey, "zone set folder %s does not exist", dir)
		return nil
	case err != nil && !isDir(dir):
		d.errorf(line, dkey, "zone set folder %s is not a folder (for a single zone, write file: and origin: instead of dir:)", dir)
		return nil
	case err != nil:
		d.errorf(line, dkey, "zone set folder: %v", err)
		return nil
	}

	var members []Zone
	var badNames, notBelow []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !member(name) {
			continue
		}
		if ok, _ := filepath.Match(match, name); !ok {
			continue
		}
		o, ok := zones.OriginFromName(name)
		origin, err := canonicalOrigin(o)
		if !ok || err != nil {
			badNames = append(badNames, name)
			continue
		}
		z := Zone{
			Origin:         origin,
			File:           filepath.Join(dir, name),
			Providers:      slices.Clone(r.Providers),
			Ignore:         slices.Clone(ignore),
			FollowSymlinks: r.FollowSymlinks,
			IDN:            r.IDN,
			Set:            r.Dir,
			DNSSEC:         sec,
		}
		if hasParent {
			if !below(origin, parent.Zone) {
				notBelow = append(notBelow, name)
				continue
			}
			p := *parent
			z.Parent = &p
		}
		members = append(members, z)
	}
	if len(badNames) > 0 {
		d.errorf(line, dkey, "%s: %s; name each after its zone (example.com.zone, example.com.db or db.example.com), or leave such files out with match: (such as \"*.zone\")",
			fileList(badNames), plural(len(badNames), "the file name gives no zone origin", "the file names give no zone origin"))
	}
	if len(notBelow) > 0 {
		pk := join(join(zkey, "parent"), "zone")
		d.errorf(d.line(pk), pk, "%s is not a parent of the zones of %s; a parent: in a zone set is every member's, so every member must be below it",
			parent.Zone, fileList(notBelow))
	}
	// Within the set, two files may give one origin (example.com.zone and
	// db.example.com): ReadDir's order is by file name, so sort by origin
	// with the file name breaking ties, and report the later file.
	slices.SortFunc(members, func(a, b Zone) int { return cmp.Or(cmp.Compare(a.Origin, b.Origin), cmp.Compare(a.File, b.File)) })
	// Two sets over one folder would repeat ten thousand times: the
	// first few duplicates are named, the rest counted.
	const named = 3
	out, dups, keyFaults := members[:0], 0, 0
	for _, z := range members {
		at := place{line: line, file: filepath.Base(z.File)}
		if _, dup := seen[z.Origin]; dup && dups >= named {
			dups++
			continue
		}
		if d.unique(seen, z.Origin, at, dkey) {
			if secOK {
				// Like duplicates, the key problems of the first
				// few members are named, the rest counted.
				z.DNSSEC.SignedByZonecast = slices.Clone(sec.SignedByZonecast)
				before := len(d.errs)
				d.dnssecKeys(block, zkey, &z, "zone set file "+filepath.Base(z.File)+": ")
				if len(d.errs) > before {
					if keyFaults >= named {
						d.errs = d.errs[:before]
					}
					keyFaults++
				}
			}
			out = append(out, z)
		} else {
			dups++
		}
	}
	if keyFaults > named {
		d.errorf(d.line(join(zkey, "dnssec")), join(zkey, "dnssec"), "and %d more zones of this set have problems with their DNSSEC keys", keyFaults-named)
	}
	if dups > named {
		d.errorf(line, dkey, "and %d more zones of this set are already configured elsewhere", dups-named)
	}
	d.sets = append(d.sets, ZoneSet{Dir: r.Dir, Path: dir, Match: match, Providers: slices.Clone(r.Providers), Line: line, Members: len(out)})
	if len(members) == 0 && len(badNames) == 0 && len(notBelow) == 0 {
		how := ""
		if r.Match != "" {
			how = fmt.Sprintf(" matching %q", r.Match)
		}
		d.warns = append(d.warns, &Error{File: d.file, Line: line, Key: dkey,
			Err: fmt.Errorf("zone set folder %s has no zone files%s yet; it serves no zone", dir, how)})
	}
	return out
}

// member reports whether a file name in a zone set's folder can be a zone
// file: hidden files (.example.com.zone.swp, a zonefile provider's
// temporary files) and editors' and tools' backups (~, .swp, .bak) are not.
func member(name string) bool {
	return !strings.HasPrefix(name, ".") && !strings.HasSuffix(name, "~") &&
		!strings.HasSuffix(name, ".swp") && !strings.HasSuffix(name, ".bak")
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// fileList names up to a few files, then how many more.
func fileList(names []string) string {
	const most = 5
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:most], ", "), len(names)-most)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
