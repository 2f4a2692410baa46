// Package auth holds the math of WAMP authentication for both sides, the
// client that answers a CHALLENGE and the router that sends it and checks
// the AUTHENTICATE answer: ticket, WAMP-CRA ("wampcra"), WAMP-SCRAM
// ("scram") and WAMP-cryptosign ("cryptosign"), computed as
// Autobahn|Python and Crossbar.io do, and the TLS channel binding data
// that SCRAM and cryptosign can mix in.
//
// The package does no I/O and keeps no state: sessions (wamp/client,
// wamp/router) carry the nonces and keys between HELLO, CHALLENGE,
// AUTHENTICATE and WELCOME.
//
// # Ticket
//
// The client sends the ticket as is; the router compares it with
// VerifyTicket, in time independent of where the texts differ.
//
// # WAMP-CRA
//
// The router sends a challenge string (CRAChallenge builds the JSON text
// Crossbar sends); the client answers SignCRA(key, challenge), the base64
// of HMAC-SHA256. With salted secrets the key is DeriveCRAKey(secret, salt,
// iterations, keylen), the base64 of PBKDF2-SHA256; the router stores that
// derived key, never the password, and sends salt, iterations and keylen
// in the CHALLENGE. VerifyCRA checks an answer.
//
// # WAMP-SCRAM
//
// RFC 5802 with SHA-256 and the WAMP KDFs "argon2id-13" (Argon2id v1.3,
// parallelism 1) and "pbkdf2" (PBKDF2-SHA256), as Autobahn|Python's
// AuthScram and Crossbar's PendingAuthScram compute them: the client sends
// a nonce in HELLO, the router answers with a longer nonce (SCRAMServerNonce),
// the salt, the KDF and its costs; both build the same SCRAMAuthMessage; the
// client proves it knows the password (SCRAMClientProof) without sending
// it; the router checks the proof against the stored key
// (SCRAMCredential.Verify) and proves in WELCOME.Details.authextra that it
// knows the password's server key (SCRAMCredential.ServerSignature), which
// the client checks (SCRAMVerifyServer). SCRAMNonceExtends accepts both
// forms of the router's nonce in use: the client's text extended (RFC
// 5802, this package's routers) and Crossbar's base64 of the client's
// octets extended.
//
// Both sides of one exchange, in short:
//
//	cred, _ := auth.NewSCRAMCredential(auth.KDFPBKDF2, "s3cret", "", 4096, 0) // router config
//	cn := auth.SCRAMNonce()                                                      // client: HELLO
//	sn := auth.SCRAMServerNonce(cn)                                              // router: CHALLENGE
//	msg := auth.SCRAMAuthMessage("joe", cn, sn, cred.Salt, cred.Iterations, "") // both
//	salted, _ := auth.SCRAMSaltedPassword(cred.KDF, "s3cret", cred.Salt, cred.Iterations, 0)
//	proof := auth.SCRAMClientProof(salted, msg)                                  // client: AUTHENTICATE
//	ok := cred.Verify(msg, proof)                                                // router
//	sig := cred.ServerSignature(msg)                                             // router: WELCOME
//	ok = auth.SCRAMVerifyServer(salted, msg, sig)                                // client
//
// Channel binding (RFC 5929, RFC 9266): with a binding the AuthMessage's
// c= attribute is SCRAMCBind(type, data) instead of Autobahn's empty one,
// and the client sends the binding data in AUTHENTICATE.Extra.cbind_data,
// which the router compares with its own view of the connection
// (ChannelBindingData). Both sides support "tls-unique" (TLS 1.2 and lower)
// and "tls-exporter" (TLS 1.3); "tls-server-end-point" needs the server's
// certificate (TLSServerEndPoint), which a client reads from the
// connection and a router must be given. Crossbar does not implement SCRAM
// channel binding; Autobahn's clients send none.
//
// # WAMP-cryptosign
//
// The router sends 32 random octets in hex (CryptosignChallenge); the
// client signs them with its Ed25519 key and answers hex(signature ||
// signed data) (CryptosignSign); the router checks the signature against
// the public keys it authorizes (CryptosignVerify). With the "tls-unique"
// binding the signed data is the challenge XOR SHA-256(tls-unique)
// (CryptosignChannelID), as Autobahn computes it. Not covered: cryptosign
// router authentication with certificates and trust roots (the client's
// own challenge in authextra), and other bindings for cryptosign.
package auth
