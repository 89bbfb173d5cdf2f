package audit

import (
	"encoding/json"
	"io"
)

// WriteJSON writes r as the stable JSON schema of `zonecast audit --format
// json`: {"version":1,"audit":{...}}.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Version int     `json:"version"`
		Audit   *Report `json:"audit"`
	}{1, r})
}
