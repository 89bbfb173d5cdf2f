package zones

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
)

// Severity ranks a diagnostic. Only errors stop a zone from being pushed.
type Severity int

// Severities, from least to most serious.
const (
	Info Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	default:
		return "error"
	}
}

// MarshalText writes the severity as its name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Pos is a place in a zone file. Line and Col count from 1; a zero Col means
// the whole line.
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
}

func (p Pos) String() string {
	s := p.File
	if p.Line > 0 {
		s += ":" + strconv.Itoa(p.Line)
		if p.Col > 0 {
			s += ":" + strconv.Itoa(p.Col)
		}
	}
	return s
}

// Diagnostic codes. They are stable: scripts and CI rules may match on them.
const (
	CodeSyntax            = "syntax"
	CodeOrigin            = "origin"
	CodeFile              = "file"
	CodeInclude           = "include"
	CodeMissingRdata      = "missing-rdata"
	CodeClass             = "class-not-in"
	CodeBadRdata          = "bad-rdata"
	CodeMetaType          = "meta-type"
	CodeMissingSOA        = "missing-soa"
	CodeMultipleSOA       = "multiple-soa"
	CodeSOANotAtApex      = "soa-not-at-apex"
	CodeMissingApexNS     = "missing-apex-ns"
	CodeOutOfZone         = "out-of-zone"
	CodeCNAMEAndOther     = "cname-and-other-data"
	CodeMultipleCNAMEs    = "multiple-cnames"
	CodeMultipleDNAMEs    = "multiple-dnames"
	CodeCNAMEAtApex       = "cname-at-apex"
	CodeNSTargetCNAME     = "ns-target-cname"
	CodeMXTargetCNAME     = "mx-target-cname"
	CodeSRVTargetCNAME    = "srv-target-cname"
	CodeMissingGlue       = "missing-glue"
	CodeOccluded          = "occluded-data"
	CodeTXTTooLong        = "txt-too-long"
	CodeLabelTooLong      = "label-too-long"
	CodeNameTooLong       = "name-too-long"
	CodeTTLRange          = "ttl-out-of-range"
	CodeMissingTTL        = "missing-ttl"
	CodeTTLMismatch       = "ttl-mismatch"
	CodeDNSSECNotReplicas = "dnssec-not-replicated"
	CodeDSAtApex          = "ds-at-apex"
	// CodeBadOctet is an octet BIND refuses where it stands: a NUL outside
	// a quoted string, a carriage return inside a line.
	CodeBadOctet = "bad-octet"
	// CodeTTLSyntax is a TTL that miekg/dns reads but BIND refuses: a
	// trailing number without a unit (1h30), a unit twice in a row (5mm).
	CodeTTLSyntax = "ttl-syntax"
	// CodeGenerate is a $GENERATE line BIND refuses: its range, a
	// modifier, a value out of range, a field too many.
	CodeGenerate = "generate"
	// CodeSVCBParams is SVCB or HTTPS parameters BIND refuses: a mandatory
	// key the record lacks, mandatory listing itself, a key twice,
	// no-default-alpn without alpn.
	CodeSVCBParams = "svcb-params"
	// The limits (Limits): past the first three reading stops.
	CodeZoneTooLarge    = "zone-too-large"
	CodeTooManyRecords  = "too-many-records"
	CodeTooManyIncludes = "too-many-includes"
	CodeIncludeDepth    = "include-depth"
	// The lints (lint.go): warnings, errors under validate --strict.
	CodeSPFMultiple        = "spf-multiple"
	CodeSPFTooManyLookups  = "spf-too-many-lookups"
	CodeCAAUnknownTag      = "caa-unknown-tag"
	CodeMissingTrailingDot = "missing-trailing-dot"
	CodeUTF8Label          = "utf8-label"
	// What BIND 9.18 refuses and miekg/dns reads (bindchecks.go): an apex
	// CDS or CDNSKEY whose algorithm no apex DNSKEY has, or a delete form
	// beside other records; NS at a wildcard owner; an NSEC3 next hashed
	// owner name that is not base32hex or not 20 octets for SHA-1; a ZONEMD
	// digest of the wrong length for its hash algorithm; RFC 3597 rdata
	// longer than its known type's data.
	CodeCDSMismatch        = "cds-mismatch"
	CodeCDNSKEYMismatch    = "cdnskey-mismatch"
	CodeWildcardNS         = "wildcard-ns"
	CodeNSEC3NextHash      = "nsec3-next-hash"
	CodeZONEMDDigestLength = "zonemd-digest-length"
	CodeGenericRdataLength = "generic-rdata-length"
	// CodeCDSUnmatched, a warning: an apex CDS or CDNSKEY that matches no
	// apex DNSKEY (BIND loads it).
	CodeCDSUnmatched = "cds-unmatched"
)

// Diagnostic is one problem found in a zone file.
type Diagnostic struct {
	Pos      Pos      `json:"pos"`
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	Message  string   `json:"message"`
	// Hint says what to do about it.
	Hint string `json:"hint,omitempty"`
}

// String formats the diagnostic as `file:line:col: severity: message; hint [code]`,
// control characters escaped (EscapeText) even in a diagnostic made outside
// this package.
func (d Diagnostic) String() string {
	msg := d.Message
	if d.Hint != "" {
		msg += "; " + d.Hint
	}
	return EscapeText(fmt.Sprintf("%s: %s: %s [%s]", d.Pos, d.Severity, msg, d.Code))
}

// Diagnostics is every problem found in one or more files.
type Diagnostics []Diagnostic

// Count returns how many diagnostics have severity s.
func (ds Diagnostics) Count(s Severity) int {
	n := 0
	for _, d := range ds {
		if d.Severity == s {
			n++
		}
	}
	return n
}

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool { return ds.Count(Error) > 0 }

// Sort orders diagnostics by file, line, column, then code, so output is
// deterministic.
func (ds Diagnostics) Sort() {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(a.Code, b.Code),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

// Err returns nil when there is no error-severity diagnostic, else an
// *InvalidError holding them all.
func (ds Diagnostics) Err() error {
	if !ds.HasErrors() {
		return nil
	}
	return &InvalidError{Diagnostics: ds}
}

// InvalidError reports a zone file that must not be pushed.
type InvalidError struct {
	Diagnostics Diagnostics
}

func (e *InvalidError) Error() string {
	var first Diagnostic
	for _, d := range e.Diagnostics {
		if d.Severity == Error {
			first = d
			break
		}
	}
	n := e.Diagnostics.Count(Error)
	if n == 1 {
		return first.String()
	}
	return fmt.Sprintf("%s (and %d more errors)", first, n-1)
}
