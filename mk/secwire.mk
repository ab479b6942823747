# Kafka security tests (test/unit/kafka-security.test.ts, test/integration/kafka-real-security.test.ts):
# openssl makes the test certificates at test time (test/helpers/tls-certs.ts); keytool comes with
# the JDK that make kafka-real needs anyway. system-deps installs openssl as root, else names it.
DEB_PACKAGES += openssl
