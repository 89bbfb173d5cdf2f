// Package cli holds zonecast's commands: one file per cobra command, each
// with an options struct, a constructor that only declares flags and a run
// function that does the work. Exit codes are decided in one place, [Main].
// It holds no DNS logic of its own.
package cli
