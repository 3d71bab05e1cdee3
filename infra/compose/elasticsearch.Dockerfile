# Elasticsearch 9 with the analysis-icu plugin that khabar's index template uses
# (icu_normalizer, icu_folding, icu_tokenizer). Everything else it uses ships in the default image.
ARG ES_VERSION=9.5.3
FROM docker.elastic.co/elasticsearch/elasticsearch:${ES_VERSION}
RUN bin/elasticsearch-plugin install --batch analysis-icu
