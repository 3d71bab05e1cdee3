"""Operations glue: Airflow settings and runs, maintenance jobs, the demo."""
