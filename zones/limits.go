package zones

import (
	"fmt"
	"io/fs"
)

// Limits bound what reading one zone may cost, so that a hostile or broken
// zone file (a $GENERATE bomb, an $INCLUDE loop, a huge file) is refused with
// a diagnostic instead of exhausting memory. Each field names the config key
// that sets it; zero (or a negative value) means the default.
type Limits struct {
	// MaxFileBytes caps the bytes read for one zone: the main file and
	// every $INCLUDE file together (limits.zone_file_bytes). A file is
	// measured before it is read.
	MaxFileBytes int64
	// MaxRecords caps the records of one zone, counted as they are read,
	// after $GENERATE expansion and before duplicates collapse
	// (limits.zone_records).
	MaxRecords int
	// MaxIncludeDepth caps how deeply $INCLUDE files nest: the main file
	// is at depth 0, a file it includes at 1 (limits.include_depth).
	// miekg/dns refuses nesting deeper than 7 within one uninterrupted
	// read, so values above 7 act as 7.
	MaxIncludeDepth int
	// MaxIncludes caps the $INCLUDE files opened for one zone in all,
	// counting a file included twice twice (limits.includes).
	MaxIncludes int
}

// The default limits: they let through the largest zones zonecast is
// benchmarked with (1,000,000 records) with room to spare.
const (
	DefaultMaxFileBytes    int64 = 512 << 20
	DefaultMaxRecords            = 2_000_000
	DefaultMaxIncludeDepth       = 7
	DefaultMaxIncludes           = 1000
)

// DefaultLimits returns the limits that zero fields stand for.
func DefaultLimits() Limits { return Limits{}.WithDefaults() }

// maxIncludeDepth is miekg/dns's own limit (scan.go, maxIncludeDepth).
const maxIncludeDepth = 7

// WithDefaults returns l with every zero or negative field set to its
// default, and MaxIncludeDepth at most 7.
func (l Limits) WithDefaults() Limits {
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = DefaultMaxFileBytes
	}
	if l.MaxRecords <= 0 {
		l.MaxRecords = DefaultMaxRecords
	}
	if l.MaxIncludeDepth <= 0 {
		l.MaxIncludeDepth = DefaultMaxIncludeDepth
	}
	l.MaxIncludeDepth = min(l.MaxIncludeDepth, maxIncludeDepth)
	if l.MaxIncludes <= 0 {
		l.MaxIncludes = DefaultMaxIncludes
	}
	return l
}

// limitText names a limit and the config key that raises it.
func limitText(n int64, unit, key string) string {
	return fmt.Sprintf("limit: %d %s (%s)", n, unit, key)
}

// A FileError is a zone file that zonecast refuses to read: not a regular
// file, a symbolic link out of its folder, or larger than
// Limits.MaxFileBytes. It matches fs.ErrPermission: zonecast does not permit
// the read, whatever the file's mode says.
type FileError struct {
	Path   string
	Reason string
	// Symlink: the file is a symbolic link out of its folder, which
	// Options.FollowSymlinks would let through.
	Symlink bool
}

func (e *FileError) Error() string {
	return fmt.Sprintf("zone file %s refused: %s", EscapeText(e.Path), e.Reason)
}

// Is makes a FileError match fs.ErrPermission.
func (e *FileError) Is(target error) bool { return target == fs.ErrPermission }
