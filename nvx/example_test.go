package nvx_test

import (
	"fmt"

	"github.com/autobahn-go/autobahn/nvx"
	_ "github.com/autobahn-go/autobahn/xor" // registers the "xor" kernel
)

// Run a check against every implementation of a kernel that this machine
// can run, then go back to the automatic choice.
func ExampleSelect() {
	for _, name := range nvx.List("xor") {
		if err := nvx.Select("xor", name); err != nil {
			panic(err)
		}
		// ... call xor.Mask and compare ...
	}
	nvx.Reset("xor")
	fmt.Println(nvx.Selected("xor") == "")
	// Output: true
}

func ExampleReport() {
	fmt.Print(nvx.Report())
}
