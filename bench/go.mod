module github.com/autobahn-go/autobahn/bench

go 1.26

replace github.com/autobahn-go/autobahn => ../

require (
	github.com/autobahn-go/autobahn v0.0.0-00010101000000-000000000000
	github.com/gobwas/ws v1.5.0
)

require (
	github.com/gobwas/httphead v0.1.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
)
