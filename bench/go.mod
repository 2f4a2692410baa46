module github.com/autobahn-go/autobahn/bench

go 1.26

replace github.com/autobahn-go/autobahn => ../

require (
	github.com/autobahn-go/autobahn v0.0.0-00010101000000-000000000000
	github.com/coder/websocket v1.8.15
	github.com/gammazero/nexus/v3 v3.3.0
	github.com/gobwas/ws v1.5.0
	github.com/gorilla/websocket v1.5.3
	github.com/lxzan/gws v1.8.9
	github.com/minio/simdjson-go v0.4.5
	github.com/panjf2000/gnet/v2 v2.9.7
	github.com/segmentio/asm v1.2.1
	github.com/tidwall/evio v1.0.8
)

require (
	github.com/dolthub/maphash v0.1.0 // indirect
	github.com/dsnet/compress v0.0.1 // indirect
	github.com/gammazero/deque v1.2.1 // indirect
	github.com/gobwas/httphead v0.1.0 // indirect
	github.com/kavu/go_reuseport v1.5.0 // indirect
	github.com/klauspost/compress v1.20.4 // indirect
	github.com/klauspost/cpuid/v2 v2.4.2 // indirect
	github.com/panjf2000/ants/v2 v2.11.3 // indirect
	github.com/philhofer/fwd v1.2.0 // indirect
	github.com/tinylib/msgp v1.6.5 // indirect
	github.com/ugorji/go/codec v1.3.1 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	github.com/xdg-go/stringprep v1.0.4 // indirect
	go.uber.org/multierr v1.11.0 // indirect
	go.uber.org/zap v1.27.0 // indirect
	golang.org/x/crypto v0.55.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/text v0.41.0 // indirect
	gopkg.in/natefinch/lumberjack.v2 v2.2.1 // indirect
)
