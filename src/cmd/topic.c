/* `lakehouse topic list|describe|create|delete|tail`: a Kafka client built on
 * librdkafka's metadata, admin and consumer APIs, so it works against our
 * stream role and against any Kafka. This file holds the `kafka` section of
 * the configuration (how clients reach a Kafka), the command line (one
 * option table, each row saying which subcommands take it) and the
 * dispatch table; the work is in topic_meta.c, topic_admin.c and
 * topic_tail.c. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/topic_int.h"
#include "core/str.h"

static const lh_config_key_t kafka_keys[] = {
    {.section = "kafka",
     .key = "bootstrap_servers",
     .type = LH_CFG_STR,
     .env = "LAKEHOUSE_KAFKA|LAKEHOUSE_KAFKA_BOOTSTRAP_SERVERS",
     .flag = "--bootstrap-servers|--kafka-bootstrap-servers",
     .help = "Kafka brokers (`host:port[,host:port...]`) for `lakehouse topic`; unset = the "
             "`kafka` endpoint in `<data-dir>/run/endpoints.json`, else `127.0.0.1:9092`"},
    {.section = "kafka",
     .key = "sasl_mechanism",
     .type = LH_CFG_ENUM,
     .choices = "PLAIN|SCRAM-SHA-256|SCRAM-SHA-512",
     .flag = "--sasl-mechanism|--kafka-sasl-mechanism",
     .help = "SASL mechanism for `lakehouse topic` (the user and password from `--user`/"
             "`--password` or `LAKEHOUSE_ACCESS_KEY`/`LAKEHOUSE_SECRET_KEY`); unset = no SASL "
             "unless `--user` is given (then PLAIN)"},
};

int lh_cmd_topic_register_config(void)
{
    return lh_config_register(kafka_keys, (int)(sizeof kafka_keys / sizeof kafka_keys[0]));
}

/* --- the subcommands --- */

enum { LIST = 1, DESCRIBE = 2, CREATE = 4, DELETE = 8, TAIL = 16, ALL = 31 };

typedef struct {
    const char *name;
    int (*fn)(lh_topic_cli_t *);
    int bit;
    int want_topic;
    const char *usage;
} sub_t;

static const sub_t subs[] = {
    {.name = "list", .fn = lh__topic_list, .bit = LIST, .usage = "list [--json]"},
    {.name = "describe",
     .fn = lh__topic_describe,
     .bit = DESCRIBE,
     .want_topic = 1,
     .usage = "describe TOPIC [--json]  (partitions: leader, replicas, watermarks; configs)"},
    {.name = "create",
     .fn = lh__topic_create,
     .bit = CREATE,
     .want_topic = 1,
     .usage = "create TOPIC [--partitions N] [--replication-factor R] [--config KEY=VALUE...]\n"
              "                  [--if-not-exists]  (N and R default to the broker's defaults)"},
    {.name = "delete",
     .fn = lh__topic_delete,
     .bit = DELETE,
     .want_topic = 1,
     .usage = "delete TOPIC [--if-exists]"},
    {.name = "tail",
     .fn = lh__topic_tail,
     .bit = TAIL,
     .want_topic = 1,
     .usage = "tail TOPIC [--from beginning|end|OFFSET|@MS] [--partition P] [-n N] [--follow]\n"
              "                  [--format text|json]"},
    {.name = NULL},
};

/* --- options --- */

typedef enum { O_STR, O_INT, O_I64, O_FLAG, O_LIST, O_FROM, O_FORMAT, O_TIMEOUT } kind_t;

typedef struct {
    const char *flag, *alias;
    kind_t kind;
    size_t field;   /* into lh_topic_cli_t */
    size_t counter; /* O_LIST: the count's field */
    int subs;       /* the subcommands that take it */
} opt_t;

