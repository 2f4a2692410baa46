// Package testcert makes throwaway TLS certificates for tests: a CA, and
// server and client certificates it signs, made fresh in memory (ECDSA
// P-256, valid for an hour), so tests need no key files.
package testcert
