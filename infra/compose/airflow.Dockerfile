# Airflow 3 with khabar installed (the pipelines package, the CLI and the DAGs). The official image
# ships the providers this deployment uses: celery, redis, postgres, fab.
ARG AIRFLOW_VERSION=3.3.2
FROM apache/airflow:${AIRFLOW_VERSION}-python3.11
ARG AIRFLOW_VERSION
COPY --chown=airflow:root pyproject.toml README.md constraints.txt /opt/khabar/
COPY --chown=airflow:root pipelines /opt/khabar/pipelines
COPY --chown=airflow:root schemas /opt/khabar/schemas
COPY --chown=airflow:root infra/kibana /opt/khabar/infra/kibana
# khabar's constraints pin the same Airflow the image ships; naming it keeps pip from moving it.
RUN pip install --no-cache-dir -c /opt/khabar/constraints.txt "apache-airflow==${AIRFLOW_VERSION}" /opt/khabar \
    && mkdir -p /opt/airflow/khabar
COPY --chown=airflow:root dags /opt/airflow/dags
