//go:build race

package rawio

const race = true
