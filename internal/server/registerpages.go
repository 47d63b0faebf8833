package server

// registerRoutes lists the routes of these pages; they are being built.
func (s *Server) registerRoutes() []route { return nil }
