package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// The idle sessions of rpc -idle N are held by a second routerload
// process (-mode hold) unless -idle-inproc: held here, their client state
// (N sessions to mark at every collection, their timers) slows the
// generator on its CPU, the calls come slower, and the router's CPU per
// call grows because its reads and writes batch fewer calls: a cost of the
// measurement, not of the router's idle sessions. The holder inherits the
// CPU affinity (taskset) and environment (GOMAXPROCS) and, once joined,
// does nothing.

// hold joins -sessions idle sessions, prints "joined N" and keeps them
// until its standard input ends (the parent closes it or exits).
func hold(ctx context.Context) {
	closeIdle, sessions := joinIdle(ctx, *sessions)
	fmt.Printf("joined %d\n", len(sessions))
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, s := range sessions {
		s.Close()
	}
	closeIdle()
}

// startHolder starts a holder of n idle sessions on -url and returns once
// they are joined; stop closes them and waits for the holder's exit.
func startHolder(n int) (stop func()) {
	exe, err := os.Executable()
	if err != nil {
		log.Fatalf("routerload: %v", err)
	}
	cmd := exec.Command(exe, "-mode", "hold", "-url", *target, "-ser", *ser, "-sessions", strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		log.Fatalf("routerload: %v", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		log.Fatalf("routerload: %v", err)
	}
	if err := cmd.Start(); err != nil {
		log.Fatalf("routerload: holder: %v", err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "joined ") {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		log.Fatalf("routerload: holder: %q %v", line, err)
	}
	return func() {
		_ = in.Close()
		_ = cmd.Wait()
	}
}
