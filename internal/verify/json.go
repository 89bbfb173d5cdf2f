package verify

import (
	"encoding/json"
	"io"
)

// WriteJSON writes what verify found as the stable JSON schema of
// `zonecast verify --format json`: {"version":1,"providers":[...]}.
func WriteJSON(w io.Writer, reports []Provider) error {
	if reports == nil {
		reports = []Provider{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Version   int        `json:"version"`
		Providers []Provider `json:"providers"`
	}{1, reports})
}
