/* Configuration: a registry of key tables (core's below, each module's from
 * its own folder through lh_config_register), each key with its section,
 * default, type, bounds, secret flag and env/flag names. lh_config_load()
 * layers defaults < YAML file < environment < flags, validates every value
 * against its key's type and remembers where each value came from, so
 * `config show` can print it and `config doc` can generate docs/config.md. */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <yaml.h>

#include "core/str.h"

enum { SRC_DEFAULT, SRC_FILE, SRC_ENV, SRC_FLAG, SRC_RUNTIME };

#define T(x) LH_CFG_##x
static const lh_config_key_t core_keys[] = {
    {.section = "core",
     .key = "data_dir",
     .def = "./lakehouse-data",
     .type = T(PATH),
     .env = "LAKEHOUSE_DATA_DIR",
     .flag = "--data-dir",
     .help = "data directory owned by one process (lock, metadata, lake)"},
    {.section = "core",
     .key = "config",
     .type = T(PATH),
     .env = "LAKEHOUSE_CONFIG",
     .flag = "--config",
     .help = "YAML configuration file (default `<data-dir>/lakehouse.yaml` when it exists)"},
    {.section = "core",
     .key = "access_key",
     .type = T(STR),
     .env = "LAKEHOUSE_ACCESS_KEY",
     .help = "root user's access key; CLI clients log in with it"},
    {.section = "core",
     .key = "secret_key",
     .type = T(STR),
     .secret = 1,
     .env = "LAKEHOUSE_SECRET_KEY",
     .help = "root user's secret key; CLI clients log in with it"},
    {.section = "core",
     .key = "token",
     .type = T(STR),
     .secret = 1,
     .env = "LAKEHOUSE_TOKEN",
     .flag = "--token",
     .help = "bearer token CLI clients log in with (instead of the key pair)"},
    {.section = "core",
     .key = "url",
     .def = "http://127.0.0.1:8080",
     .type = T(URL),
     .env = "LAKEHOUSE_URL",
     .help = "where CLI clients find the running platform (web listener)"},
    {.section = "core",
     .key = "log_format",
     .def = "text",
     .type = T(ENUM),
     .choices = "text|json",
     .help = "log line format: text or json"},
    {.section = "core",
     .key = "log_level",
     .def = "info",
     .type = T(ENUM),
     .choices = "debug|info|warn|error",
     .help = "lowest level logged: debug, info, warn or error"},
    {.section = "core",
     .key = "worker_threads",
     .def = "16",
     .type = T(INT),
     .min = 1,
     .max = 1024,
     .help = "threads of the pool for short blocking work (fsync, index commits, SQLite)"},
    {.section = "core",
     .key = "long_threads",
     .def = "0",
     .type = T(INT),
     .min = 0,
     .max = 1024,
     .help =
         "threads of the long-job pool (queries, scans, Parquet, compaction); 0 = online cores"},
    {.section = "core",
     .key = "long_queue",
     .def = "256",
     .type = T(INT),
     .min = 1,
     .max = 1 << 20,
     .help = "long jobs that may wait for a thread before new ones are refused as too busy"},
    {.section = "core",
     .key = "listen_ephemeral",
     .def = "false",
     .type = T(BOOL),
     .flag = "--listen-ephemeral|--core-listen-ephemeral",
     .help = "start every listener on 127.0.0.1 port 0 (an explicitly set `*.listen` still "
             "wins); the bound addresses are in `run/endpoints.json`. For tests and benchmarks"},
};
#undef T

/* --- the registry: core's table first, then each module's in order --- */

#define MAX_TABLES 64
#define MAX_KEYS 512

static struct {
    const lh_config_key_t *tab[MAX_TABLES];
    int tabn[MAX_TABLES];
    int ntab;
    const lh_config_key_t *key[MAX_KEYS]; /* flattened */
    int nkeys;
} reg;

static int find_key(const char *section, size_t slen, const char *key);

