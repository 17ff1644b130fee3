"""zenml-beam: a processing backend whose shard work runs as an Apache Beam pipeline."""