#define F(f) offsetof(lh_topic_cli_t, f)
static const opt_t opts[] = {
    {.flag = "-b", .kind = O_STR, .field = F(bootstrap), .subs = ALL},
    {.flag = "--user", .kind = O_STR, .field = F(user), .subs = ALL},
    {.flag = "--password", .kind = O_STR, .field = F(password), .subs = ALL},
    {.flag = "-X", .kind = O_LIST, .field = F(props), .counter = F(nprops), .subs = ALL},
    {.flag = "--timeout", .kind = O_TIMEOUT, .field = F(timeout_ms), .subs = ALL},
    {.flag = "-v", .alias = "--verbose", .kind = O_FLAG, .field = F(verbose), .subs = ALL},
    {.flag = "--json", .kind = O_FLAG, .field = F(json), .subs = LIST | DESCRIBE},
    {.flag = "--partitions", .kind = O_INT, .field = F(partitions), .subs = CREATE},
    {.flag = "--if-not-exists", .kind = O_FLAG, .field = F(lenient), .subs = CREATE},
    {.flag = "--if-exists", .kind = O_FLAG, .field = F(lenient), .subs = DELETE},
    {.flag = "--replication-factor", .kind = O_INT, .field = F(replication), .subs = CREATE},
    {.flag = "--config",
     .alias = "-c",
     .kind = O_LIST,
     .field = F(configs),
     .counter = F(nconfigs),
     .subs = CREATE},
    {.flag = "--from", .alias = "-o", .kind = O_FROM, .subs = TAIL},
    {.flag = "--partition", .alias = "-p", .kind = O_INT, .field = F(partition), .subs = TAIL},
    {.flag = "-n", .alias = "--count", .kind = O_I64, .field = F(count), .subs = TAIL},
    {.flag = "--follow", .alias = "-f", .kind = O_FLAG, .field = F(follow), .subs = TAIL},
    {.flag = "--format", .kind = O_FORMAT, .subs = TAIL},
    {.flag = NULL},
};
#undef F

static const opt_t *find_opt(const char *arg, size_t n, int bit)
{
    for (const opt_t *o = opts; o->flag; o++)
        if ((o->subs & bit) && ((strlen(o->flag) == n && !strncmp(arg, o->flag, n)) ||
                                (o->alias && strlen(o->alias) == n && !strncmp(arg, o->alias, n))))
            return o;
    return NULL;
}

static int bad_value(const char *flag, const char *v, const char *want)
{
    fprintf(stderr, "lakehouse: bad value '%s' for %s: expected %s\n", v, flag, want);
    return 2;
}

static int set_opt(lh_topic_cli_t *cl, const opt_t *o, const char *flag, const char *v)
{
    void *field = (char *)cl + o->field;
    int64_t n;
    switch (o->kind) {
    case O_STR:
        *(const char **)field = v;
        return 0;
    case O_FLAG:
        *(int *)field = 1;
        return 0;
    case O_INT:
    case O_I64:
        if (lh_parse_i64(v, &n) != 0 || n < 0 || (o->kind == O_INT && n > INT32_MAX))
            return bad_value(flag, v, "a non-negative integer");
        if (o->kind == O_INT)
            *(int *)field = (int)n;
        else
            *(int64_t *)field = n;
        return 0;
    case O_LIST: {
        int *count = (int *)((char *)cl + o->counter);
        char key[256];
        const char *val;
        if (lh__topic_split_kv(v, key, sizeof key, &val) != 0)
            return bad_value(flag, v, "KEY=VALUE");
        if (*count >= LH_TOPIC_MAX_LIST) return bad_value(flag, v, "at most 64 of them");
        ((const char **)field)[(*count)++] = v;
        return 0;
    }
    case O_FROM:
        return lh__topic_parse_from(v, &cl->from, &cl->from_value) == 0
                   ? 0
                   : bad_value(flag, v, "beginning, end, an offset or @<ms since the epoch>");
    case O_FORMAT:
        if (strcmp(v, "text") && strcmp(v, "json")) return bad_value(flag, v, "text or json");
        cl->format_json = !strcmp(v, "json");
        return 0;
    case O_TIMEOUT:
        if (lh_config_parse_duration(v, &n) != 0 || n <= 0 || n > 3600000)
            return bad_value(flag, v, "a duration up to 1h (like 500ms, 10s, 1m)");
        cl->timeout_ms = (int)n;
        return 0;
    }
    return 0;
}

/* One argument (and its value, *i advanced past it); 0 or 2 after printing. */
static int parse_arg(lh_topic_cli_t *cl, const sub_t *s, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *eq = a[0] == '-' && a[1] == '-' ? strchr(a, '=') : NULL;
    size_t n = eq ? (size_t)(eq - a) : strlen(a);
    const opt_t *o = a[0] == '-' && a[1] ? find_opt(a, n, s->bit) : NULL;
    if (!o && a[0] == '-' && a[1]) {
        fprintf(stderr,
                "lakehouse: unknown option %s for topic %s (see 'lakehouse topic --help')\n", a,
                s->name);
        return 2;
    }
    if (!o) {
        if (s->want_topic && !cl->topic) {
            cl->topic = a;
            return 0;
        }
        fprintf(stderr, "lakehouse: unexpected argument '%s'\n", a);
        return 2;
    }
    if (o->kind == O_FLAG) return set_opt(cl, o, a, NULL);
    if (!eq && *i + 1 >= argc) {
        fprintf(stderr, "lakehouse: %s needs a value\n", a);
        return 2;
    }
    return set_opt(cl, o, o->flag, eq ? eq + 1 : argv[++*i]);
}