static int add_table(const lh_config_key_t *keys, int n)
{
    for (int t = 0; t < reg.ntab; t++)
        if (reg.tab[t] == keys) return 0;
    if (reg.ntab == MAX_TABLES || reg.nkeys + n > MAX_KEYS) return LH_ENOMEM;
    for (int i = 0; i < n; i++)
        if (find_key(keys[i].section, strlen(keys[i].section), keys[i].key) >= 0) {
            fprintf(stderr, "lakehouse: configuration key %s.%s declared twice (a bug)\n",
                    keys[i].section, keys[i].key);
            return LH_EEXIST;
        }
    reg.tab[reg.ntab] = keys;
    reg.tabn[reg.ntab++] = n;
    for (int i = 0; i < n; i++)
        reg.key[reg.nkeys++] = &keys[i];
    return 0;
}

static void ensure_core(void)
{
    if (reg.ntab == 0) add_table(core_keys, (int)(sizeof core_keys / sizeof core_keys[0]));
}

int lh_config_register(const lh_config_key_t *keys, int n)
{
    ensure_core();
    return add_table(keys, n);
}

static const char *const src_names[] = {"default", "file", "env", "flag", "runtime"};

typedef struct {
    char *value; /* malloc'd, or NULL = unset */
    int source;
} value_t;

struct lh_config {
    int n; /* keys registered when it was loaded */
    value_t v[];
};

/* --- key lookup and names --- */

#define K(i) reg.key[i]

static int find_key(const char *section, size_t slen, const char *key)
{
    for (int i = 0; i < reg.nkeys; i++)
        if (strlen(K(i)->section) == slen && !strncmp(K(i)->section, section, slen) &&
            !strcmp(K(i)->key, key))
            return i;
    return -1;
}

static int section_known(const char *section)
{
    for (int i = 0; i < reg.nkeys; i++)
        if (!strcmp(K(i)->section, section)) return 1;
    return 0;
}

static int find_dotted(const char *name)
{
    const char *dot = strchr(name, '.');
    return dot ? find_key(name, (size_t)(dot - name), dot + 1) : -1;
}

/* The nth '|'-separated alternative of list into out; 0 when there is none. */
static int alt(const char *list, int nth, char *out, size_t cap)
{
    const char *p = list;
    for (int k = 0; k < nth; k++) {
        p = strchr(p, '|');
        if (!p) return 0;
        p++;
    }
    size_t len = strcspn(p, "|");
    snprintf(out, cap, "%.*s", (int)len, p);
    return 1;
}

/* The nth environment name of k (0 = the one documented first). */
static int env_name(const lh_config_key_t *k, int nth, char *out, size_t cap)
{
    if (k->env) return alt(k->env, nth, out, cap);
    if (nth > 0) return 0;
    snprintf(out, cap, "LAKEHOUSE_%s_%s", k->section, k->key);
    for (char *p = out; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return 1;
}

static int flag_name(const lh_config_key_t *k, int nth, char *out, size_t cap)
{
    if (k->flag) return alt(k->flag, nth, out, cap);
    if (nth > 0) return 0;
    snprintf(out, cap, "--%s-%s", k->section, k->key);
    for (char *p = out + 2; *p; p++)
        if (*p == '_') *p = '-';
    return 1;
}

/* --- value types --- */

static int valid_listen(const char *v)
{
    const char *colon = strrchr(v, ':');
    if (!colon || colon == v) return 0;
    if (v[0] == '[' && colon[-1] != ']') return 0;
    int64_t port;
    return lh_parse_i64(colon + 1, &port) == 0 && port >= 0 && port <= 65535;
}

static int valid_enum(const char *choices, const char *v)
{
    char c[64];
    for (int k = 0; alt(choices, k, c, sizeof c); k++)
        if (!strcmp(c, v)) return 1;
    return 0;
}

int lh_config_parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no",
                                                                                "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (!strcasecmp(s, yes[i])) return *out = 1, 0;
        if (!strcasecmp(s, no[i])) return *out = 0, 0;
    }
    return LH_EINVAL;
}

