//go:build linux && !race

package rawio

func raceRecv(int, []byte) {}
func raceSendBefore()      {}
func raceSent([]byte)      {}
