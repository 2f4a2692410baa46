package router

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"strconv"
	"sync"

	"github.com/autobahn-go/autobahn/wamp/auth"
)

// newSCRAMCredential derives a SCRAM credential from a password (a
// variable for the tests, which count derivations).
var newSCRAMCredential = auth.NewSCRAMCredential

// maxSCRAMCache bounds the credentials a router keeps derived from the
// Passwords of dynamic SCRAM principals, and maxSCRAMDerivations the
// derivations under way at once.
const (
	maxSCRAMCache       = 1024
	maxSCRAMDerivations = 2
)

// scramCache keeps the credentials derived from the Passwords a dynamic
// Authenticator returns. The Authenticator runs on HELLO, before the
// client has proved anything: deriving its Password (Argon2, PBKDF2) anew
// each time let any client make the router spend a derivation's CPU and
// memory per HELLO. A credential is derived once per password, salt and
// costs (concurrent HELLOs wait for the one derivation), at most
// maxSCRAMDerivations at a time; past maxSCRAMCache entries one is
// dropped. Entries are keyed by an HMAC under a random key, so that the
// cache holds no fast hash of a password.
type scramCache struct {
	once sync.Once
	key  []byte
	sem  chan struct{}

	mu sync.Mutex
	m  map[[sha256.Size]byte]*scramEntry
}

type scramEntry struct {
	done chan struct{} // closed once cred and err are set
	cred *auth.SCRAMCredential
	err  error
}

// credential returns the credential of password with salt (base64, empty
// for a random one chosen once) and the costs, deriving it when it is not
// cached. It waits for ctx's end at most.
func (c *scramCache) credential(ctx context.Context, kdf, password, salt string, iterations, memory int) (*auth.SCRAMCredential, error) {
	c.once.Do(func() {
		c.key = make([]byte, 32)
		_, _ = rand.Read(c.key) // never fails (crypto/rand)
		c.sem = make(chan struct{}, maxSCRAMDerivations)
		c.m = map[[sha256.Size]byte]*scramEntry{}
	})
	h := hmac.New(sha256.New, c.key)
	for _, s := range []string{kdf, salt, strconv.Itoa(iterations), strconv.Itoa(memory), password} {
		h.Write([]byte(strconv.Itoa(len(s)) + ":" + s))
	}
	var k [sha256.Size]byte
	h.Sum(k[:0])
	c.mu.Lock()
	for e := c.m[k]; e != nil; e = c.m[k] {
		c.mu.Unlock()
		select {
		case <-e.done:
			if e.err == nil || !isContextErr(e.err) {
				return e.cred, e.err
			}
			// The session that derived it left while it waited for
			// its turn: this one tries again.
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		c.mu.Lock()
	}
	if len(c.m) >= maxSCRAMCache {
		for old, oe := range c.m { // one derived entry, whichever
			select {
			case <-oe.done:
				delete(c.m, old)
			default:
				continue
			}
			break
		}
	}
	e := &scramEntry{done: make(chan struct{})}
	c.m[k] = e
	c.mu.Unlock()
	select {
	case c.sem <- struct{}{}:
		e.cred, e.err = newSCRAMCredential(kdf, password, salt, iterations, memory)
		<-c.sem
	case <-ctx.Done():
		e.err = ctx.Err()
	}
	if e.err != nil {
		// Not kept (before the waiters see it): a later HELLO tries
		// again (an error of the costs costs no derivation).
		c.mu.Lock()
		if c.m[k] == e {
			delete(c.m, k)
		}
		c.mu.Unlock()
	}
	close(e.done)
	return e.cred, e.err
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