/* "<digits><unit>" repeated; units from the table, scaled to the base unit.
 * A bare integer is whole units of bare_scale. */
typedef struct {
    const char *name;
    int64_t scale;
} unit_t;

static int parse_units(const char *s, const unit_t *units, int64_t bare_scale, int64_t *out)
{
    int64_t total = 0, n;
    if (!*s) return LH_EINVAL;
    if (lh_parse_i64(s, &n) == 0) {
        if (n < 0 || n > INT64_MAX / bare_scale) return LH_EINVAL;
        return *out = n * bare_scale, 0;
    }
    while (*s) {
        if (!isdigit((unsigned char)*s)) return LH_EINVAL;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        size_t ulen = 0;
        while (isalpha((unsigned char)end[ulen]))
            ulen++;
        const unit_t *u = units;
        while (u->name && (strlen(u->name) != ulen || strncasecmp(u->name, end, ulen)))
            u++;
        if (errno || !u->name || v > (unsigned long long)(INT64_MAX / u->scale) ||
            total > INT64_MAX - (int64_t)v * u->scale)
            return LH_EINVAL;
        total += (int64_t)v * u->scale;
        s = end + ulen;
    }
    return *out = total, 0;
}

int lh_config_parse_duration(const char *s, int64_t *ms)
{
    static const unit_t units[] = {{"ms", 1},      {"s", 1000},     {"m", 60000},
                                   {"h", 3600000}, {"d", 86400000}, {NULL, 0}};
    return parse_units(s, units, 1000, ms);
}

int lh_config_parse_size(const char *s, int64_t *bytes)
{
    static const unit_t units[] = {{"b", 1},           {"k", 1024},      {"kb", 1000},
                                   {"kib", 1024},      {"m", 1 << 20},   {"mb", 1000000},
                                   {"mib", 1 << 20},   {"g", 1 << 30},   {"gb", 1000000000},
                                   {"gib", 1 << 30},   {"t", 1LL << 40}, {"tb", 1000000000000LL},
                                   {"tib", 1LL << 40}, {NULL, 0}};
    return parse_units(s, units, 1, bytes);
}

static int bad(lh_err_t *err, const lh_config_key_t *k, const char *v, const char *src,
               const char *what)
{
    return lh_err_set(err, LH_EINVAL, "bad value '%s' for %s.%s from %s: %s", v, k->section, k->key,
                      src, what);
}

static int check_range(const lh_config_key_t *k, const char *v, const char *src, int64_t n,
                       const char *unit, lh_err_t *err)
{
    char what[96];
    if (n < k->min || (k->max && n > k->max)) {
        if (k->max)
            snprintf(what, sizeof what, "must be between %lld and %lld%s", (long long)k->min,
                     (long long)k->max, unit);
        else
            snprintf(what, sizeof what, "must be at least %lld%s", (long long)k->min, unit);
        return bad(err, k, v, src, what);
    }
    return 0;
}

static int check_value(const lh_config_key_t *k, const char *v, const char *src, lh_err_t *err)
{
    int64_t n;
    int b;
    switch (k->type) {
    case LH_CFG_INT:
        if (lh_parse_i64(v, &n) != 0 || n < 0)
            return bad(err, k, v, src, "not a non-negative integer");
        return check_range(k, v, src, n, "", err);
    case LH_CFG_DURATION:
        if (lh_config_parse_duration(v, &n) != 0)
            return bad(err, k, v, src, "not a duration (seconds, or like 500ms, 30s, 5m, 1h30m)");
        return check_range(k, v, src, n, " ms", err);
    case LH_CFG_SIZE:
        if (lh_config_parse_size(v, &n) != 0)
            return bad(err, k, v, src, "not a size (bytes, or like 64KiB, 16MiB, 1GiB)");
        return check_range(k, v, src, n, " bytes", err);
    case LH_CFG_BOOL:
        if (lh_config_parse_bool(v, &b) != 0)
            return bad(err, k, v, src, "not a boolean (true or false)");
        break;
    case LH_CFG_LISTEN:
        if (!valid_listen(v)) return bad(err, k, v, src, "not host:port");
        break;
    case LH_CFG_URL:
        if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
            return bad(err, k, v, src, "not an http(s) url");
        break;
    case LH_CFG_ENUM:
        if (!valid_enum(k->choices, v))
            return lh_err_set(err, LH_EINVAL, "bad value '%s' for %s.%s from %s: expected %s", v,
                              k->section, k->key, src, k->choices);
        break;
    default:
        break;
    }
    return 0;
}

