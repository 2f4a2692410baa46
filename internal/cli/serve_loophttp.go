package cli

import (
	"bytes"
	"net/http"
	"net/url"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// loopHTTP serves h's plain HTTP requests (the page, /metrics, /healthz)
// on the event loop's port, for --driver loop: wsloop.Server.HTTP calls it
// with a request head that is not a WebSocket upgrade. h runs on the loop,
// so it must answer at once (serve's handlers do); its answer is buffered
// and sent with Connection: close.
func loopHTTP(h http.Handler, secure bool) func(*ws.Request) wsloop.HTTPResponse {
	return func(r *ws.Request) wsloop.HTTPResponse {
		u, err := url.ParseRequestURI(string(r.Target))
		if err != nil {
			return wsloop.HTTPResponse{Status: 400, Body: []byte("bad request target\n")}
		}
		req := &http.Request{Method: string(r.Method), URL: u, RequestURI: string(r.Target), Proto: "HTTP/1.1",
			ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{}, Host: string(r.Host), Body: http.NoBody, Close: true}
		for _, f := range r.Header {
			req.Header.Add(string(f.Name), string(f.Value))
		}
		// As net/http: Host is Request.Host, not a Header entry, and an
		// absolute-form target's authority overrides it (RFC 9112 §3.2.2).
		req.Header.Del("Host")
		if u.Host != "" {
			req.Host = u.Host
		}
		if secure {
			req.URL.Scheme = "https"
		}
		w := &bufferedResponse{header: http.Header{}}
		h.ServeHTTP(w, req)
		resp := wsloop.HTTPResponse{Status: w.status, Body: w.body.Bytes()}
		for name, values := range w.header {
			for _, v := range values {
				resp.Header = append(resp.Header, ws.HeaderField{Name: []byte(name), Value: []byte(v)})
			}
		}
		return resp
	}
}

// bufferedResponse is an http.ResponseWriter that keeps the answer.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *bufferedResponse) Header() http.Header { return w.header }

func (w *bufferedResponse) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *bufferedResponse) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if w.header.Get("Content-Type") == "" && w.body.Len() == 0 {
		w.header.Set("Content-Type", http.DetectContentType(b))
	}
	return w.body.Write(b)
}
