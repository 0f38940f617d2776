package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
)

// busyArg makes the bench binary a busy child (-busy-cpus): it spins one
// core until its parent closes its stdin (or dies, which closes it too).
const busyArg = "busy-child"

// busyChild spins on one OS thread until stdin reaches EOF.
func busyChild() int {
	runtime.GOMAXPROCS(2) // one spinning, one reading stdin
	done := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(done) }()
	for x := uint64(0); ; x++ {
		if x%(1<<20) == 0 {
			select {
			case <-done:
				return 0
			default:
			}
		}
	}
}

// startBusy starts n busy children — other work on the machine, in separate
// processes scheduled by the kernel like any other — for "under load"
// figures that can be reproduced; stop ends them.
func startBusy(ctx context.Context, n int) (stop func(), err error) {
	var pipes []io.Closer
	var cmds []*exec.Cmd
	stop = func() {
		for _, p := range pipes {
			_ = p.Close()
		}
		for _, c := range cmds {
			_ = c.Wait()
		}
	}
	for range n {
		c := exec.CommandContext(ctx, os.Args[0], busyArg)
		in, err := c.StdinPipe()
		if err != nil {
			stop()
			return nil, err
		}
		if err := c.Start(); err != nil {
			stop()
			return nil, fmt.Errorf("-busy-cpus: %w", err)
		}
		pipes, cmds = append(pipes, in), append(cmds, c)
	}
	return stop, nil
}
