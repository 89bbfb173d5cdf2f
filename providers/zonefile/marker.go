package zonefile

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/zonecast/zonecast/providers"
)

// Marker implements providers.Marker: the SHA-256 of the zone's file and
// its size, "sha256:HEX size:N", so that any edit of the file, by zonecast
// or by hand, is a new marker. A zone without a file is
// providers.ErrZoneNotFound. A file that has an $INCLUDE gets no marker
// (an error): an edit of the included file would not change it.
func (p *Provider) Marker(_ context.Context, origin string) (string, error) {
	path := p.Path(origin)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", providers.ErrZoneNotFound
	}
	if err != nil {
		return "", err
	}
	if bytes.Contains(bytes.ToUpper(b), []byte("$INCLUDE")) {
		return "", fmt.Errorf("%s has an $INCLUDE: no marker covers the included file", path)
	}
	sum := sha256.Sum256(b)
	return fmt.Sprintf("sha256:%s size:%d", hex.EncodeToString(sum[:]), len(b)), nil
}
