package router_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// Sessions of the same static WAMP-CRA principal authenticate at the same
// time, each on its reader: the realm's compiled principal is shared and
// must only be read (the race detector tells; every principal is a fresh
// chance: the first authentication of each used to write into it).
func TestReviewConcurrentCRASamePrincipal(t *testing.T) {
	const principals, each = 16, 2
	cra := map[string]router.CRAPrincipal{}
	for i := range principals {
		cra[fmt.Sprint("user", i)] = router.CRAPrincipal{Secret: "s3cret", Role: "user"}
	}
	r := newRouter(t, func(c *router.Config) {
		c.Realms[0].AllowAnonymous = false
		c.Realms[0].CRA = cra
	})
	var wg sync.WaitGroup
	for i := range principals {
		for range each {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := client.Join(ctxT(t), r.Connect(), realm1, client.JoinOptions{AuthID: fmt.Sprint("user", i),
					Authenticators: []client.Authenticator{&client.CRA{Secret: "s3cret"}}})
				if err != nil {
					t.Error(err)
					return
				}
				if got := s.Details()["authprovider"]; got != "static" {
					t.Errorf("authprovider %v, want static", got)
				}
				s.Close()
			}()
		}
	}
	wg.Wait()
}
