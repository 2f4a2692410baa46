package wsloop

// SetMaxHTTPQueued sets how many bytes of Server.HTTP's answers s queues
// at once (maxHTTPQueued), before Listen, for the external tests.
func SetMaxHTTPQueued(s *Server, n int64) { s.maxQueued = n }
