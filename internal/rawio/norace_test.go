//go:build !race

package rawio

const race = false
