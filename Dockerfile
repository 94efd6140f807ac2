# One image per function (infra/run.tf deploys <repository>/<function>:<tag>). Build from the
# repository root, once per function:
#   docker build --build-arg FUNCTION=deidentify -t REGION-docker.pkg.dev/PROJECT/REPOSITORY/deidentify:TAG .
# FUNCTION: bulk-export, deidentify, bq-load, graph-snapshot or subscription-relay. The binary
# is the function's crate (`cargo build --release --locked -p FUNCTION`); policies are compiled
# into it. The runtime image has CA certificates (TLS to Google APIs, Medplum, TigerGraph, DLP)
# and no shell; it runs as a non-root user and listens on $PORT (Cloud Run sets it).
# The analytics job has its own image: analytics/Dockerfile.
FROM rust:1.95-slim-bookworm AS build
ARG FUNCTION
WORKDIR /src
COPY . .
RUN test -n "$FUNCTION" && test -d "functions/$FUNCTION" \
    && cargo build --release --locked -p "$FUNCTION" --bin "$FUNCTION" \
    && cp "target/release/$FUNCTION" /function

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /function /function
ENTRYPOINT ["/function"]