static int put(lh_config_t *cfg, int i, const char *v, int source, const char *what, lh_err_t *err)
{
    int rc = check_value(K(i), v, what, err);
    if (rc) return rc;
    char *dup = strdup(v);
    if (!dup) return lh_err_set(err, LH_ENOMEM, "out of memory");
    free(cfg->v[i].value);
    cfg->v[i].value = dup;
    cfg->v[i].source = source;
    return 0;
}

/* --- flags: pulled out of argv; the rest is compacted for the caller --- */

#define MAX_FLAGS 64

typedef struct {
    int key;
    const char *value;
    char name[96];
} flag_t;

static int match_flag(const char *arg, const char **value, char *name, size_t cap)
{
    for (int i = 0; i < reg.nkeys; i++)
        for (int k = 0; flag_name(K(i), k, name, cap); k++) {
            size_t n = strlen(name);
            if (!strncmp(arg, name, n) && (arg[n] == '\0' || arg[n] == '=')) {
                *value = arg[n] == '=' ? arg + n + 1 : NULL;
                return i;
            }
        }
    return -1;
}

static int take_flags(int *argc, char **argv, flag_t *flags, int *nflags, lh_err_t *err)
{
    int out = 0, n = 0;
    for (int i = 0; i < *argc; i++) {
        const char *val;
        char name[96];
        int k = !strcmp(argv[i], "--") ? -2 : match_flag(argv[i], &val, name, sizeof name);
        if (k == -2) { /* everything after "--" stays for the caller */
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        if (k < 0) {
            argv[out++] = argv[i];
            continue;
        }
        if (!val && K(k)->type == LH_CFG_BOOL)
            val = "true"; /* a bare boolean flag switches it on */
        if (!val) {
            if (i + 1 >= *argc) return lh_err_set(err, LH_EINVAL, "flag %s needs a value", argv[i]);
            val = argv[++i];
        }
        if (n >= MAX_FLAGS) return lh_err_set(err, LH_EINVAL, "too many configuration flags");
        flags[n] = (flag_t){.key = k, .value = val};
        snprintf(flags[n++].name, sizeof flags[0].name, "%s", name);
    }
    *argc = out;
    *nflags = n;
    return 0;
}

static const char *flag_value(const flag_t *flags, int nflags, int key)
{
    const char *v = NULL;
    for (int i = 0; i < nflags; i++)
        if (flags[i].key == key) v = flags[i].value; /* the last one wins */
    return v;
}

/* The value of k from the environment (first of its names that is set). */
static const char *env_value(const lh_config_key_t *k, char *name, size_t cap)
{
    for (int n = 0; env_name(k, n, name, cap); n++) {
        const char *v = getenv(name);
        if (v && *v) return v;
    }
    return NULL;
}

/* --- YAML file --- */

static int yaml_scalar_value(yaml_document_t *doc, yaml_node_t *node, char *out, size_t cap)
{
    if (node->type == YAML_SCALAR_NODE) {
        size_t n = node->data.scalar.length;
        if (n >= cap) return -1;
        memcpy(out, node->data.scalar.value, n);
        out[n] = '\0';
        return 0;
    }
    if (node->type != YAML_SEQUENCE_NODE) return -1;
    size_t len = 0;
    out[0] = '\0';
    for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top;
         it++) {
        yaml_node_t *item = yaml_document_get_node(doc, *it);
        if (!item || item->type != YAML_SCALAR_NODE || len + item->data.scalar.length + 2 >= cap)
            return -1;
        if (len) out[len++] = ',';
        memcpy(out + len, item->data.scalar.value, item->data.scalar.length);
        len += item->data.scalar.length;
        out[len] = '\0';
    }
    return 0;
}

