FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md kindred_cli.py kindred_demo.py kindred_demo_vocabulary.py ./
COPY config config
COPY domain domain
COPY store store
COPY bridge bridge
COPY matcher matcher
COPY web web
# Compiled in the installed package (from /, so not the copy in /app).
RUN pip install --no-cache-dir . && cd / && python -m config.i18n_catalogues compile
ENV KINDRED_DATA_DIR=/data KINDRED_HOST=0.0.0.0
EXPOSE 8080
CMD ["kindred", "run"]
