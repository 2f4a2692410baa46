package router

import (
	"fmt"
	"slices"

	"github.com/autobahn-go/autobahn/wamp"
)

// Reload replaces the authentication and authorization of the router's
// realms with cfg's, without touching a session: each realm's
// AllowAnonymous, AnonymousRole, Tickets, CRA, SCRAM, Cryptosign,
// Authenticators and Roles, and the authentication of every endpoint
// (EndpointConfig.Realms; cfg.Endpoints must name the same endpoints, on
// the same Listeners) and its MaxSessions (a lower bound ends no session:
// it refuses new ones until fewer remain). Sessions that joined before
// stay joined; the next HELLO, AUTHENTICATE (a CHALLENGE sent before is
// answered against the new static principals: one removed fails, as
// does one, or an Authenticator's answer in flight, whose method's
// Authenticator is removed) and
// CALL, REGISTER, PUBLISH or SUBSCRIBE of every session follow the new
// configuration (a session whose role is gone is denied everything), and
// no Authorizer decision cached before is used again. cfg must name the same realms as the router's
// configuration; every other field of RealmConfig and Config keeps the
// value New was given. On an error nothing changes.
func (r *Router) Reload(cfg Config) error {
	r.reloadMu.Lock()
	defer r.reloadMu.Unlock()
	type update struct {
		rm *realm
		rc *RealmConfig
		az *authorization
	}
	ups := make([]update, 0, len(cfg.Realms))
	seen := map[wamp.URI]bool{}
	for i := range cfg.Realms {
		rc := cfg.Realms[i]
		rm := r.realms[rc.Name]
		if rm == nil {
			return fmt.Errorf("wamp/router: reload: realm %q is new (adding realms needs a restart)", rc.Name)
		}
		if seen[rc.Name] {
			return fmt.Errorf("wamp/router: reload: realm %q configured twice", rc.Name)
		}
		seen[rc.Name] = true
		ra, err := compileAuth(&rc)
		if err != nil {
			return err
		}
		rc.auth = ra
		az, err := compileRoles(&rc)
		if err != nil {
			return err
		}
		ups = append(ups, update{rm, &rc, az})
	}
	var missing []string
	for name := range r.realms {
		if !seen[name] {
			missing = append(missing, string(name))
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("wamp/router: reload: realms %q are missing (removing realms needs a restart)", missing)
	}
	storeEndpoints, err := r.reloadEndpoints(cfg.Endpoints) // endpoint.go
	if err != nil {
		return err
	}
	storeEndpoints()
	for _, u := range ups {
		u.rm.authn.Store(u.rc)
		u.rm.authz.Store(u.az)
	}
	return nil
}
