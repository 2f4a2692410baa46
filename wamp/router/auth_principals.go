package router

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/auth"
)

// principal is a checked, decoded user: what a challenge is made from.
type principal struct {
	authid   string
	role     string
	extra    wamp.Dict
	provider string
	craKey   []byte
	craSalt  string
	craIter  int
	craLen   int
	scram    *auth.SCRAMCredential
	keys     []ed25519.PublicKey
}

// providerName is pr's authprovider: "static" unless set. A realm's
// static principals are shared by the sessions authenticating
// concurrently: they are only read.
func (pr *principal) providerName() string {
	if pr.provider == "" {
		return "static"
	}
	return pr.provider
}

// realmAuth holds a realm's static principals, decoded once by New.
type realmAuth struct {
	cra        map[string]*principal
	scram      map[string]*principal
	cryptosign map[string]*principal
	byKey      map[string]string // hex public key → authid
}

func role(r string) string {
	if r == "" {
		return "user"
	}
	return r
}

// principal returns the static principal authid of method, nil if there
// is none.
func (ra *realmAuth) principal(method, authid string) *principal {
	switch method {
	case "wampcra":
		return ra.cra[authid]
	case "scram":
		return ra.scram[authid]
	case "cryptosign":
		return ra.cryptosign[authid]
	}
	return nil
}

// Bounds of the KDF costs a principal may ask of clients (and, for a
// SCRAM Password, of the router): the configuration loader's, and what
// wamp/client and wamp/auth derive at most (auth.MaxPBKDF2Work, ...).
const (
	maxCRAKeyLen    = 1024                 // octets
	maxKDFWork      = auth.MaxPBKDF2Work   // PBKDF2 iterations times 32-octet blocks
	maxArgon2Memory = auth.MaxArgon2Memory // KiB
	maxArgon2Work   = auth.MaxArgon2Work   // iterations times KiB
	scramCostBounds = "pbkdf2 iterations at most 1<<24; argon2id-13 memory at most 1<<22 KiB and iterations × memory at most 1<<23"
)

// scramCostsBounded refuses SCRAM costs past the bounds: clients refuse
// to derive them, and for a Password the router would derive them itself.
func scramCostsBounded(c *SCRAMPrincipal) error {
	bad := c.Iterations > maxKDFWork
	if c.KDF != auth.KDFPBKDF2 { // argon2id-13, also spelled argon2id13
		bad = bad || c.Memory > maxArgon2Memory || (c.Memory > 0 && c.Iterations > maxArgon2Work/c.Memory)
	}
	if bad {
		return fmt.Errorf("scram principal: kdf %q with iterations %d, memory %d KiB: costs past the bounds (%s), which clients refuse to derive",
			c.KDF, c.Iterations, c.Memory, scramCostBounds)
	}
	return nil
}

// errEmptyAuthID refuses a principal without authid: a HELLO without
// one would join as it, with the empty authid.
var errEmptyAuthID = errors.New("empty authid")

// errReservedRole refuses the router's own role (internal_caller.go) for
// a principal: every join with it is refused at WELCOME.
var errReservedRole = fmt.Errorf("role %q is reserved for the router's own sessions (a callee takes caller_authrole %q for the router)", internalAuthRole, internalAuthRole)

// compilePrincipal decodes p's credentials for method. A SCRAM Password
// is derived by derive (nil: newSCRAMCredential).
func compilePrincipal(method, authid string, p *Principal, derive func(kdf, password, salt string, iterations, memory int) (*auth.SCRAMCredential, error)) (*principal, error) {
	if authid == "" {
		return nil, errEmptyAuthID
	}
	pr := &principal{authid: authid, role: role(p.AuthRole), extra: p.Extra}
	switch method {
	case "wampcra":
		c := p.CRA
		if c == nil || c.Secret == "" {
			return nil, errors.New("wampcra principal without secret")
		}
		pr.craKey = []byte(c.Secret)
		if c.Salt != "" {
			pr.craSalt, pr.craIter, pr.craLen = c.Salt, c.Iterations, c.KeyLen
			if pr.craIter <= 0 {
				pr.craIter = auth.DefaultCRAIterations
			}
			if pr.craLen <= 0 {
				pr.craLen = auth.DefaultCRAKeyLen
			}
			// The configuration loader's bounds, and the PBKDF2 work a
			// client derives at most (wamp/client refuses more).
			if pr.craLen > maxCRAKeyLen || pr.craIter > maxKDFWork/((pr.craLen+31)/32) {
				return nil, fmt.Errorf("wampcra salted secret: keylen %d (at most %d) with iterations %d: more than %d PBKDF2 blocks, which clients refuse to derive",
					pr.craLen, maxCRAKeyLen, pr.craIter, maxKDFWork)
			}
		}
	case "scram":
		c := p.SCRAM
		if c == nil {
			return nil, errors.New("scram principal without credentials")
		}
		salt, err := hex.DecodeString(c.Salt)
		if err != nil {
			return nil, errors.New("scram salt is not hex")
		}
		if err := scramCostsBounded(c); err != nil {
			return nil, err
		}
		if c.Password != "" {
			b64 := ""
			if len(salt) > 0 {
				b64 = base64.StdEncoding.EncodeToString(salt)
			}
			if derive == nil {
				derive = newSCRAMCredential
			}
			if pr.scram, err = derive(c.KDF, c.Password, b64, c.Iterations, c.Memory); err != nil {
				return nil, err
			}
			break
		}
		stored, err1 := hex.DecodeString(c.StoredKey)
		server, err2 := hex.DecodeString(c.ServerKey)
		if err1 != nil || err2 != nil || len(stored) != 32 || len(server) != 32 || len(salt) == 0 {
			return nil, errors.New("scram principal needs salt, stored-key and server-key (hex, 32 octets), or a password")
		}
		if c.KDF != auth.KDFPBKDF2 && c.KDF != auth.KDFArgon2id13 || c.Iterations <= 0 || (c.KDF == auth.KDFArgon2id13 && c.Memory <= 0) {
			return nil, fmt.Errorf("scram principal: kdf %q with iterations %d, memory %d", c.KDF, c.Iterations, c.Memory)
		}
		pr.scram = &auth.SCRAMCredential{KDF: c.KDF, Salt: base64.StdEncoding.EncodeToString(salt),
			Iterations: c.Iterations, Memory: c.Memory, StoredKey: stored, ServerKey: server}
	case "cryptosign":
		c := p.Cryptosign
		if c == nil || len(c.AuthorizedKeys) == 0 {
			return nil, errors.New("cryptosign principal without authorized_keys")
		}
		for _, k := range c.AuthorizedKeys {
			pub, err := auth.ParsePublicKey(k)
			if err != nil {
				return nil, err
			}
			pr.keys = append(pr.keys, pub)
		}
	}
	return pr, nil
}

