package failover

import (
	"testing"
	"time"
)

// A state record says what the state says, survives quoting, and is
// adopted only when newer.
func TestStateRecord(t *testing.T) {
	s := &State{Version: StateVersion, Dropped: map[string]Drop{}}
	if s.Record("example.com.") != nil {
		t.Fatal("a zone never failed over has no record")
	}
	at := time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC)
	s.DropFor("knot", "example.com.", `DDoS "at" knot; \ again`, at)
	s.DropFor("pdns", "example.org.", "other zone", at)
	rec := s.Record("example.com.")
	if rec == nil || rec.Name != "_zonecast-state.example.com." {
		t.Fatalf("record %v", rec)
	}
	sh, err := ParseRecord(rec)
	if err != nil {
		t.Fatal(err)
	}
	if sh.Serial != s.Serials["example.com."] || len(sh.Out) != 1 || sh.Out["knot"].Reason != `DDoS "at" knot; \ again` || !sh.Out["knot"].Since.Equal(at) {
		t.Fatalf("parsed %+v from %v", sh, rec.Data)
	}

	// Another machine, with nothing of this locally, adopts it.
	other := &State{Version: StateVersion, Dropped: map[string]Drop{}}
	if !other.Adopt("example.com.", []string{"bind", "knot"}, sh) || !other.IsDropped("knot", "example.com.") || other.IsDropped("bind", "example.com.") {
		t.Fatalf("not adopted: %+v", other)
	}
	// The same record again, or an older one, changes nothing.
	if other.Adopt("example.com.", []string{"bind", "knot"}, sh) {
		t.Fatal("adopted the same serial twice")
	}
	old := sh
	old.Serial--
	old.Out = map[string]Drop{}
	if other.Adopt("example.com.", []string{"bind", "knot"}, old) || !other.IsDropped("knot", "example.com.") {
		t.Fatal("an older record undid the drop")
	}
	// A restore is newer and takes the provider back.
	s.RestoreFor("knot", "example.com.")
	back, err := ParseRecord(s.Record("example.com."))
	if err != nil || back.Serial <= sh.Serial || len(back.Out) != 0 {
		t.Fatalf("after restore: %+v %v", back, err)
	}
	if !other.Adopt("example.com.", []string{"bind", "knot"}, back) || other.IsDropped("knot", "example.com.") {
		t.Fatal("restore not adopted")
	}
	for _, bad := range []string{`"v=spf1 -all"`, `"zonecast-failover=1"`, `"zonecast-failover=1" "serial=x"`, `"zonecast-failover=1" "serial=5" "out=;nope"`} {
		rec.Data = []string{bad}
		if _, err := ParseRecord(rec); err == nil {
			t.Errorf("%s: parsed", bad)
		}
	}
}
