# The real Apache Kafka test bed (issue 8): the broker's jars from Maven Central, one classpath
# directory per version in .cache/kafka-real/<version>/libs (git-ignored; Maven's own download
# cache is ~/.m2). test/helpers/kafka-real.ts runs them; the versions are tools/kafka-real/versions.
#   make kafka-real    install every listed version (no-op when installed)
# When Java or Maven is missing or a download fails, this fails with what to do: never skipped.
KAFKA_REAL_VERSIONS := $(shell sed -e 's/\#.*//' tools/kafka-real/versions)
KAFKA_REAL_STAMPS := $(foreach v,$(KAFKA_REAL_VERSIONS),.cache/kafka-real/$(v)/.installed)

.PHONY: kafka-real

kafka-real: $(KAFKA_REAL_STAMPS)

.cache/kafka-real/%/.installed: tools/kafka-real/pom.xml tools/kafka-real/versions
	@command -v java >/dev/null 2>&1 || { echo "kafka-real: 'java' not found: Apache Kafka $* needs Java 17 (as root: apt-get install -y openjdk-17-jre-headless)." >&2; exit 1; }
	@command -v mvn >/dev/null 2>&1 || { echo "kafka-real: 'mvn' not found: the Kafka $* jars are fetched with Maven (as root: apt-get install -y maven)." >&2; exit 1; }
	@echo "kafka-real: fetching Apache Kafka $* from Maven Central into .cache/kafka-real/$*/libs"
	@rm -rf .cache/kafka-real/$*
	@mkdir -p .cache/kafka-real/$*
	@mvn -q -B -f tools/kafka-real/pom.xml -Dkafka.version=$* -Dkafka.line=$(firstword $(subst ., ,$*)) \
	    dependency:copy-dependencies -DoutputDirectory=$(CURDIR)/.cache/kafka-real/$*/libs \
	    > .cache/kafka-real/$*/mvn.log 2>&1 || { \
	  tail -30 .cache/kafka-real/$*/mvn.log >&2; \
	  echo "kafka-real: Maven could not fetch org.apache.kafka:kafka_2.13:$* and its dependencies (log above, full log in .cache/kafka-real/$*/mvn.log). Check that Maven Central is reachable (mvn settings, proxy), then run make kafka-real again." >&2; \
	  exit 1; }
	@ls .cache/kafka-real/$*/libs/kafka_2.13-$*.jar >/dev/null 2>&1 || { echo "kafka-real: kafka_2.13-$*.jar missing after the Maven run; see .cache/kafka-real/$*/mvn.log" >&2; exit 1; }
	@touch $@
