# Airflow 3 with khabar installed (the pipelines package, the CLI and the DAGs).
ARG AIRFLOW_VERSION=3.3.2
FROM apache/airflow:${AIRFLOW_VERSION}-python3.11
COPY --chown=airflow:root pyproject.toml README.md constraints.txt /opt/khabar/
COPY --chown=airflow:root pipelines /opt/khabar/pipelines
COPY --chown=airflow:root schemas /opt/khabar/schemas
# khabar's constraints pin the same Airflow the image ships; install khabar's core on top of it.
RUN pip install --no-cache-dir -c /opt/khabar/constraints.txt /opt/khabar
COPY --chown=airflow:root dags /opt/airflow/dags
