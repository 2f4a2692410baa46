package wsloop

// RefusalsLingering is how many connections linger after an HTTP answer
// (maxHTTPLingers), refused ones among them, for the external tests.
func RefusalsLingering(s *Server) int64 { return s.lingers.Load() }
