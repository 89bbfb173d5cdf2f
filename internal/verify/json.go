package verify

import (
	"encoding/json"
	"io"
)

// WriteJSON writes what verify found as the stable JSON schema of
// `zonecast verify --format json`: {"version":1,"providers":[...]}, and
// "delegations":[...] when the parents were asked (CheckParent).
func WriteJSON(w io.Writer, reports []Provider, delegations []Delegation) error {
	if reports == nil {
		reports = []Provider{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Version     int          `json:"version"`
		Providers   []Provider   `json:"providers"`
		Delegations []Delegation `json:"delegations,omitempty"`
	}{1, reports, delegations})
}
