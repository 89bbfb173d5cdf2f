package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/zonecast/zonecast/internal/engine"
)

// changedSince narrows b to the zones whose files changed since ref, as git
// sees them in the repository holding the configuration file: the files
// that differ between the merge base of ref and HEAD and the working tree
// (committed on this branch or not), and the untracked ones. The merge
// base, not ref itself: on a pull request's branch, what main gained since
// the branch left it is not this change. It returns how many zones are
// left, having said on stderr which base it compared with.
func changedSince(ctx context.Context, ios *streams, b *engine.Base, ref string) (int, error) {
	dir := filepath.Dir(b.Config.File)
	top, err := git(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return 0, fmt.Errorf("--changed-since %s: the configuration %s is not in a git repository: %w", ref, b.Config.File, err)
	}
	top = strings.TrimSpace(top)
	base, err := git(ctx, top, "merge-base", ref, "HEAD")
	if err != nil {
		return 0, fmt.Errorf("--changed-since %s: %w", ref, err)
	}
	base = strings.TrimSpace(base)
	diff, err := git(ctx, top, "diff", "--name-only", "--no-renames", "-z", base, "--")
	if err != nil {
		return 0, fmt.Errorf("--changed-since %s: %w", ref, err)
	}
	untracked, err := git(ctx, top, "ls-files", "--others", "--exclude-standard", "-z")
	if err != nil {
		return 0, fmt.Errorf("--changed-since %s: %w", ref, err)
	}
	var files []string
	for _, f := range strings.Split(diff+untracked, "\x00") {
		if f != "" {
			files = append(files, filepath.Join(top, filepath.FromSlash(f)))
		}
	}
	all := len(b.Origins)
	n, err := b.Changed(ctx, files)
	if err != nil {
		return 0, err
	}
	short := base
	if len(short) > 12 {
		short = short[:12]
	}
	ios.say(slog.LevelInfo, fmt.Sprintf("zonecast: --changed-since %s (merge base %s): %d of %d zones changed", ref, short, n, all),
		"ref", ref, "base", base, "zones", n)
	return n, nil
}

// git runs git in dir and returns its output; its error says what git said.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(errb.String()); msg != "" {
			return "", errors.New("git " + args[0] + ": " + msg)
		}
		return "", fmt.Errorf("git %s: %w", args[0], err)
	}
	return out.String(), nil
}
