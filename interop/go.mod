module github.com/autobahn-go/autobahn/interop

go 1.25.0

replace github.com/autobahn-go/autobahn => ../

require (
	github.com/autobahn-go/autobahn v0.0.0-00010101000000-000000000000
	github.com/coder/websocket v1.8.15
	github.com/gammazero/nexus/v3 v3.3.0
	github.com/gorilla/websocket v1.5.3
)

require (
	github.com/dsnet/compress v0.0.1 // indirect
	github.com/gammazero/deque v1.2.1 // indirect
	github.com/google/flatbuffers v2.0.8+incompatible // indirect
	github.com/klauspost/compress v1.20.4 // indirect
	github.com/philhofer/fwd v1.2.0 // indirect
	github.com/tinylib/msgp v1.6.5 // indirect
	github.com/ugorji/go/codec v1.3.1 // indirect
	github.com/xdg-go/stringprep v1.0.4 // indirect
	golang.org/x/crypto v0.55.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)
