package verify

import (
	"encoding/json"
	"io"
)

// WriteJSON writes what verify found as the stable JSON schema of
// `zonecast verify --format json`: {"version":1,"providers":[...]}, and
// "delegations":[...] when the parents were asked (CheckParent).
func WriteJSON(w io.Writer, reports []Provider, delegations []Delegation) error {
	return WriteReport(w, Report{Providers: reports, Delegations: delegations})
}

// Report is everything one verify found.
type Report struct {
	Providers   []Provider   `json:"providers"`
	Delegations []Delegation `json:"delegations,omitempty"`
	// DS are the parents' DS sets, with Options.DNSSEC (CheckDS).
	DS []DSCheck `json:"ds,omitempty"`
}

// WriteReport writes r as WriteJSON does, with "ds":[...] when the
// parents' DS sets were checked. A server's "dnssec" object is there when
// it was asked with Options.DNSSEC.
func WriteReport(w io.Writer, r Report) error {
	if r.Providers == nil {
		r.Providers = []Provider{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Version int `json:"version"`
		Report
	}{1, r})
}
