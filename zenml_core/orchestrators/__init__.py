"""Orchestrators: decide where and in what order each step of a pipeline runs."""