static int apply_section(lh_config_t *cfg, yaml_document_t *doc, const char *section,
                         yaml_node_t *map, const char *path, lh_err_t *err)
{
    char what[4200], val[4096];
    if (map->type != YAML_MAPPING_NODE)
        return lh_err_set(err, LH_EINVAL, "bad section %s in %s: expected a mapping", section,
                          path);
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *kn = yaml_document_get_node(doc, p->key);
        yaml_node_t *vn = yaml_document_get_node(doc, p->value);
        if (!kn || !vn || kn->type != YAML_SCALAR_NODE)
            return lh_err_set(err, LH_EINVAL, "bad key in section %s of %s", section, path);
        const char *key = (const char *)kn->data.scalar.value;
        int i = find_key(section, strlen(section), key);
        if (i < 0) return lh_err_set(err, LH_EINVAL, "unknown key %s.%s in %s", section, key, path);
        if (yaml_scalar_value(doc, vn, val, sizeof val) != 0)
            return lh_err_set(err, LH_EINVAL, "bad value for %s.%s in %s: expected a scalar",
                              section, key, path);
        snprintf(what, sizeof what, "file %s", path);
        int rc = put(cfg, i, val, SRC_FILE, what, err);
        if (rc) return rc;
    }
    return 0;
}

static int apply_doc(lh_config_t *cfg, yaml_document_t *doc, const char *path, lh_err_t *err)
{
    yaml_node_t *root = yaml_document_get_root_node(doc);
    if (!root) /* an empty file */
        return 0;
    if (root->type != YAML_MAPPING_NODE)
        return lh_err_set(err, LH_EINVAL, "bad configuration file %s: expected a mapping", path);
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *kn = yaml_document_get_node(doc, p->key);
        yaml_node_t *vn = yaml_document_get_node(doc, p->value);
        if (!kn || !vn || kn->type != YAML_SCALAR_NODE)
            return lh_err_set(err, LH_EINVAL, "bad key in %s", path);
        const char *sec = (const char *)kn->data.scalar.value;
        if (!section_known(sec))
            return lh_err_set(err, LH_EINVAL, "unknown section %s in %s", sec, path);
        int rc = apply_section(cfg, doc, sec, vn, path, err);
        if (rc) return rc;
    }
    return 0;
}

static int load_file(lh_config_t *cfg, const char *path, lh_err_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return lh_err_set(err, LH_EINVAL, "cannot open configuration file %s: %s", path,
                          strerror(errno));
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = 0;
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    }
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = lh_err_set(err, LH_EINVAL, "bad configuration file %s: %s at line %zu", path,
                        parser.problem ? parser.problem : "syntax error",
                        parser.problem_mark.line + 1);
        goto done;
    }
    rc = apply_doc(cfg, &doc, path, err);
    yaml_document_delete(&doc);
done:
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

/* --- load --- */

/* The file: --config, LAKEHOUSE_CONFIG, else <data-dir>/lakehouse.yaml if it
 * exists (data-dir from flag, env or default: the file cannot move itself). */
static int file_path(const flag_t *flags, int nflags, char *out, size_t cap, int *explicit_)
{
    int ci = find_dotted("core.config"), di = find_dotted("core.data_dir");
    char name[96];
    const char *p = flag_value(flags, nflags, ci);
    if (!p) p = env_value(K(ci), name, sizeof name);
    if (p && *p) {
        *explicit_ = 1;
        snprintf(out, cap, "%s", p);
        return 1;
    }
    const char *dd = flag_value(flags, nflags, di);
    if (!dd) dd = env_value(K(di), name, sizeof name);
    if (!dd || !*dd) dd = K(di)->def;
    snprintf(out, cap, "%s/lakehouse.yaml", dd);
    *explicit_ = 0;
    return access(out, F_OK) == 0;
}

