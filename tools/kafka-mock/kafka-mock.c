/*
 * kafka-mock: a Kafka-protocol cluster for tests and benchmarks, built on librdkafka's mock
 * cluster (rdkafka_mock.h, Debian librdkafka-dev 2.0.2). No JVM, no Docker: brokers listen on
 * 127.0.0.1 ephemeral ports inside this process.
 *
 * Build:  tools/kafka-mock/build.sh
 *         (gcc -O2 -Wall -o tools/kafka-mock/kafka-mock tools/kafka-mock/kafka-mock.c -lrdkafka -lpthread)
 *
 * Usage:  kafka-mock [--brokers N] [--topic name:partitions]...
 *
 * Protocol (line based; stdout carries only protocol lines, librdkafka logs go to stderr):
 *   startup   -> "BOOTSTRAP 127.0.0.1:p1,127.0.0.1:p2,..."  (exactly one line, flushed)
 *   then one command per stdin line, each answered by "OK" or "ERR <reason>":
 *     ping                                   no-op, answers OK (a barrier)
 *     topic <name> <partitions>              create a topic (replication = min(3, brokers))
 *     broker-down <id>                       close the broker's connections, refuse new ones
 *     broker-up <id>                         accept connections again (-1 = all brokers)
 *     rtt <broker-id> <ms>                   add round-trip delay to every response
 *     leader <topic> <partition> <broker-id> move partition leadership (-1 = no leader)
 *     request-errors <apikey> <count> <err>  the next <count> requests of <apikey> fail with <err>
 *     clear-request-errors <apikey>          drop queued request errors for <apikey>
 *     topic-error <topic> <err>              Metadata reports <err> for the topic (0 clears)
 *     coordinator group|transaction <key> <broker-id>
 *     quit                                   answer OK, destroy the cluster, exit 0
 *   <apikey> is a number (Produce=0, Fetch=1, ListOffsets=2, Metadata=3, ...) or a name from
 *   the table below; <err> is a number (Kafka protocol code, negative = librdkafka-internal,
 *   e.g. -195 = _TRANSPORT, which makes the broker drop the connection) or a name such as
 *   NOT_LEADER_FOR_PARTITION, UNKNOWN_TOPIC_OR_PART, _TRANSPORT.
 *
 * Lifetime: stdin EOF (the parent is gone), SIGTERM or SIGINT destroy the cluster and exit 0,
 * so the process never outlives the test that started it.
 *
 * Limits of the mock (librdkafka 2.0.2 rdkafka_mock.c): each partition keeps about 5 MB or
 * 100,000 record batches, older batches are trimmed (the low watermark moves up, as with
 * retention); topics are auto-created with 4 partitions on first metadata request; everything
 * is in memory. Record batches are stored and served as produced (timestamps kept).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_LINE 4096
#define MAX_ARGS 8

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig) {
        (void)sig;
        stop_requested = 1;
}

static const struct {
        const char *name;
        int key;
} api_keys[] = {
    {"Produce", 0},          {"Fetch", 1},          {"ListOffsets", 2},
    {"Metadata", 3},         {"OffsetCommit", 8},   {"OffsetFetch", 9},
    {"FindCoordinator", 10}, {"JoinGroup", 11},     {"Heartbeat", 12},
    {"LeaveGroup", 13},      {"SyncGroup", 14},     {"DescribeGroups", 15},
    {"ListGroups", 16},      {"SaslHandshake", 17}, {"ApiVersions", 18},
    {"CreateTopics", 19},    {"DeleteTopics", 20},  {"DeleteRecords", 21},
    {"InitProducerId", 22},  {"AddPartitionsToTxn", 24},
    {"AddOffsetsToTxn", 25}, {"EndTxn", 26},        {"TxnOffsetCommit", 28},
    {"DescribeConfigs", 32}, {"AlterConfigs", 33},  {"CreatePartitions", 37},
    {"OffsetDelete", 47},
};

static void reply_ok(void) {
        fputs("OK\n", stdout);
        fflush(stdout);
}

__attribute__((format(printf, 1, 2))) static void reply_err(const char *fmt, ...) {
        va_list ap;
        fputs("ERR ", stdout);
        va_start(ap, fmt);
        vfprintf(stdout, fmt, ap);
        va_end(ap);
        fputc('\n', stdout);
        fflush(stdout);
}

/* Parses a whole decimal integer; returns 0 on success. */
static int parse_int(const char *s, long *out) {
        char *end;
        if (!s || !*s)
                return -1;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (errno || *end)
                return -1;
        *out = v;
        return 0;
}

static int parse_api_key(const char *s, int *out) {
        long v;
        if (parse_int(s, &v) == 0) {
                if (v < 0 || v > 32767)
                        return -1;
                *out = (int)v;
                return 0;
        }
        for (size_t i = 0; i < sizeof(api_keys) / sizeof(api_keys[0]); i++) {
                if (strcasecmp(api_keys[i].name, s) == 0) {
                        *out = api_keys[i].key;
                        return 0;
                }
        }
        return -1;
}

