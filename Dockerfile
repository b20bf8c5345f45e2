# syntax=docker/dockerfile:1
# The ipmatch image: one static binary on distroless, run as a numeric
# non-root user, configured by IPMATCH_* variables alone, with a read-only
# root file system (docker run --read-only --tmpfs /tmp) and its state on
# two volumes. README, "Operating ipmatch", tells how to run it;
# deploy/compose.yaml runs two nodes on a MongoDB replica set.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t ipmatch .

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# The build's flags live in deploy/build.sh, which .ci/run calls too.
RUN IPMATCH_VERSION="$VERSION" deploy/build.sh /out/ipmatch
# The volumes' mount points, owned by the user below: a named volume
# starts as a copy of them, so it is writable by that user.
RUN mkdir -p /out/var/lib/ipmatch/data /out/var/lib/ipmatch/index

# static-debian12 holds CA certificates (banks' https webhooks), tzdata and
# an /etc/passwd naming nonroot (65532); no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ipmatch /usr/local/bin/ipmatch
COPY --from=build --chown=65532:65532 /out/var/lib/ipmatch /var/lib/ipmatch
USER 65532:65532
# The embedded store and the search index on their volumes; import bodies
# spool on the data volume (the root file system may be read-only).
ENV IPMATCH_ADDR=0.0.0.0:8080 \
    IPMATCH_DATA=/var/lib/ipmatch/data \
    IPMATCH_INDEX=/var/lib/ipmatch/index \
    IPMATCH_SPOOL_DIR=/var/lib/ipmatch/data/spool
VOLUME ["/var/lib/ipmatch/data", "/var/lib/ipmatch/index"]
EXPOSE 8080
# The image has no shell or curl: the binary asks its own GET /healthz.
# A province-sized store takes a minute or more to load its match state
# before the first answer, hence the start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=3m --retries=3 CMD ["/usr/local/bin/ipmatch", "healthcheck"]
# serve drains requests on SIGTERM for up to IPMATCH_SHUTDOWN_TIMEOUT
# (20s): stop the container with a longer grace (docker stop -t 30).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/ipmatch"]
CMD ["serve"]