// compileAuth checks and decodes the static principals of rc.
func compileAuth(rc *RealmConfig) (*realmAuth, error) {
	ra := &realmAuth{byKey: map[string]string{}}
	bad := func(method, authid string, err error) error {
		return fmt.Errorf("wamp/router: realm %q: %s principal %q: %v", rc.Name, method, authid, err)
	}
	if rc.AnonymousRole == internalAuthRole {
		return nil, fmt.Errorf("wamp/router: realm %q: AnonymousRole: %v", rc.Name, errReservedRole)
	}
	for id, p := range rc.Tickets {
		if id == "" {
			return nil, bad("ticket", id, errEmptyAuthID)
		}
		if p.Role == internalAuthRole {
			return nil, bad("ticket", id, errReservedRole)
		}
		if p.Ticket == "" {
			// An empty AUTHENTICATE would match it: anyone could join
			// as id (a wampcra principal needs a secret too).
			return nil, bad("ticket", id, errors.New("empty ticket"))
		}
	}
	if rc.CRA != nil {
		ra.cra = map[string]*principal{}
		for id, c := range rc.CRA {
			pr, err := compilePrincipal("wampcra", id, &Principal{AuthRole: c.Role, CRA: &c}, nil)
			if err != nil {
				return nil, bad("wampcra", id, err)
			}
			if pr.role == internalAuthRole {
				return nil, bad("wampcra", id, errReservedRole)
			}
			ra.cra[id] = pr
		}
	}
	if rc.SCRAM != nil {
		ra.scram = map[string]*principal{}
		for id, c := range rc.SCRAM {
			pr, err := compilePrincipal("scram", id, &Principal{AuthRole: c.Role, SCRAM: &c}, nil)
			if err != nil {
				return nil, bad("scram", id, err)
			}
			if pr.role == internalAuthRole {
				return nil, bad("scram", id, errReservedRole)
			}
			ra.scram[id] = pr
		}
	}
	if rc.Cryptosign != nil {
		ra.cryptosign = map[string]*principal{}
		for id, c := range rc.Cryptosign {
			pr, err := compilePrincipal("cryptosign", id, &Principal{AuthRole: c.Role, Cryptosign: &c}, nil)
			if err != nil {
				return nil, bad("cryptosign", id, err)
			}
			if pr.role == internalAuthRole {
				return nil, bad("cryptosign", id, errReservedRole)
			}
			for _, k := range pr.keys {
				h := hex.EncodeToString(k)
				if other, dup := ra.byKey[h]; dup {
					return nil, bad("cryptosign", id, fmt.Errorf("key %s is also authorized for %q", h, other))
				}
				ra.byKey[h] = id
			}
			ra.cryptosign[id] = pr
		}
	}
	for m, a := range rc.Authenticators {
		switch m {
		case "ticket", "wampcra", "scram", "cryptosign":
		default:
			return nil, fmt.Errorf("wamp/router: realm %q: no dynamic authentication for authmethod %q", rc.Name, m)
		}
		if pa, ok := a.(*ProcedureAuthenticator); ok {
			if err := procedureUsable(pa.Procedure); err != nil { // auth_dynamic.go
				return nil, fmt.Errorf("wamp/router: realm %q: %s authenticator: %v", rc.Name, m, err)
			}
		}
	}
	return ra, nil
}
