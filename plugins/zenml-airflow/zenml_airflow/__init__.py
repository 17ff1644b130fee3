"""zenml-airflow: pipelines compiled into Apache Airflow DAGs, one task per step."""