static int apply_env(lh_config_t *cfg, lh_err_t *err)
{
    char name[96], what[128];
    for (int i = 0; i < cfg->n; i++) {
        const char *v = env_value(K(i), name, sizeof name);
        if (!v) continue;
        snprintf(what, sizeof what, "env %s", name);
        int rc = put(cfg, i, v, SRC_ENV, what, err);
        if (rc) return rc;
    }
    return 0;
}

static int apply_flags(lh_config_t *cfg, const flag_t *flags, int nflags, lh_err_t *err)
{
    char what[128];
    for (int f = 0; f < nflags; f++) {
        snprintf(what, sizeof what, "flag %s", flags[f].name);
        int rc = put(cfg, flags[f].key, flags[f].value, SRC_FLAG, what, err);
        if (rc) return rc;
    }
    return 0;
}

#define DD_PREFIX "<data-dir>/"

static int apply_defaults(lh_config_t *cfg, lh_err_t *err)
{
    for (int i = 0; i < cfg->n; i++)
        if (K(i)->def && strncmp(K(i)->def, DD_PREFIX, strlen(DD_PREFIX)) &&
            put(cfg, i, K(i)->def, SRC_DEFAULT, "default", err))
            return LH_ENOMEM;
    return 0;
}

/* Defaults under the data directory ("<data-dir>/dags"), computed after every
 * source so they follow --data-dir. */
static int derive(lh_config_t *cfg, lh_err_t *err)
{
    char path[4096];
    for (int i = 0; i < cfg->n; i++) {
        const char *def = K(i)->def;
        if (cfg->v[i].value || !def || strncmp(def, DD_PREFIX, strlen(DD_PREFIX))) continue;
        snprintf(path, sizeof path, "%s/%s", lh_config_get(cfg, "core.data_dir"),
                 def + strlen(DD_PREFIX));
        int rc = put(cfg, i, path, SRC_DEFAULT, "default", err);
        if (rc) return rc;
    }
    return 0;
}

/* Path keys made absolute against the working directory, so children that
 * run elsewhere (tasks, the demo driver) read the same files: a relative
 * core.data_dir ("./lakehouse-data", the default) became task arguments
 * that named nothing from the task's folder. */
static int absolute_paths(lh_config_t *cfg, lh_err_t *err)
{
    char cwd[4096], path[8192];
    for (int i = 0; i < cfg->n; i++) {
        const char *v = cfg->v[i].value;
        if (K(i)->type != LH_CFG_PATH || !v || !v[0] || v[0] == '/') continue;
        if (!getcwd(cwd, sizeof cwd))
            return lh_err_set(err, LH_EIO, "cannot read the working directory");
        while (v[0] == '.' && v[1] == '/')
            v += 2;
        snprintf(path, sizeof path, "%s%s%s", cwd, strcmp(cwd, "/") ? "/" : "",
                 strcmp(v, ".") ? v : "");
        int rc = put(cfg, i, path, cfg->v[i].source, K(i)->key, err);
        if (rc) return rc;
    }
    return 0;
}

/* core.listen_ephemeral: every listen key not set by the user binds 127.0.0.1:0. */
static int ephemeral(lh_config_t *cfg, lh_err_t *err)
{
    if (!lh_config_bool(cfg, "core.listen_ephemeral")) return 0;
    for (int i = 0; i < cfg->n; i++)
        if (K(i)->type == LH_CFG_LISTEN && cfg->v[i].source == SRC_DEFAULT) {
            int rc = put(cfg, i, "127.0.0.1:0", SRC_DEFAULT, "default", err);
            if (rc) return rc;
        }
    return 0;
}

