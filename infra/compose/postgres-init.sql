-- khabar's crawl state lives beside Airflow's metadata, in its own database.
CREATE DATABASE khabar_state OWNER airflow;
