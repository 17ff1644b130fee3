"""zenml-dask: a processing backend whose shard work runs on a dask.distributed cluster."""
