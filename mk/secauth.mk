# AWS's own AWS_MSK_IAM client (issue 9), the independent implementation the AWS_MSK_IAM test
# compares sluice's signed payload with: software.amazon.msk:aws-msk-iam-auth and its classpath
# from Maven Central into .cache/msk-iam/libs (git-ignored; Maven's download cache is ~/.m2),
# and tools/msk-iam/MskIamPayload.java compiled against it into .cache/msk-iam/classes.
#   make msk-iam    install (no-op when installed); a prerequisite of test-integration
# When Java, javac or Maven is missing or the download fails, this fails with what to do: never skipped.
.PHONY: msk-iam

msk-iam: .cache/msk-iam/.installed

.cache/msk-iam/.installed: tools/msk-iam/pom.xml tools/msk-iam/MskIamPayload.java
	@command -v java >/dev/null 2>&1 || { echo "msk-iam: 'java' not found: AWS's aws-msk-iam-auth needs Java 17 (as root: apt-get install -y openjdk-17-jdk-headless)." >&2; exit 1; }
	@command -v javac >/dev/null 2>&1 || { echo "msk-iam: 'javac' not found: the AWS_MSK_IAM test compiles tools/msk-iam/MskIamPayload.java (as root: apt-get install -y openjdk-17-jdk-headless)." >&2; exit 1; }
	@command -v mvn >/dev/null 2>&1 || { echo "msk-iam: 'mvn' not found: aws-msk-iam-auth is fetched with Maven (as root: apt-get install -y maven)." >&2; exit 1; }
	@echo "msk-iam: fetching software.amazon.msk:aws-msk-iam-auth from Maven Central into .cache/msk-iam/libs"
	@rm -rf .cache/msk-iam && mkdir -p .cache/msk-iam/classes
	@mvn -q -B -f tools/msk-iam/pom.xml dependency:copy-dependencies -DoutputDirectory=$(CURDIR)/.cache/msk-iam/libs \
	    > .cache/msk-iam/mvn.log 2>&1 || { \
	  tail -30 .cache/msk-iam/mvn.log >&2; \
	  echo "msk-iam: Maven could not fetch software.amazon.msk:aws-msk-iam-auth and its dependencies (log above, full log in .cache/msk-iam/mvn.log). Check that Maven Central is reachable (mvn settings, proxy), then run make msk-iam again." >&2; \
	  exit 1; }
	@javac -d .cache/msk-iam/classes -cp '.cache/msk-iam/libs/*' tools/msk-iam/MskIamPayload.java || { echo "msk-iam: javac could not compile tools/msk-iam/MskIamPayload.java against .cache/msk-iam/libs (output above)." >&2; exit 1; }
	@touch $@
