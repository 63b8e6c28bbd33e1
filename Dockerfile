# One image for every Distill role; the role is the command (see docker-compose.yml).
#   docker build -t distill .
#   docker run --rm distill --help
FROM maven:3.9.11-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN ./mvnw -q -B install -DskipTests -DskipITs \
 && mkdir -p /opt/distill/lib \
 && cp ops/cli/target/distill-cli-*.jar /opt/distill/lib/ \
 && tr ':' '\n' < ops/cli/target/classpath.txt | xargs -I{} cp {} /opt/distill/lib/

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless dataset-fashion-mnist \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --system --home /var/lib/distill distill && mkdir -p /var/lib/distill && chown distill /var/lib/distill
COPY --from=build /opt/distill/lib /opt/distill/lib
ENV DJL_CACHE_DIR=/var/lib/distill/djl \
    JAVA_OPTS="-Xmx1g -Dai.djl.offline=true -Dai.djl.default_engine=PyTorch"
USER distill
WORKDIR /var/lib/distill
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -cp '/opt/distill/lib/*' io.distill.cli.DistillCommand \"$@\"", "distill"]
CMD ["--help"]