static int parse(lh_topic_cli_t *cl, const sub_t *s, int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        int rc = parse_arg(cl, s, argc, argv, &i);
        if (rc) return rc;
    }
    if (s->want_topic && (!cl->topic || !*cl->topic)) {
        fprintf(stderr, "lakehouse: missing topic name (lakehouse topic %s)\n", s->usage);
        return 2;
    }
    return 0;
}

/* `--config K=V` is create's (a topic config, as kafka-topics.sh spells it),
 * not core.config's YAML file: taken out before the configuration loads. */
static int take_topic_configs(lh_topic_cli_t *cl, const sub_t *s, int *argc, char **argv)
{
    int out = 0;
    for (int i = 0; i < *argc; i++) {
        if (s->bit == CREATE && (!strcmp(argv[i], "--config") || !strcmp(argv[i], "-c"))) {
            if (i + 1 >= *argc) {
                fprintf(stderr, "lakehouse: %s needs a value\n", argv[i]);
                return 2;
            }
            int rc = set_opt(cl, find_opt("--config", 8, CREATE), "--config", argv[++i]);
            if (rc) return rc;
            continue;
        }
        argv[out++] = argv[i];
    }
    *argc = out;
    return 0;
}

/* --- help and dispatch --- */

static void usage(FILE *out)
{
    fprintf(out, "usage:\n");
    for (const sub_t *s = subs; s->name; s++)
        fprintf(out, "  lakehouse topic %s\n", s->usage);
    fprintf(
        out,
        "\nConnection (every subcommand): --bootstrap-servers HOST:PORT[,...] (or -b; env\n"
        "LAKEHOUSE_KAFKA; default: the `kafka` endpoint in <data-dir>/run/endpoints.json, else\n"
        "127.0.0.1:9092), --user U --password P (default LAKEHOUSE_ACCESS_KEY and\n"
        "LAKEHOUSE_SECRET_KEY), --sasl-mechanism PLAIN|SCRAM-SHA-256|SCRAM-SHA-512 (SASL is\n"
        "on when a mechanism or --user is given), -X KEY=VALUE (any librdkafka property, last\n"
        "wins), --timeout DURATION (default 10s), -v (librdkafka's log on stderr).\n\n"
        "tail starts, in each partition, at --from (beginning, end, an offset, or @MS: the\n"
        "first record whose timestamp is at or after MS milliseconds since the epoch); without\n"
        "--from at the last N records (-n, default 10). It stops at the end each partition had\n"
        "when it started, or after -n records when --from is given; --follow keeps printing\n"
        "new records (and those of partitions added meanwhile) until interrupted.\n"
        "--format text prints one line per record: partition, offset, timestamp, key, value,\n"
        "tab-separated (tab, newline, \\ and bytes that are not UTF-8 escaped); --format json\n"
        "one object per line (topic, partition, offset, timestamp, key, value, headers). It\n"
        "reads partitions directly (no consumer group). Exit status: 0, 2 on a usage error,\n"
        "1 otherwise. More: docs/topic.md.\n");
}

static int is_help(const char *a)
{
    return !strcmp(a, "--help") || !strcmp(a, "-h");
}

static int run(const sub_t *s, int argc, char **argv)
{
    lh_err_t err = {0};
    lh_topic_cli_t cl = {
        .timeout_ms = 10000, .partitions = -1, .replication = -1, .partition = -1, .count = -1};
    int rc = take_topic_configs(&cl, s, &argc, argv);
    if (rc) return rc;
    if (lh_config_load(&cl.cfg, &argc, argv, &err) != 0) {
        fprintf(stderr, "lakehouse: %s\n", err.msg);
        return 2;
    }
    rc = parse(&cl, s, argc, argv);
    if (rc == 0 && !(cl.conf = lh__topic_conf(&cl))) rc = 2;
    if (rc == 0) rc = s->fn(&cl);
    if (cl.conf) rd_kafka_conf_destroy(cl.conf);
    lh_config_free(cl.cfg);
    return rc;
}

int lh_cmd_topic(int argc, char **argv)
{
    if (argc < 1 || is_help(argv[0])) {
        usage(argc < 1 ? stderr : stdout);
        return argc < 1 ? 2 : 0;
    }
    const sub_t *s = subs;
    while (s->name && strcmp(s->name, argv[0]))
        s++;
    if (!s->name) {
        fprintf(stderr, "lakehouse: unknown topic command '%s' (see 'lakehouse topic --help')\n",
                argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++)
        if (is_help(argv[i])) {
            usage(stdout);
            return 0;
        }
    return run(s, argc - 1, argv + 1);
}
