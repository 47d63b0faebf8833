package server

// workspaceRoutes lists the routes of these pages; they are being built.
func (s *Server) workspaceRoutes() []route { return nil }
