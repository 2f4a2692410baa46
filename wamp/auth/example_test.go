package auth_test

import (
	"fmt"

	"github.com/autobahn-go/autobahn/wamp/auth"
)

// A WAMP-SCRAM exchange, both sides: the router stores a credential, the
// client proves it knows the password, the router proves it knows the
// credential.
func Example_scram() {
	// Router, once: derive and store the credential (not the password).
	cred, _ := auth.NewSCRAMCredential(auth.KDFPBKDF2, "s3cret", "c2FsdA==", 4096, 0)

	// Client, HELLO: a nonce. Router, CHALLENGE: its nonce and the KDF.
	clientNonce := auth.SCRAMNonce()
	serverNonce := auth.SCRAMServerNonce(clientNonce)

	// Both sides build the same AuthMessage.
	authID, _ := auth.SASLprep("joe")
	msg := auth.SCRAMAuthMessage(authID, clientNonce, serverNonce, cred.Salt, cred.Iterations, "")

	// Client, AUTHENTICATE: the proof.
	salted, _ := auth.SCRAMSaltedPassword(cred.KDF, "s3cret", cred.Salt, cred.Iterations, cred.Memory)
	proof := auth.SCRAMClientProof(salted, msg)

	// Router: verify, and WELCOME with its own signature, which the client checks.
	fmt.Println("client ok:", cred.Verify(msg, proof))
	fmt.Println("router ok:", auth.SCRAMVerifyServer(salted, msg, cred.ServerSignature(msg)))
	// Output:
	// client ok: true
	// router ok: true
}

// WAMP-CRA with a salted secret: the router keeps only the derived key.
func Example_cra() {
	key, _ := auth.DeriveCRAKey("secret123", "salt123", 100, 16) // router config and client alike
	challenge := `{"x":1}`                                       // auth.CRAChallenge builds Crossbar's
	sig := auth.SignCRA(key, challenge)                          // client
	fmt.Println(string(key), sig, auth.VerifyCRA(key, challenge, sig))
	// Output: DpHHRlQ6UNULJlP9J8WkPw== lRmy3MOI3QvYfjbtuHmFyzty99vdZZ36pGjpQPw1Na4= true
}
