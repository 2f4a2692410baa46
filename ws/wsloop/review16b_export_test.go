package wsloop

// SetMaxLingers sets how many connections s lets linger after an HTTP
// answer at once (maxHTTPLingers), before Listen, for the external tests.
func SetMaxLingers(s *Server, n int64) { s.maxLingers = n }
