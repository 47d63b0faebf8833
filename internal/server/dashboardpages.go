package server

// dashboardRoutes lists the routes of these pages; they are being built.
func (s *Server) dashboardRoutes() []route { return nil }
