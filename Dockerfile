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
# glibc gives every thread that allocates its own malloc arena (up to 8 per core) and keeps
# freed memory there; as the blocking pool's threads come and go, a function's peak RSS grows
# with its run instead of staying at its per-delivery bound (deidentify: 30 -> 39 MiB from a
# 40 to a 160 MB export; 24 -> 25 MiB with capped arenas). The local harness sets the same
# (tests/src/procs.rs).
ENV MALLOC_ARENA_MAX=2
ENTRYPOINT ["/function"]
