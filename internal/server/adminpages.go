package server

// adminRoutes lists the routes of these pages; they are being built.
func (s *Server) adminRoutes() []route { return nil }
