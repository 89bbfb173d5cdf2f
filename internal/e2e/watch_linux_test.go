package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"unsafe"
)

// writeWatch counts, with inotify, the writes of one file in a folder: a
// file renamed over it (zonecast's atomic write) or written in place and
// closed.
type writeWatch struct {
	fd, wd int
	dir    string
	name   string
	marks  int
}

func watchWrites(t *testing.T, dir, name string) *writeWatch {
	t.Helper()
	fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC)
	if err != nil {
		t.Fatalf("inotify: %v", err)
	}
	wd, err := syscall.InotifyAddWatch(fd, dir, syscall.IN_MOVED_TO|syscall.IN_CLOSE_WRITE|syscall.IN_CREATE)
	if err != nil {
		syscall.Close(fd)
		t.Fatalf("inotify watch %s: %v", dir, err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	return &writeWatch{fd: fd, wd: wd, dir: dir, name: name}
}

// count returns how many times the file was written since the last call.
// It first creates a marker file and reads events until the marker's, so
// that every event of what ran before the call has been read.
func (w *writeWatch) count(t *testing.T) int {
	t.Helper()
	w.marks++
	mark := ".e2e-mark-" + strconv.Itoa(w.marks)
	if err := os.WriteFile(filepath.Join(w.dir, mark), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(filepath.Join(w.dir, mark))
	n := 0
	buf := make([]byte, 64*1024)
	for {
		got, err := syscall.Read(w.fd, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			t.Fatalf("read inotify events: %v", err)
		}
		for off := 0; off+syscall.SizeofInotifyEvent <= got; {
			ev := (*syscall.InotifyEvent)(unsafe.Pointer(&buf[off]))
			nameBytes := buf[off+syscall.SizeofInotifyEvent : off+syscall.SizeofInotifyEvent+int(ev.Len)]
			name := string(bytes.TrimRight(nameBytes, "\x00"))
			off += syscall.SizeofInotifyEvent + int(ev.Len)
			switch {
			case ev.Mask&syscall.IN_Q_OVERFLOW != 0:
				t.Fatalf("inotify queue overflow: the writes of %s cannot be counted", w.name)
			case name == mark && ev.Mask&syscall.IN_CLOSE_WRITE != 0:
				return n
			case name == w.name && ev.Mask&(syscall.IN_MOVED_TO|syscall.IN_CLOSE_WRITE) != 0:
				n++
			}
		}
	}
}

func inode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}