/* Accepts a number or an error name (with or without the RD_KAFKA_RESP_ERR_ prefix). */
static int parse_err(const char *s, rd_kafka_resp_err_t *out) {
        long v;
        if (parse_int(s, &v) == 0) {
                *out = (rd_kafka_resp_err_t)v;
                return 0;
        }
        if (strncmp(s, "RD_KAFKA_RESP_ERR_", 18) == 0)
                s += 18;
        const struct rd_kafka_err_desc *descs;
        size_t cnt;
        rd_kafka_get_err_descs(&descs, &cnt);
        for (size_t i = 0; i < cnt; i++) {
                if (descs[i].name && strcasecmp(descs[i].name, s) == 0) {
                        *out = descs[i].code;
                        return 0;
                }
        }
        return -1;
}

static void reply_result(rd_kafka_resp_err_t err, const char *what) {
        if (err)
                reply_err("%s: %s (%s)", what, rd_kafka_err2str(err), rd_kafka_err2name(err));
        else
                reply_ok();
}

static int split_args(char *line, char **argv) {
        int argc = 0;
        char *save = NULL;
        for (char *tok = strtok_r(line, " \t\r\n", &save); tok;
             tok = strtok_r(NULL, " \t\r\n", &save)) {
                if (argc == MAX_ARGS)
                        return -1;
                argv[argc++] = tok;
        }
        return argc;
}

/* Handles one command line. Returns 1 when the process should exit. */
static int handle(rd_kafka_mock_cluster_t *mc, char *line) {
        char *argv[MAX_ARGS];
        int argc = split_args(line, argv);
        long a, b;
        int key;
        rd_kafka_resp_err_t err;

        if (argc < 0) {
                reply_err("too many arguments");
                return 0;
        }
        if (argc == 0) {
                reply_err("empty command: expected one of ping, topic, broker-down, broker-up, "
                          "rtt, leader, request-errors, clear-request-errors, topic-error, "
                          "coordinator, quit");
                return 0;
        }
        const char *cmd = argv[0];

        if (!strcmp(cmd, "ping") && argc == 1) {
                reply_ok();
        } else if (!strcmp(cmd, "quit") && argc == 1) {
                reply_ok();
                return 1;
        } else if (!strcmp(cmd, "topic") && argc == 3) {
                if (parse_int(argv[2], &a) || a < 1 || a > 100000) {
                        reply_err("partitions must be an integer >= 1, got '%s'", argv[2]);
                        return 0;
                }
                /* replication_factor is clamped by the mock to the broker count */
                reply_result(rd_kafka_mock_topic_create(mc, argv[1], (int)a, 1), "topic create");
        } else if ((!strcmp(cmd, "broker-down") || !strcmp(cmd, "broker-up")) && argc == 2) {
                if (parse_int(argv[1], &a)) {
                        reply_err("broker id must be an integer, got '%s'", argv[1]);
                        return 0;
                }
                err = cmd[7] == 'd' ? rd_kafka_mock_broker_set_down(mc, (int32_t)a)
                                    : rd_kafka_mock_broker_set_up(mc, (int32_t)a);
                reply_result(err, cmd);
        } else if (!strcmp(cmd, "rtt") && argc == 3) {
                if (parse_int(argv[1], &a) || parse_int(argv[2], &b) || b < 0) {
                        reply_err("usage: rtt <broker-id> <ms>, got '%s %s'", argv[1], argv[2]);
                        return 0;
                }
                reply_result(rd_kafka_mock_broker_set_rtt(mc, (int32_t)a, (int)b), "rtt");
        } else if (!strcmp(cmd, "leader") && argc == 4) {
                if (parse_int(argv[2], &a) || parse_int(argv[3], &b)) {
                        reply_err("usage: leader <topic> <partition> <broker-id>, got '%s %s'",
                                  argv[2], argv[3]);
                        return 0;
                }
                reply_result(
                    rd_kafka_mock_partition_set_leader(mc, argv[1], (int32_t)a, (int32_t)b),
                    "leader");
        } else if (!strcmp(cmd, "request-errors") && argc == 4) {
                if (parse_api_key(argv[1], &key)) {
                        reply_err("unknown api key '%s'", argv[1]);
                        return 0;
                }
                if (parse_int(argv[2], &a) || a < 0 || a > 1000000) {
                        reply_err("count must be an integer >= 0, got '%s'", argv[2]);
                        return 0;
                }
                if (parse_err(argv[3], &err)) {
                        reply_err("unknown error code '%s'", argv[3]);
                        return 0;
                }
                if (a > 0) {
                        rd_kafka_resp_err_t *errs = malloc(sizeof(*errs) * (size_t)a);
                        if (!errs) {
                                reply_err("out of memory");
                                return 0;
                        }
                        for (long i = 0; i < a; i++)
                                errs[i] = err;
                        rd_kafka_mock_push_request_errors_array(mc, (int16_t)key, (size_t)a, errs);
                        free(errs);
                }
                reply_ok();
        } else if (!strcmp(cmd, "clear-request-errors") && argc == 2) {
                if (parse_api_key(argv[1], &key)) {
                        reply_err("unknown api key '%s'", argv[1]);
                        return 0;
                }
                rd_kafka_mock_clear_request_errors(mc, (int16_t)key);
                reply_ok();
        } else if (!strcmp(cmd, "topic-error") && argc == 3) {
                if (parse_err(argv[2], &err)) {
                        reply_err("unknown error code '%s'", argv[2]);
                        return 0;
                }
                rd_kafka_mock_topic_set_error(mc, argv[1], err);
                reply_ok();
        } else if (!strcmp(cmd, "coordinator") && argc == 4) {
                if (strcmp(argv[1], "group") && strcmp(argv[1], "transaction")) {
                        reply_err("coordinator type must be 'group' or 'transaction', got '%s'", argv[1]);
                        return 0;
                }
                if (parse_int(argv[3], &a)) {
                        reply_err("broker id must be an integer, got '%s'", argv[3]);
                        return 0;
                }
                reply_result(rd_kafka_mock_coordinator_set(mc, argv[1], argv[2], (int32_t)a),
                             "coordinator");
        } else {
                reply_err("unknown command or wrong argument count: '%s' (see the header of "
                          "tools/kafka-mock/kafka-mock.c)",
                          cmd);
        }
        return 0;
}

