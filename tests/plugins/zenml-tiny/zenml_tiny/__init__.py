"""A test plugin: one flavor of every component kind, a materializer, a step class, a command."""
