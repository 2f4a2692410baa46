module github.com/autobahn-go/autobahn

go 1.25.0

require (
	github.com/dsnet/compress v0.0.1
	github.com/fxamacker/cbor/v2 v2.10.0
	github.com/google/flatbuffers v2.0.8+incompatible
	github.com/klauspost/compress v1.20.4
	github.com/klauspost/cpuid/v2 v2.4.2
	github.com/tinylib/msgp v1.6.5
	github.com/xdg-go/stringprep v1.0.4
	golang.org/x/crypto v0.55.0
	golang.org/x/sys v0.47.0
)

require (
	github.com/philhofer/fwd v1.2.0 // indirect
	github.com/x448/float16 v0.8.4 // indirect
	golang.org/x/text v0.41.0 // indirect
)