static void usage(const char *prog) {
        fprintf(stderr, "usage: %s [--brokers N] [--topic name:partitions]...\n", prog);
}

int main(int argc, char **argv) {
        long brokers = 1;
        char errstr[512];

        /* Block the stop signals before librdkafka starts threads (they inherit the mask), so
         * only the main thread, which unblocks them below, ever runs the handler. */
        sigset_t stopset;
        sigemptyset(&stopset);
        sigaddset(&stopset, SIGTERM);
        sigaddset(&stopset, SIGINT);
        sigaddset(&stopset, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &stopset, NULL);

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--brokers") && i + 1 < argc) {
                        if (parse_int(argv[++i], &brokers) || brokers < 1 || brokers > 64) {
                                fprintf(stderr, "kafka-mock: --brokers must be 1..64, got '%s'\n",
                                        argv[i]);
                                return 2;
                        }
                } else if (!strcmp(argv[i], "--topic") && i + 1 < argc) {
                        i++; /* validated after the cluster exists */
                } else {
                        usage(argv[0]);
                        return 2;
                }
        }

        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        /* Quiet: warnings and errors only, on stderr. */
        rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof(errstr));
        rd_kafka_conf_set(conf, "client.id", "kafka-mock", errstr, sizeof(errstr));
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "kafka-mock: rd_kafka_new failed: %s\n", errstr);
                return 1;
        }
        rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, (int)brokers);
        if (!mc) {
                fprintf(stderr, "kafka-mock: rd_kafka_mock_cluster_new(%ld) failed\n", brokers);
                rd_kafka_destroy(rk);
                return 1;
        }

        int rc = 0;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--topic"))
                        continue;
                char *spec = argv[++i];
                char *colon = strrchr(spec, ':');
                long parts = 1;
                if (colon) {
                        *colon = '\0';
                        if (parse_int(colon + 1, &parts) || parts < 1) {
                                fprintf(stderr,
                                        "kafka-mock: --topic %s: partitions must be an integer "
                                        ">= 1 (form name:partitions)\n",
                                        spec);
                                rc = 2;
                                break;
                        }
                }
                if (!*spec) {
                        fprintf(stderr, "kafka-mock: --topic needs a name (form name:partitions)\n");
                        rc = 2;
                        break;
                }
                rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, spec, (int)parts, 1);
                if (err) {
                        fprintf(stderr, "kafka-mock: creating topic %s failed: %s\n", spec,
                                rd_kafka_err2str(err));
                        rc = 1;
                        break;
                }
        }

        if (rc == 0) {
                struct sigaction sa;
                memset(&sa, 0, sizeof(sa));
                sa.sa_handler = on_signal;
                sigemptyset(&sa.sa_mask);
                sa.sa_flags = 0; /* no SA_RESTART: a signal interrupts the blocking read */
                sigaction(SIGTERM, &sa, NULL);
                sigaction(SIGINT, &sa, NULL);
                signal(SIGPIPE, SIG_IGN);
                pthread_sigmask(SIG_UNBLOCK, &stopset, NULL);

                printf("BOOTSTRAP %s\n", rd_kafka_mock_cluster_bootstraps(mc));
                fflush(stdout);

                char line[MAX_LINE];
                while (!stop_requested) {
                        if (!fgets(line, sizeof(line), stdin)) {
                                if (ferror(stdin) && errno == EINTR && !stop_requested) {
                                        clearerr(stdin);
                                        continue;
                                }
                                break; /* EOF: the parent is gone, or a stop signal */
                        }
                        if (strchr(line, '\n') == NULL && !feof(stdin)) {
                                int c;
                                while ((c = getchar()) != EOF && c != '\n')
                                        ;
                                reply_err("line longer than %d bytes", MAX_LINE - 1);
                                continue;
                        }
                        if (handle(mc, line))
                                break;
                }
        }

        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
        return rc;
}
