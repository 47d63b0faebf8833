package server

// simulationRoutes lists the routes of these pages; they are being built.
func (s *Server) simulationRoutes() []route { return nil }
