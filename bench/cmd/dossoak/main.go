// Command dossoak runs the DoS checklist of issue 15 (the rows of
// internal/wsconf/dos_cases.go, longer and from outside) against running
// echo servers, every row of every server at once, and prints a table:
// one line per row, one column per server, each cell "ok" or "FAIL" with
// what was seen (a close code, how long until the server let go, how much
// it took in). Loopback only; every row is bounded (-max, default 80 s).
//
//	dossoak -max 80s std=ws://127.0.0.1:9101/echo loop=ws://127.0.0.1:9102/echo gorilla=ws://127.0.0.1:9103/echo
//
// The servers are assumed to run with a 1 MiB message limit, a 2 s
// handshake timeout and 2 s + 2 s keepalive (bench/soak.sh starts them so);
// a row a server cannot take part in (an extension it does not offer) is
// "n/a".
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// A target is a server under attack.
type target struct {
	name, addr, path string
}

// A row attacks one target and says what happened.
type row struct {
	name string
	run  func(tg target) (ok bool, what string)
}

var maxRow = flag.Duration("max", 80*time.Second, "bound on every row")

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: dossoak [-max 80s] name=ws://host:port/path ...")
		flag.PrintDefaults()
	}
	flag.Parse()
	var tgs []target
	for _, a := range flag.Args() {
		name, u, ok := strings.Cut(a, "=")
		hostPath, ok2 := strings.CutPrefix(u, "ws://")
		if !ok || !ok2 {
			flag.Usage()
			os.Exit(2)
		}
		host, path, _ := strings.Cut(hostPath, "/")
		tgs = append(tgs, target{name, host, "/" + path})
	}
	if len(tgs) == 0 {
		flag.Usage()
		os.Exit(2)
	}
	res := make([][]string, len(rows))
	var wg sync.WaitGroup
	for i, r := range rows {
		res[i] = make([]string, len(tgs))
		for j, tg := range tgs {
			wg.Go(func() {
				ok, what := r.run(tg)
				mark := "ok"
				if !ok {
					mark = "FAIL"
				}
				if what == "n/a" {
					mark, what = "n/a", ""
				}
				res[i][j] = strings.TrimSpace(fmt.Sprintf("%s %s", mark, what))
			})
		}
	}
	wg.Wait()
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "| row")
	for _, tg := range tgs {
		fmt.Fprintf(tw, "\t| %s", tg.name)
	}
	fmt.Fprintln(tw, "\t|")
	fmt.Fprint(tw, "|---")
	for range tgs {
		fmt.Fprint(tw, "\t|---")
	}
	fmt.Fprintln(tw, "\t|")
	for i, r := range rows {
		fmt.Fprintf(tw, "| %s", r.name)
		for j := range tgs {
			fmt.Fprintf(tw, "\t| %s", res[i][j])
		}
		fmt.Fprintln(tw, "\t|")
	}
	_ = tw.Flush()
}