int lh_config_load(lh_config_t **out, int *argc, char **argv, lh_err_t *err)
{
    flag_t flags[MAX_FLAGS];
    int nflags = 0, explicit_ = 0, rc;
    char path[4096];
    *out = NULL;
    ensure_core();
    lh_config_t *cfg = calloc(1, sizeof *cfg + (size_t)reg.nkeys * sizeof cfg->v[0]);
    if (!cfg) return lh_err_set(err, LH_ENOMEM, "out of memory");
    cfg->n = reg.nkeys;
    if ((rc = take_flags(argc, argv, flags, &nflags, err)) || (rc = apply_defaults(cfg, err)))
        goto fail;
    if (file_path(flags, nflags, path, sizeof path, &explicit_)) {
        if ((rc = load_file(cfg, path, err))) goto fail;
        if (!explicit_ &&
            (rc = put(cfg, find_dotted("core.config"), path, SRC_DEFAULT, "default", err)))
            goto fail;
    }
    if ((rc = apply_env(cfg, err)) || (rc = apply_flags(cfg, flags, nflags, err)) ||
        (rc = absolute_paths(cfg, err)) || (rc = derive(cfg, err)) || (rc = ephemeral(cfg, err)))
        goto fail;
    *out = cfg;
    return 0;
fail:
    lh_config_free(cfg);
    return rc;
}

void lh_config_free(lh_config_t *cfg)
{
    if (!cfg) return;
    for (int i = 0; i < cfg->n; i++)
        free(cfg->v[i].value);
    free(cfg);
}

static int key_index(const lh_config_t *cfg, const char *key)
{
    int i = find_dotted(key);
    if (i < 0 || i >= cfg->n) {
        fprintf(stderr, "lakehouse: unknown configuration key %s (a bug)\n", key);
        abort();
    }
    return i;
}

const char *lh_config_get(const lh_config_t *cfg, const char *key)
{
    const char *v = cfg->v[key_index(cfg, key)].value;
    return v ? v : "";
}

int64_t lh_config_int(const lh_config_t *cfg, const char *key)
{
    int64_t n = 0;
    if (lh_parse_i64(lh_config_get(cfg, key), &n) != 0) return 0;
    return n;
}

int lh_config_bool(const lh_config_t *cfg, const char *key)
{
    int b = 0;
    lh_config_parse_bool(lh_config_get(cfg, key), &b);
    return b;
}

int64_t lh_config_duration_ms(const lh_config_t *cfg, const char *key)
{
    int64_t n = 0;
    lh_config_parse_duration(lh_config_get(cfg, key), &n);
    return n;
}

int64_t lh_config_size(const lh_config_t *cfg, const char *key)
{
    int64_t n = 0;
    lh_config_parse_size(lh_config_get(cfg, key), &n);
    return n;
}

int lh_config_set(lh_config_t *cfg, const char *key, const char *value)
{
    int i = key_index(cfg, key);
    char *dup = strdup(value ? value : "");
    if (!dup) return LH_ENOMEM;
    free(cfg->v[i].value);
    cfg->v[i].value = dup;
    cfg->v[i].source = SRC_RUNTIME;
    return 0;
}

const char *lh_config_source(const lh_config_t *cfg, const char *key)
{
    return src_names[cfg->v[key_index(cfg, key)].source];
}

/* --- show and doc --- */

static const char *shown(const lh_config_t *cfg, int i)
{
    const char *v = cfg->v[i].value ? cfg->v[i].value : "";
    return K(i)->secret && *v ? "****" : v;
}

void lh_config_show(const lh_config_t *cfg, FILE *out)
{
    int kw = 0, vw = 0;
    char name[96];
    for (int i = 0; i < cfg->n; i++) {
        int n = snprintf(name, sizeof name, "%s.%s", K(i)->section, K(i)->key);
        int m = (int)strlen(shown(cfg, i));
        kw = n > kw ? n : kw;
        vw = m > vw ? m : vw;
    }
    for (int i = 0; i < cfg->n; i++) {
        snprintf(name, sizeof name, "%s.%s", K(i)->section, K(i)->key);
        fprintf(out, "%-*s = %-*s  (%s)\n", kw, name, vw, shown(cfg, i),
                cfg->v[i].value ? src_names[cfg->v[i].source] : "unset");
    }
}

