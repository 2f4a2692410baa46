package wsloop

// RefusalsLingering is how many connections s refused before their
// request head linger (maxRefusalLingers), for the external tests.
func RefusalsLingering(s *Server) int64 { return s.refusing.Load() }
