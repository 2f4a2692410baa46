// Command wamp-cryptosign is a WAMP service that authenticates with
// WAMP-cryptosign (an Ed25519 key instead of a password) and offers one
// procedure, com.example.whoami, which tells callers who they are. It
// keeps its session joined, like any Component, until Ctrl-C.
//
// The router must know the public key: -pubkey prints it for the router's
// configuration (a cryptosign principal with that authorized key, e.g. in
// the file of `autobahn serve --config`).
//
//	go run ./examples/wamp-cryptosign -seed-file service.seed -pubkey
//	go run ./examples/wamp-cryptosign -seed-file service.seed -url ws://127.0.0.1:9000/ws
package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil && !errors.Is(err, context.Canceled) {
		log.Fatal(err)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("wamp-cryptosign", flag.ContinueOnError)
	url := fs.String("url", "ws://127.0.0.1:9000/ws", "WAMP router URL (ws, wss, rs, rss or unix)")
	realm := fs.String("realm", "realm1", "realm to join")
	authid := fs.String("authid", "service", "authid to join as")
	seedFile := fs.String("seed-file", "", "file holding the Ed25519 private key seed, 64 hex digits (required)")
	pubkey := fs.Bool("pubkey", false, "print the public key (hex) for the router's configuration and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // -h printed the usage: not a failure
		}
		return err
	}
	key, err := readSeed(*seedFile)
	if err != nil {
		return err
	}
	if *pubkey {
		fmt.Fprintln(out, hex.EncodeToString(key.Public().(ed25519.PublicKey)))
		return nil
	}
	c := &client.Component{
		URL:   *url,
		Realm: wamp.URI(*realm),
		Join: client.JoinOptions{
			AuthID:         *authid,
			Authenticators: []client.Authenticator{&client.Cryptosign{PrivateKey: key}},
		},
		OnJoin: func(ctx context.Context, s *client.Session) error {
			whoami := func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
				id, ok := inv.Caller()
				if !ok {
					return &client.Result{Args: wamp.List{"anonymous caller"}}, nil
				}
				return &client.Result{Args: wamp.List{fmt.Sprintf("session %d", id)}}, nil
			}
			if _, err := s.Register(ctx, "com.example.whoami", whoami, &client.RegisterOptions{DiscloseCaller: true}); err != nil {
				return err
			}
			fmt.Fprintf(out, "ready: joined %s as %v (role %v)\n", s.Realm(), s.Details()["authid"], s.Details()["authrole"])
			return nil
		},
	}
	return c.Run(ctx)
}

// readSeed reads a 32-byte Ed25519 seed written as hex.
func readSeed(name string) (ed25519.PrivateKey, error) {
	if name == "" {
		return nil, errors.New("-seed-file is required (make one: head -c 32 /dev/urandom | xxd -p -c 64 > service.seed)")
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%s: want %d bytes as hex", name, ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}