/* "`A`, `B`" for the '|'-separated names */
static void names_md(char *out, size_t cap,
                     int (*name)(const lh_config_key_t *, int, char *, size_t),
                     const lh_config_key_t *k)
{
    char one[96];
    size_t len = 0;
    out[0] = '\0';
    for (int n = 0; name(k, n, one, sizeof one) && len < cap; n++)
        len += (size_t)snprintf(out + len, cap - len, "%s`%s`", n ? ", " : "", one);
}

static const char *const type_names[] = {
    [LH_CFG_STR] = "string", [LH_CFG_INT] = "integer", [LH_CFG_LISTEN] = "host:port",
    [LH_CFG_URL] = "url",    [LH_CFG_ENUM] = "choice", [LH_CFG_LIST] = "list",
    [LH_CFG_PATH] = "path",  [LH_CFG_BOOL] = "bool",   [LH_CFG_DURATION] = "duration",
    [LH_CFG_SIZE] = "size",
};

void lh_config_doc(FILE *out)
{
    char env[256], flag[256];
    ensure_core();
    fprintf(
        out,
        "# Configuration\n\n"
        "<!-- generated by `lakehouse config doc` from the key tables (core's in "
        "src/core/config.c, each module's in its own folder); do not edit -->\n\n"
        "Every key `section.key` can be set in four places; later ones win:\n\n"
        "1. the default below;\n"
        "2. the YAML file (`--config`, `LAKEHOUSE_CONFIG`, else `<data-dir>/lakehouse.yaml` "
        "when it exists), as a nested mapping:\n\n"
        "   ```yaml\n   store:\n     listen: 127.0.0.1:9000\n"
        "     lake_folders: [bronze, silver, gold]\n   web:\n     listen: 127.0.0.1:0\n   ```\n\n"
        "3. the environment variable (where two are listed, the first one set wins);\n"
        "4. the command-line flag (`--flag VALUE` or `--flag=VALUE`; a boolean flag alone "
        "means true).\n\n"
        "Types: a duration is integer seconds or a string like `500ms`, `30s`, `5m`, `1h30m`; "
        "a size is bytes or a string like `64KiB`, `16MiB`, `1GiB` (`KB`/`MB`/`GB` are powers "
        "of ten); a bool is `true`/`false` (also `yes`/`no`, `on`/`off`, `1`/`0`).\n\n"
        "An unknown key in the file, or a value of the wrong kind (a non-integer for a "
        "number, a listen address that is not `host:port`, a value out of range), stops the "
        "program with a message naming the key and where the value came from. A listen port "
        "of 0 picks a free port; `core.listen_ephemeral` puts every listener not set "
        "explicitly on `127.0.0.1:0`; the bound addresses are written to "
        "`<data-dir>/run/endpoints.json`. `lakehouse config show` prints every effective value "
        "with its source (default, file, env, flag), secrets masked.\n\n"
        "| key | type | environment | flag | default | description |\n"
        "|---|---|---|---|---|---|\n");
    for (int i = 0; i < reg.nkeys; i++) {
        const lh_config_key_t *k = K(i);
        names_md(env, sizeof env, env_name, k);
        names_md(flag, sizeof flag, flag_name, k);
        const char *def = k->def ? k->def : "";
        char range[96] = "";
        if ((k->type == LH_CFG_INT || k->type == LH_CFG_SIZE) && k->max)
            snprintf(range, sizeof range, " (%lld to %lld)", (long long)k->min, (long long)k->max);
        else if (k->type == LH_CFG_DURATION && k->max)
            snprintf(range, sizeof range, " (at most %lld s)", (long long)(k->max / 1000));
        else if (k->type == LH_CFG_ENUM)
            snprintf(range, sizeof range, " (`%s`)", k->choices);
        fprintf(out, "| `%s.%s` | %s | %s | %s | %s%s%s | %s%s%s |\n", k->section, k->key,
                type_names[k->type], env, flag, *def ? "`" : "", def, *def ? "`" : "", k->help,
                range, k->secret ? " (secret: masked by `config show`)" : "");
    }
}
